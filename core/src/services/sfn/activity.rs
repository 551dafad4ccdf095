//! Step Functions activities: a Task whose Resource is an activity ARN waits until a
//! worker takes it with GetActivityTask (a long poll of up to 60 s that answers with a
//! `taskToken` and the input, or an empty token) and answers with SendTaskSuccess /
//! SendTaskFailure / SendTaskHeartbeat; HeartbeatSeconds and TimeoutSeconds apply as to
//! any token task. History: ActivityScheduled, ActivityStarted (with the workerName),
//! ActivitySucceeded / ActivityFailed / ActivityTimedOut. Activities come from
//! `AWS::StepFunctions::Activity` or CreateActivity; a worker is any code with the SDK —
//! a scheduled Lambda function, or the API console.

use super::{Sfn, SfnEvent};
use crate::error::AwsError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::{Event, Outcome, Waiter};
use crate::template::Model;
use crate::util::req_str;
use serde_json::{json, Value};
use std::collections::VecDeque;

impl Activity {
    /// The canvas badge's numbers: tasks waiting for a worker, workers waiting for a task.
    pub fn waiting(&self) -> (usize, usize) {
        (self.tasks.len(), self.pollers.len())
    }
}

/// How long GetActivityTask waits for a task.
const POLL_MS: u64 = 60_000;

pub(crate) struct Activity {
    /// The template's logical id (empty for one made by CreateActivity).
    pub logical_id: String,
    name: String,
    pub arn: String,
    /// Tasks waiting for a worker: (token, input, run).
    tasks: VecDeque<(String, String, usize)>,
    /// Workers waiting for a task: (poll id, who waits, workerName).
    pollers: VecDeque<(u64, Waiter, String)>,
    deleted: bool,
}

pub(super) fn from_model(model: &Model) -> Vec<Activity> {
    model
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::StepFunctions::Activity")
        .map(|r| Activity {
            logical_id: r.logical_id.clone(),
            name: r.physical_name.clone(),
            arn: format!(
                "arn:aws:states:{}:{}:activity:{}",
                model.region, model.account, r.physical_name
            ),
            tasks: VecDeque::new(),
            pollers: VecDeque::new(),
            deleted: false,
        })
        .collect()
}

fn not_found(arn: &str) -> AwsError {
    AwsError::client(
        "ActivityDoesNotExist",
        format!("Activity Does Not Exist: '{arn}'"),
    )
}

impl Sfn {
    fn find_activity(&self, arn: &str) -> Option<usize> {
        self.activities
            .iter()
            .position(|a| !a.deleted && a.arn == arn)
    }

    /// A Task on an activity: to the first waiting worker, or into the queue.
    pub(super) fn activity_task(
        &mut self,
        k: &mut Kernel<Event>,
        arn: &str,
        token: String,
        input: String,
        run: usize,
    ) {
        let Some(ai) = self.find_activity(arn) else {
            return;
        };
        self.activities[ai].tasks.push_back((token, input, run));
        self.serve_pollers(k, ai);
    }

    fn serve_pollers(&mut self, k: &mut Kernel<Event>, ai: usize) {
        while !self.activities[ai].tasks.is_empty() && !self.activities[ai].pollers.is_empty() {
            let (token, input, run) = self.activities[ai].tasks.pop_front().unwrap();
            let (_, waiter, worker) = self.activities[ai].pollers.pop_front().unwrap();
            let answer = self.started(k, run, &worker, token, input);
            k.schedule(
                0,
                Event::Reply {
                    waiter,
                    result: Ok(answer),
                },
            );
        }
    }

    /// A worker took the task: ActivityStarted, and the answer GetActivityTask gives.
    fn started(
        &mut self,
        k: &mut Kernel<Event>,
        run: usize,
        worker: &str,
        token: String,
        input: String,
    ) -> Value {
        self.run_event(
            k,
            run,
            "ActivityStarted",
            Some(("activityStartedEventDetails", json!({"workerName": worker}))),
        );
        json!({"taskToken": token, "input": input})
    }

    /// The activity actions; `None` for any other action.
    pub(super) fn activity_call(
        &mut self,
        k: &mut Kernel<Event>,
        action: &str,
        p: &Value,
        waiter: &Waiter,
    ) -> Option<Outcome> {
        let done = |r: Result<Value, AwsError>| Some(Outcome::Done(r));
        match action {
            "CreateActivity" => {
                let name = match req_str(p, "name") {
                    Ok(n) => n.to_string(),
                    Err(e) => return done(Err(e)),
                };
                let arn = format!(
                    "arn:aws:states:{}:{}:activity:{name}",
                    self.region, self.account
                );
                // Idempotent, as CreateActivity is for the same name.
                if self.find_activity(&arn).is_none() {
                    self.activities.push(Activity {
                        logical_id: String::new(),
                        name,
                        arn: arn.clone(),
                        tasks: VecDeque::new(),
                        pollers: VecDeque::new(),
                        deleted: false,
                    });
                }
                done(Ok(
                    json!({"activityArn": arn, "creationDate": k.now_ms() as f64 / 1000.0}),
                ))
            }
            "DescribeActivity" | "DeleteActivity" => {
                let arn = match req_str(p, "activityArn") {
                    Ok(a) => a,
                    Err(e) => return done(Err(e)),
                };
                let Some(ai) = self.find_activity(arn) else {
                    return done(Err(not_found(arn)));
                };
                if action == "DeleteActivity" {
                    self.activities[ai].deleted = true;
                    return done(Ok(json!({})));
                }
                let a = &self.activities[ai];
                done(Ok(
                    json!({"activityArn": a.arn, "name": a.name, "creationDate": 0}),
                ))
            }
            "ListActivities" => done(Ok(
                json!({"activities": self.activities.iter().filter(|a| !a.deleted)
                .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": 0})).collect::<Vec<_>>()}),
            )),
            "GetActivityTask" => {
                let arn = match req_str(p, "activityArn") {
                    Ok(a) => a,
                    Err(e) => return done(Err(e)),
                };
                let Some(ai) = self.find_activity(arn) else {
                    return done(Err(not_found(arn)));
                };
                let worker = p
                    .get("workerName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Some((token, input, run)) = self.activities[ai].tasks.pop_front() {
                    return done(Ok(self.started(k, run, &worker, token, input)));
                }
                self.next_poll += 1;
                let id = self.next_poll;
                self.activities[ai]
                    .pollers
                    .push_back((id, waiter.clone(), worker));
                k.schedule_idle(
                    POLL_MS * US_PER_MS,
                    Event::Sfn(SfnEvent::ActivityPollTimeout {
                        activity: ai,
                        poll: id,
                    }),
                );
                Some(Outcome::Pending)
            }
            _ => None,
        }
    }

    /// A GetActivityTask found nothing in 60 s: an empty token.
    pub(super) fn activity_poll_timeout(&mut self, k: &mut Kernel<Event>, ai: usize, poll: u64) {
        let pollers = &mut self.activities[ai].pollers;
        if let Some(pos) = pollers.iter().position(|(id, _, _)| *id == poll) {
            let (_, waiter, _) = pollers.remove(pos).unwrap();
            k.schedule(
                0,
                Event::Reply {
                    waiter,
                    result: Ok(json!({"taskToken": null, "input": null})),
                },
            );
        }
    }
}
