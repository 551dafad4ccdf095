//! The Step Functions interpreter. An execution is a tree of *runs*: one per thread of
//! control (the top level, each Parallel branch, each Map iteration). A run enters a
//! state, does its work — immediately, after a Wait, or when a Task's call is answered
//! through the engine's API surface — and moves on. Everything that takes time is a
//! kernel event, so runs interleave in virtual time exactly as their timings say.
//! Every step is written to the execution's history in AWS's GetExecutionHistory
//! format, with ids and previousEventId chaining each thread.

#[path = "jsonata.rs"]
mod jsonata;
#[path = "maprun.rs"]
mod maprun;
pub(crate) use maprun::MapRunRecord;

use super::{Sfn, STANDARD_MAX_MS};
use crate::asl::definition::{Kind, PathField, State, States, WaitFor};
use crate::asl::{self, choice, error_matches, Failure, Scope};
use crate::error::AwsError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::{Event, Waiter};
use crate::trace::TraceKind;
use crate::util::{iso8601, parse_iso8601_ms};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Virtual time between a Task being scheduled and its call reaching the service (ms).
const INTEGRATION_LATENCY_MS: (f64, f64) = (3.0, 9.0);
/// Inline Map states run at most 40 iterations at once when MaxConcurrency is 0.
const INLINE_MAP_CONCURRENCY: usize = 40;
const DISTRIBUTED_MAP_CONCURRENCY: usize = 10_000;

#[derive(Debug)]
pub(crate) enum SfnEvent {
    Enter {
        run: usize,
    },
    /// A Wait state's time is up, or a retry's delay has passed.
    Resume {
        run: usize,
        gen: u64,
    },
    TaskTimeout {
        run: usize,
        gen: u64,
    },
    HeartbeatTimeout {
        run: usize,
        gen: u64,
        beat: u64,
    },
    ExecTimeout {
        exec: usize,
    },
    /// A worker's GetActivityTask found no task within 60 s.
    ActivityPollTimeout {
        activity: usize,
        poll: u64,
    },
}

/// A Task's call (or a `.sync` child execution) being answered.
#[derive(Debug, Clone)]
pub(crate) struct SfnWaiter {
    run: usize,
    gen: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pattern {
    Request,
    Token,
    Sync(u8),
}

#[derive(Clone, Debug)]
struct Integration {
    /// `service:Action` on the engine's API surface.
    action: String,
    /// Prefix of the error names a failed call gives (`Lambda.`, `SQS.`, `Sqs.`).
    prefix: String,
    resource_type: String,
    resource: String,
    pattern: Pattern,
    lambda_arn: bool,
    sdk: bool,
}

fn pascal(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
fn camel(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
fn rekey(v: Value, f: fn(&str) -> String) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, x)| (f(&k), x)).collect()),
        other => other,
    }
}

/// Reads a Task's Resource into the call it makes.
fn integration(resource: &str) -> Result<Integration, Failure> {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    if parts.get(2) == Some(&"lambda") {
        return Ok(Integration {
            action: "lambda:Invoke".into(),
            prefix: "Lambda".into(),
            resource_type: "lambda".into(),
            resource: resource.into(),
            pattern: Pattern::Request,
            lambda_arn: true,
            sdk: false,
        });
    }
    if parts.get(5) == Some(&"activity") {
        // An activity: no call; a worker takes the task with GetActivityTask.
        return Ok(Integration {
            action: String::new(),
            prefix: "States".into(),
            resource_type: "activity".into(),
            resource: resource.into(),
            pattern: Pattern::Token,
            lambda_arn: false,
            sdk: false,
        });
    }
    let rest = resource.strip_prefix("arn:aws:states:::").ok_or_else(|| {
        Failure::runtime(format!(
            "'{resource}' is not a resource the playground runs"
        ))
    })?;
    let (rest, pattern) = if let Some(r) = rest.strip_suffix(".waitForTaskToken") {
        (r, Pattern::Token)
    } else if let Some(r) = rest.strip_suffix(".sync:2") {
        (r, Pattern::Sync(2))
    } else if let Some(r) = rest.strip_suffix(".sync") {
        (r, Pattern::Sync(1))
    } else {
        (rest, Pattern::Request)
    };
    let (sdk, svc, act) = match rest.split(':').collect::<Vec<_>>()[..] {
        ["aws-sdk", svc, act] => (true, svc, act),
        [svc, act] => (false, svc, act),
        _ => {
            return Err(Failure::runtime(format!(
                "'{resource}' is not a resource the playground runs"
            )))
        }
    };
    let service = match svc {
        "sfn" | "states" => "states",
        "eventbridge" | "events" => "events",
        other => other,
    };
    let prefix = if sdk {
        match svc {
            "dynamodb" => "DynamoDb".to_string(),
            "eventbridge" => "EventBridge".to_string(),
            other => pascal(other),
        }
    } else {
        match svc {
            "sqs" => "SQS",
            "sns" => "SNS",
            "lambda" => "Lambda",
            "states" => "StepFunctions",
            "events" => "EventBridge",
            "dynamodb" => "DynamoDB",
            other => other,
        }
        .to_string()
    };
    if matches!(pattern, Pattern::Sync(_)) && !(service == "states" && act == "startExecution") {
        return Err(Failure::runtime(format!(
            "'{resource}': the playground runs .sync only for states:startExecution"
        )));
    }
    Ok(Integration {
        action: format!("{service}:{}", pascal(act)),
        prefix,
        resource_type: if sdk {
            format!("aws-sdk:{svc}")
        } else {
            svc.to_string()
        },
        resource: format!(
            "{act}{}",
            match pattern {
                Pattern::Request => "",
                Pattern::Token => ".waitForTaskToken",
                Pattern::Sync(1) => ".sync",
                Pattern::Sync(_) => ".sync:2",
            }
        ),
        pattern,
        lambda_arn: false,
        sdk,
    })
}

/// The request the engine receives for a Task's effective parameters.
fn request(integ: &Integration, params: &Value) -> Value {
    if integ.lambda_arn {
        return json!({"FunctionName": integ.resource, "InvocationType": "RequestResponse", "Payload": params.to_string()});
    }
    let mut p = params.clone();
    let stringify = |p: &mut Value, key: &str| {
        if let Some(v) = p.get(key).filter(|v| !v.is_string() && !v.is_null()) {
            let s = v.to_string();
            p[key] = Value::String(s);
        }
    };
    match integ.action.as_str() {
        "lambda:Invoke" => stringify(&mut p, "Payload"),
        "sqs:SendMessage" => stringify(&mut p, "MessageBody"),
        "sns:Publish" => stringify(&mut p, "Message"),
        "events:PutEvents" => {
            if let Some(entries) = p.get_mut("Entries").and_then(Value::as_array_mut) {
                for e in entries {
                    stringify(e, "Detail");
                }
            }
        }
        a if a.starts_with("states:") => {
            p = rekey(p, camel);
            stringify(&mut p, "input");
        }
        _ => {}
    }
    p
}

fn sdk_metadata(request_id: String) -> (Value, Value) {
    (
        json!({"AllHttpHeaders": {"Content-Type": ["application/x-amz-json-1.0"], "x-amzn-RequestId": [request_id]},
               "HttpHeaders": {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id},
               "HttpStatusCode": 200}),
        json!({"RequestId": request_id}),
    )
}

/// What a Task's call answered, as the state sees it: its result or its error.
fn task_result(
    integ: &Integration,
    r: Result<Value, AwsError>,
    request_id: String,
) -> Result<Value, Failure> {
    let v = r.map_err(|e| {
        let cause = if integ.sdk {
            format!(
                "{} (Service: {}, Status Code: {}, Request ID: {request_id})",
                e.message, integ.prefix, e.status
            )
        } else {
            e.message.clone()
        };
        Failure::new(&format!("{}.{}", integ.prefix, e.code), cause)
    })?;
    if integ.action == "lambda:Invoke" {
        let payload_text = v.get("Payload").and_then(Value::as_str).unwrap_or("");
        if v.get("FunctionError").is_some() {
            let err: Value = serde_json::from_str(payload_text).unwrap_or(Value::Null);
            let name = err
                .get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("Lambda.Unknown");
            return Err(Failure::new(name, payload_text));
        }
        let payload: Value = if payload_text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(payload_text).unwrap_or(Value::String(payload_text.into()))
        };
        if integ.lambda_arn {
            return Ok(payload);
        }
        if integ.sdk {
            let mut out = v.clone();
            out["Payload"] = payload;
            return Ok(out);
        }
        let (http, meta) = sdk_metadata(request_id);
        return Ok(json!({
            "ExecutedVersion": v.get("ExecutedVersion").cloned().unwrap_or(json!("$LATEST")),
            "Payload": payload, "SdkHttpMetadata": http, "SdkResponseMetadata": meta,
            "StatusCode": v.get("StatusCode").cloned().unwrap_or(json!(200)),
        }));
    }
    let mut v = if integ.action.starts_with("states:") {
        rekey(v, pascal)
    } else {
        v
    };
    if !integ.sdk {
        if let Value::Object(o) = &mut v {
            let (http, meta) = sdk_metadata(request_id);
            o.insert("SdkHttpMetadata".into(), http);
            o.insert("SdkResponseMetadata".into(), meta);
        }
    }
    Ok(v)
}

/// One event of an execution's history, kept compact; `to_json` gives AWS's format.
pub(crate) struct HistoryEvent {
    timestamp: u64,
    ty: &'static str,
    id: u64,
    prev: u64,
    detail: Detail,
}

pub(crate) enum Detail {
    None,
    /// A state's Entered (input) or Exited (output) event.
    State {
        entered: bool,
        name: String,
        /// Shared: a state's output text is the next state's input text.
        text: Rc<str>,
    },
    Json(&'static str, Value),
    /// ExecutionStarted: the input text and the role (details built when asked for).
    Started {
        input: String,
        role: String,
    },
    /// ExecutionSucceeded: the output text.
    Succeeded {
        output: String,
    },
}

impl HistoryEvent {
    pub fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("timestamp".into(), json!(self.timestamp));
        e.insert("type".into(), json!(self.ty));
        e.insert("id".into(), json!(self.id));
        e.insert("previousEventId".into(), json!(self.prev));
        match &self.detail {
            Detail::None => {}
            Detail::State {
                entered: true,
                name,
                text,
            } => {
                e.insert(
                    "stateEnteredEventDetails".into(),
                    json!({"name": name, "input": &**text, "inputDetails": {"truncated": false}}),
                );
            }
            Detail::State {
                entered: false,
                name,
                text,
            } => {
                e.insert(
                    "stateExitedEventDetails".into(),
                    json!({"name": name, "output": &**text, "outputDetails": {"truncated": false}}),
                );
            }
            Detail::Json(key, d) => {
                e.insert((*key).into(), d.clone());
            }
            Detail::Started { input, role } => {
                e.insert(
                    "executionStartedEventDetails".into(),
                    json!({"input": input, "inputDetails": {"truncated": false}, "roleArn": role}),
                );
            }
            Detail::Succeeded { output } => {
                e.insert(
                    "executionSucceededEventDetails".into(),
                    json!({"output": output, "outputDetails": {"truncated": false}}),
                );
            }
        }
        Value::Object(e)
    }
}

#[derive(Clone, Debug)]
enum Phase {
    Idle,
    Calling(Integration),
    Token {
        integ: Integration,
        token: String,
        beat: u64,
        heartbeat_s: Option<u64>,
    },
    SyncChild(Integration),
    Waiting,
    FanOut,
    /// A Map's ItemReader call is out.
    Reading {
        max: usize,
        reader: Value,
    },
    /// A Distributed Map's ResultWriter is writing to S3: the puts still to make and
    /// the state's output once they are done.
    Writing {
        puts: Vec<Value>,
        output: Value,
    },
}

struct Fan {
    map: bool,
    items: Vec<Value>,
    children: Vec<usize>,
    results: Vec<Option<Value>>,
    next: usize,
    running: usize,
    max: usize,
    done: usize,
    failures: usize,
    tolerated: Option<(Option<u64>, Option<f64>)>,
    /// A Distributed Map's Map Run.
    run: Option<maprun::MapRun>,
}

pub(crate) struct Run {
    exec: usize,
    set: Rc<States>,
    state: usize,
    /// The current state's raw input.
    input: Value,
    /// The input after InputPath.
    effective: Value,
    parent: Option<(usize, usize)>,
    prev: u64,
    entered_ms: u64,
    retries: Vec<u32>,
    retry_count: u32,
    gen: u64,
    alive: bool,
    vars: BTreeMap<String, Value>,
    map_item: Option<(usize, Rc<Value>)>,
    token: Option<String>,
    phase: Phase,
    fan: Option<Fan>,
    /// The current Task has a TimeoutSeconds timer running.
    timed: bool,
    /// The id of the current state's …StateEntered event (JSONata error causes name it).
    entered_id: u64,
    /// JSONata: the Choice rule taken (its Output and Assign apply).
    choice_rule: Option<usize>,
    /// The input as history text, when it is the previous state's output (serialised once).
    input_text: Option<Rc<str>>,
}

impl Run {
    /// Waiting for a call, a worker or a child with a timer that will end the wait.
    pub fn has_deadline(&self) -> bool {
        self.alive
            && match &self.phase {
                Phase::Calling(_) | Phase::SyncChild(_) => self.timed,
                Phase::Token { heartbeat_s, .. } => self.timed || heartbeat_s.is_some(),
                _ => false,
            }
    }

    pub fn exec(&self) -> usize {
        self.exec
    }

    pub fn waiting_for_token(&self, t: &str) -> bool {
        self.alive && matches!(&self.phase, Phase::Token { token, .. } if token == t)
    }
}

impl Sfn {
    /// Appends a history event and returns its id.
    pub(super) fn event(
        &mut self,
        k: &mut Kernel<Event>,
        exec: usize,
        prev: u64,
        ty: &'static str,
        details: Option<(&'static str, Value)>,
    ) -> u64 {
        let detail = match details {
            Some((key, d)) => Detail::Json(key, d),
            None => Detail::None,
        };
        self.push_event(k, exec, prev, ty, detail)
    }

    pub(super) fn push_event(
        &mut self,
        k: &mut Kernel<Event>,
        exec: usize,
        prev: u64,
        ty: &'static str,
        detail: Detail,
    ) -> u64 {
        let ex = &mut self.execs[exec];
        let id = ex.history.len() as u64 + 1;
        // Step Functions logs nothing by default; the page's log panel gets the events a
        // learner must not miss (failures, time-outs, aborts); the history has the rest.
        let notable = ty.ends_with("Failed") || ty.ends_with("TimedOut") || ty.ends_with("Aborted");
        let line = notable.then(|| {
            let field = |f: &str| match &detail {
                Detail::Json(_, d) => d.get(f).and_then(Value::as_str).unwrap_or("").to_string(),
                _ => String::new(),
            };
            format!(
                "{} {id} {ty} {} {}",
                ex.name,
                field("error"),
                field("cause")
            )
        });
        ex.history.push(HistoryEvent {
            timestamp: k.now_ms(),
            ty,
            id,
            prev,
            detail,
        });
        if let Some(line) = line {
            let lid = self.machines[ex.machine].logical_id.clone();
            k.record(
                TraceKind::Log,
                &lid,
                &lid,
                line.trim_end().to_string(),
                Value::Null,
            );
        }
        id
    }

    /// `…StateEntered` / `…StateExited` with the state's name and input or output text.
    fn state_event(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        entered: bool,
        st: &State,
        text: Rc<str>,
    ) -> u64 {
        let ty = match (st.type_name.as_str(), entered) {
            ("Pass", true) => "PassStateEntered",
            ("Pass", false) => "PassStateExited",
            ("Task", true) => "TaskStateEntered",
            ("Task", false) => "TaskStateExited",
            ("Choice", true) => "ChoiceStateEntered",
            ("Choice", false) => "ChoiceStateExited",
            ("Wait", true) => "WaitStateEntered",
            ("Wait", false) => "WaitStateExited",
            ("Succeed", true) => "SucceedStateEntered",
            ("Succeed", false) => "SucceedStateExited",
            ("Fail", _) => "FailStateEntered",
            ("Parallel", true) => "ParallelStateEntered",
            ("Parallel", false) => "ParallelStateExited",
            ("Map", true) => "MapStateEntered",
            _ => "MapStateExited",
        };
        let detail = Detail::State {
            entered,
            name: st.name.clone(),
            text,
        };
        let (exec, prev) = (self.runs[ri].exec, self.runs[ri].prev);
        let id = self.push_event(k, exec, prev, ty, detail);
        self.runs[ri].prev = id;
        id
    }

    pub(super) fn run_event(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        ty: &'static str,
        details: Option<(&'static str, Value)>,
    ) -> u64 {
        let (exec, prev) = (self.runs[ri].exec, self.runs[ri].prev);
        let id = self.event(k, exec, prev, ty, details);
        self.runs[ri].prev = id;
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn spawn(
        &mut self,
        k: &mut Kernel<Event>,
        exec: usize,
        set: Rc<States>,
        input: Value,
        parent: Option<(usize, usize)>,
        prev: u64,
        vars: BTreeMap<String, Value>,
        map_item: Option<(usize, Rc<Value>)>,
    ) -> usize {
        let ri = self.runs.len();
        self.execs[exec].runs.push(ri);
        let state = set.get(&set.start_at).unwrap_or(0);
        self.runs.push(Run {
            exec,
            set,
            state,
            effective: Value::Null,
            input,
            parent,
            prev,
            entered_ms: k.now_ms(),
            retries: Vec::new(),
            retry_count: 0,
            gen: 0,
            alive: true,
            vars,
            map_item,
            token: None,
            phase: Phase::Idle,
            fan: None,
            timed: false,
            entered_id: 0,
            choice_rule: None,
            input_text: None,
        });
        k.schedule(0, Event::Sfn(SfnEvent::Enter { run: ri }));
        ri
    }

    fn live(&self, ri: usize) -> bool {
        self.runs[ri].alive && self.execs[self.runs[ri].exec].status == "RUNNING"
    }

    pub fn handle(&mut self, k: &mut Kernel<Event>, ev: SfnEvent) {
        match ev {
            SfnEvent::Enter { run } if self.live(run) => self.enter(k, run),
            SfnEvent::Resume { run, gen } if self.live(run) && self.runs[run].gen == gen => {
                if matches!(self.runs[run].phase, Phase::Waiting) {
                    let v = self.runs[run].effective.clone();
                    self.complete(k, run, v, None);
                } else {
                    self.execute(k, run);
                }
            }
            SfnEvent::TaskTimeout { run, gen } if self.live(run) && self.runs[run].gen == gen => {
                self.task_timed_out(k, run, Failure::new("States.Timeout", ""));
            }
            SfnEvent::HeartbeatTimeout { run, gen, beat }
                if self.live(run) && self.runs[run].gen == gen =>
            {
                if matches!(&self.runs[run].phase, Phase::Token { beat: b, .. } if *b == beat) {
                    self.task_timed_out(k, run, Failure::new("States.HeartbeatTimeout", ""));
                }
            }
            SfnEvent::ActivityPollTimeout { activity, poll } => {
                self.activity_poll_timeout(k, activity, poll)
            }
            SfnEvent::ExecTimeout { exec } if self.execs[exec].status == "RUNNING" => {
                self.finish_exec(
                    k,
                    exec,
                    "TIMED_OUT",
                    None,
                    Some("States.Timeout".into()),
                    Some(String::new()),
                );
            }
            _ => {}
        }
    }

    fn state(&self, ri: usize) -> (Rc<States>, usize) {
        (self.runs[ri].set.clone(), self.runs[ri].state)
    }

    /// The context object `$$` of a run's current state, built on demand: the closure
    /// holds shared handles, so making it allocates nothing.
    fn context(&self, ri: usize) -> impl Fn() -> Value {
        let r = &self.runs[ri];
        let base = self.execs[r.exec].ctx.clone();
        let (entered, set, si, retries) = (r.entered_ms, r.set.clone(), r.state, r.retry_count);
        let (token, item) = (r.token.clone(), r.map_item.clone());
        move || {
            let mut c = json!({
                "Execution": {"Id": base.arn, "Input": *base.input, "Name": base.name, "RoleArn": base.role,
                              "StartTime": iso8601(base.start_ms), "RedriveCount": 0},
                "State": {"EnteredTime": iso8601(entered), "Name": set.states[si].name, "RetryCount": retries},
                "StateMachine": {"Id": base.machine_arn, "Name": base.machine_name},
            });
            if let Some(t) = &token {
                c["Task"] = json!({"Token": t});
            }
            if let Some((i, v)) = &item {
                c["Map"] = json!({"Item": {"Index": i, "Value": **v}});
            }
            c
        }
    }

    fn enter(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        let r = &mut self.runs[ri];
        r.retries = vec![0; st.retry.len()];
        r.retry_count = 0;
        r.entered_ms = k.now_ms();
        // The previous state's output text, when this input is that output.
        let input = r
            .input_text
            .take()
            .unwrap_or_else(|| crate::util::json_text(&r.input).into());
        let id = self.state_event(k, ri, true, st, input);
        self.runs[ri].entered_id = id;
        self.execute(k, ri);
    }

    /// Does the current state's work (again, after a retry's delay).
    fn execute(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        self.runs[ri].gen += 1;
        self.runs[ri].phase = Phase::Idle;
        self.runs[ri].token = match &st.kind {
            Kind::Task { resource, .. }
                if resource.ends_with(".waitForTaskToken") || resource.contains(":activity:") =>
            {
                let t = format!("AQB{}", k.rng.hex(48));
                self.tokens.insert(t.clone(), ri);
                Some(t)
            }
            _ => None,
        };
        if st.jsonata {
            return self.execute_jsonata(k, ri);
        }
        let context = self.context(ri);
        let vars = self.runs[ri].vars.clone();
        let scope = Scope::new(&context, &vars);
        // Choice, Succeed and a Pass with Parameters only read their input: with the
        // default InputPath it is taken out of the run (a Pass puts it back for its
        // ResultPath) rather than copied.
        let borrowable = matches!(st.input_path, PathField::Default)
            && match &st.kind {
                Kind::Choice { .. } | Kind::Succeed => true,
                Kind::Pass { result: None } => st.parameters.is_some(),
                _ => false,
            };
        let effective = if borrowable {
            std::mem::take(&mut self.runs[ri].input)
        } else {
            match scope.select_path(&st.input_path, &self.runs[ri].input) {
                Ok(v) => v,
                Err(f) => return self.fail_state(k, ri, f),
            }
        };
        let with_params = |scope: &Scope, rng: &mut crate::rng::Rng| match &st.parameters {
            Some(p) => scope.template(p, &effective, rng),
            None => Ok(effective.clone()),
        };
        match &st.kind {
            Kind::Pass { result } => {
                let r = match (result, &st.parameters) {
                    (Some(r), _) => Ok(r.clone()),
                    (None, Some(_)) => {
                        let r = with_params(&scope, &mut k.rng);
                        if borrowable {
                            self.runs[ri].input = effective;
                        }
                        r
                    }
                    (None, None) => Ok(effective),
                };
                match r {
                    Ok(v) => self.complete(k, ri, v, None),
                    Err(f) => self.fail_state(k, ri, f),
                }
            }
            Kind::Task {
                resource,
                timeout_s,
                timeout_path,
                heartbeat_s,
            } => {
                let timeout = match timeout_path {
                    Some(p) => match scope.lookup(&effective, p).and_then(|v| v.as_u64()) {
                        Some(t) => Some(t),
                        None => return self.fail_state(k, ri, Failure::runtime(format!("Invalid path '{}': TimeoutSecondsPath must give a positive integer", p.text))),
                    },
                    None => *timeout_s,
                };
                let params = match &st.parameters {
                    Some(_) => with_params(&scope, &mut k.rng),
                    None => Ok(effective),
                };
                let params = match params {
                    Ok(p) => p,
                    Err(f) => return self.fail_state(k, ri, f),
                };
                self.start_task(k, ri, resource, params, timeout, *heartbeat_s);
            }
            Kind::Choice { choices, default } => {
                let lookup = |p: &crate::asl::path::Path| scope.lookup(&effective, p);
                let mut chosen = None;
                for rule in choices {
                    match choice::eval(rule, &lookup) {
                        Ok(true) => {
                            chosen = Some(rule);
                            break;
                        }
                        Ok(false) => {}
                        Err(cause) => return self.fail_state(k, ri, Failure::runtime(cause)),
                    }
                }
                let next = chosen
                    .and_then(|r| r.get("Next"))
                    .and_then(Value::as_str)
                    .map(String::from)
                    .or_else(|| default.clone());
                let rule_assign = chosen.and_then(|r| r.get("Assign")).cloned();
                if let Some(a) = rule_assign {
                    match scope.template(&a, &effective, &mut k.rng) {
                        Ok(Value::Object(vals)) => self.runs[ri].vars.extend(vals),
                        Ok(_) => {}
                        Err(f) => return self.fail_state(k, ri, f),
                    }
                }
                match next {
                    Some(n) => self.complete(k, ri, effective, Some(n)),
                    None => self.fail_state(
                        k,
                        ri,
                        Failure::new("States.NoChoiceMatched", "No Matches!"),
                    ),
                }
            }
            Kind::Wait(w) => {
                let now = k.now_ms() as i64;
                let ms = match w {
                    WaitFor::Seconds(s) => Ok((s * 1000.0) as i64),
                    WaitFor::Timestamp(t) => Ok(parse_iso8601_ms(t).unwrap_or(now) - now),
                    WaitFor::SecondsPath(p) => match scope.lookup(&effective, p) {
                        Some(v) if v.as_f64().is_some_and(|s| s >= 0.0) => {
                            Ok((v.as_f64().unwrap_or(0.0) * 1000.0) as i64)
                        }
                        _ => Err(Failure::runtime(format!(
                            "Invalid path '{}': SecondsPath must give a non-negative number",
                            p.text
                        ))),
                    },
                    WaitFor::Expr { .. } => Ok(0),
                    WaitFor::TimestampPath(p) => match scope
                        .lookup(&effective, p)
                        .as_ref()
                        .and_then(Value::as_str)
                        .and_then(parse_iso8601_ms)
                    {
                        Some(t) => Ok(t - now),
                        None => Err(Failure::runtime(format!(
                            "Invalid path '{}': TimestampPath must give an RFC3339 timestamp",
                            p.text
                        ))),
                    },
                };
                match ms {
                    Ok(ms) => {
                        let ms = (ms.max(0) as u64).min(STANDARD_MAX_MS);
                        self.runs[ri].effective = effective;
                        self.runs[ri].phase = Phase::Waiting;
                        let gen = self.runs[ri].gen;
                        k.schedule(
                            ms * US_PER_MS,
                            Event::Sfn(SfnEvent::Resume { run: ri, gen }),
                        );
                    }
                    Err(f) => self.fail_state(k, ri, f),
                }
            }
            Kind::Succeed => self.complete(k, ri, effective, None),
            Kind::Fail {
                error,
                cause,
                error_path,
                cause_path,
            } => {
                let pick = |fixed: &Option<String>,
                            path: &Option<String>,
                            field: &str,
                            rng: &mut crate::rng::Rng|
                 -> Result<String, Failure> {
                    match (fixed, path) {
                        (Some(s), _) => Ok(s.clone()),
                        (None, Some(p)) => match scope.expression(field, p, &effective, rng)? {
                            Value::String(s) => Ok(s),
                            other => Err(Failure::runtime(format!(
                                "The value of {field} must be a string, found {other}"
                            ))),
                        },
                        _ => Ok(String::new()),
                    }
                };
                let r = pick(error, error_path, "ErrorPath", &mut k.rng)
                    .and_then(|e| Ok((e, pick(cause, cause_path, "CausePath", &mut k.rng)?)));
                match r {
                    Ok((error, cause)) => self.end_run(k, ri, Err(Failure { error, cause })),
                    Err(f) => self.end_run(k, ri, Err(f)),
                }
            }
            Kind::Parallel { branches } => {
                let input = match with_params(&scope, &mut k.rng) {
                    Ok(v) => v,
                    Err(f) => return self.fail_state(k, ri, f),
                };
                self.runs[ri].effective = effective;
                self.start_branches(k, ri, branches, input);
            }
            Kind::Map {
                items_path,
                max_concurrency,
                max_concurrency_path,
                distributed,
                item_reader,
                ..
            } => {
                let max = match max_concurrency_path {
                    Some(p) => match scope.lookup(&effective, p).and_then(|v| v.as_u64()) {
                        Some(m) => m,
                        None => return self.fail_state(k, ri, Failure::runtime(format!("Invalid path '{}': MaxConcurrencyPath must give a non-negative integer", p.text))),
                    },
                    None => *max_concurrency,
                } as usize;
                let max = match (max, *distributed) {
                    (0, true) => DISTRIBUTED_MAP_CONCURRENCY,
                    (0, false) => INLINE_MAP_CONCURRENCY,
                    (m, _) => m,
                };
                // ItemReader: the items come from S3, through the engine's API.
                if let Some(reader) = item_reader {
                    let params = match reader.get("Parameters") {
                        Some(t) => match scope.template(t, &effective, &mut k.rng) {
                            Ok(v) => v,
                            Err(f) => return self.fail_state(k, ri, f),
                        },
                        None => json!({}),
                    };
                    self.runs[ri].effective = effective;
                    self.start_reader(k, ri, reader, params, max);
                    return;
                }
                let items = match items_path {
                    PathField::Path(p) => scope.lookup(&effective, p),
                    _ => Some(effective.clone()),
                };
                let Some(Value::Array(items)) = items else {
                    let path = match items_path {
                        PathField::Path(p) => p.text.clone(),
                        _ => "$".into(),
                    };
                    return self.fail_state(
                        k,
                        ri,
                        Failure::runtime(format!(
                            "Invalid path '{path}': the ItemsPath must point to a JSON array"
                        )),
                    );
                };
                self.runs[ri].effective = effective;
                self.begin_map(k, ri, items, max);
            }
        }
    }

    /// A Parallel state starts its branches on `input`.
    fn start_branches(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        branches: &[Rc<States>],
        input: Value,
    ) {
        let started = self.run_event(k, ri, "ParallelStateStarted", None);
        let vars = self.runs[ri].vars.clone();
        let n = branches.len();
        self.runs[ri].fan = Some(Fan {
            map: false,
            items: Vec::new(),
            children: Vec::new(),
            results: vec![None; n],
            next: n,
            running: n,
            max: n,
            done: 0,
            failures: 0,
            tolerated: None,
            run: None,
        });
        self.runs[ri].phase = Phase::FanOut;
        for (i, b) in branches.iter().enumerate() {
            let c = self.spawn(
                k,
                self.runs[ri].exec,
                b.clone(),
                input.clone(),
                Some((ri, i)),
                started,
                vars.clone(),
                None,
            );
            if let Some(f) = self.runs[ri].fan.as_mut() {
                f.children.push(c);
            }
        }
    }

    /// A Map's ItemReader: the items come from S3, through the engine's API.
    fn start_reader(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        reader: &Value,
        params: Value,
        max: usize,
    ) {
        let action = if reader["Resource"]
            .as_str()
            .unwrap_or("")
            .ends_with("listObjectsV2")
        {
            "s3:ListObjectsV2"
        } else {
            "s3:GetObject"
        };
        self.runs[ri].phase = Phase::Reading {
            max,
            reader: reader.clone(),
        };
        self.machine_call(k, ri, action, params);
    }

    /// An API call made by a run's state machine (with its role); the answer comes back
    /// to the run through `on_reply`.
    pub(super) fn machine_call(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        action: &str,
        params: Value,
    ) {
        let gen = self.runs[ri].gen;
        let lid = self.machines[self.execs[self.runs[ri].exec].machine]
            .logical_id
            .clone();
        k.schedule(
            0,
            Event::Call {
                caller: lid,
                action: action.into(),
                params,
                waiter: Waiter::Sfn(SfnWaiter { run: ri, gen }),
            },
        );
    }

    /// A Map state's items are known: start its iterations.
    fn begin_map(&mut self, k: &mut Kernel<Event>, ri: usize, items: Vec<Value>, max: usize) {
        self.begin_map_tolerating(k, ri, items, max, None)
    }

    /// `tolerated` replaces the state's ToleratedFailureCount/Percentage (JSONata
    /// expressions evaluated at the start).
    fn begin_map_tolerating(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        items: Vec<Value>,
        max: usize,
        tolerated: Option<(Option<u64>, Option<f64>)>,
    ) {
        let (set, si) = self.state(ri);
        let Kind::Map {
            distributed,
            tolerated_count,
            tolerated_percentage,
            ..
        } = &set.states[si].kind
        else {
            return;
        };
        let tolerated =
            distributed.then_some(tolerated.unwrap_or((*tolerated_count, *tolerated_percentage)));
        let (items, run) = match tolerated {
            Some(t) => match self.start_map_run(k, ri, items, max, t) {
                Ok((items, run)) => (items, Some(run)),
                Err(f) => return self.fail_state(k, ri, f),
            },
            None => {
                let n = items.len();
                self.run_event(
                    k,
                    ri,
                    "MapStateStarted",
                    Some(("mapStateStartedEventDetails", json!({"length": n}))),
                );
                (items, None)
            }
        };
        let n = items.len();
        self.runs[ri].fan = Some(Fan {
            map: true,
            items,
            children: Vec::new(),
            results: vec![None; n],
            next: 0,
            running: 0,
            max,
            done: 0,
            failures: 0,
            tolerated,
            run,
        });
        self.runs[ri].phase = Phase::FanOut;
        if n == 0 {
            self.fan_finished(k, ri);
        } else {
            self.start_iterations(k, ri);
        }
    }

    /// Starts Map iterations up to the state's concurrency.
    fn start_iterations(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        let Kind::Map {
            processor,
            item_selector,
            label,
            ..
        } = &st.kind
        else {
            return;
        };
        let express = self.child_express(st);
        loop {
            let Some(fan) = self.runs[ri].fan.as_mut() else {
                return;
            };
            if fan.next >= fan.items.len() || fan.running >= fan.max {
                return;
            }
            let i = fan.next;
            fan.next += 1;
            fan.running += 1;
            let prepared = fan.run.as_ref().is_some_and(|r| r.prepared);
            let run_id = fan.run.as_ref().map(|r| (r.id.clone(), r.record));
            let item = Rc::new(fan.items[i].clone());
            // A Distributed Map's iterations are child executions, not parent events.
            let started = if run_id.is_some() {
                0
            } else {
                self.run_event(
                    k,
                    ri,
                    "MapIterationStarted",
                    Some((
                        "mapIterationStartedEventDetails",
                        json!({"name": st.name, "index": i}),
                    )),
                )
            };
            let input = match item_selector {
                Some(sel) if !prepared => {
                    self.runs[ri].map_item = Some((i, item.clone()));
                    let context = self.context(ri);
                    self.runs[ri].map_item = None;
                    let r = if st.jsonata {
                        self.jsonata_item(k, ri, st, sel, &context)
                    } else {
                        let scope = Scope::new(&context, &self.runs[ri].vars);
                        scope.template(sel, &self.runs[ri].effective, &mut k.rng)
                    };
                    match r {
                        Ok(v) => v,
                        Err(f) => return self.fail_fan(k, ri, f),
                    }
                }
                _ => (*item).clone(),
            };
            if let Some(run) = self.runs[ri].fan.as_mut().and_then(|f| f.run.as_mut()) {
                run.inputs[i] = Some(input.clone());
                run.times[i].0 = k.now_ms();
            }
            let vars = self.runs[ri].vars.clone();
            let parent = self.runs[ri].exec;
            let (exec, started) = match &run_id {
                Some((id, record)) => {
                    let (c, id) = self.child_execution(k, parent, label, id, i, express, &input);
                    self.map_runs[*record].children.push(c);
                    (c, id)
                }
                None => (parent, started),
            };
            let c = self.spawn(
                k,
                exec,
                processor.clone(),
                input,
                Some((ri, i)),
                started,
                vars,
                Some((i, item)),
            );
            if let Some(f) = self.runs[ri].fan.as_mut() {
                f.children.push(c);
            }
        }
    }

    /// A Distributed Map's child execution: its own ARN, context and history, started
    /// now with `input`. Returns it and its ExecutionStarted event id.
    #[allow(clippy::too_many_arguments)]
    fn child_execution(
        &mut self,
        k: &mut Kernel<Event>,
        parent: usize,
        label: &str,
        run_id: &str,
        i: usize,
        express: bool,
        input: &Value,
    ) -> (usize, u64) {
        let p = &self.execs[parent];
        let (arn, name) = maprun::child_arn(&p.ctx.machine_arn, label, run_id, i, express);
        let now = k.now_ms();
        let shared = Rc::new(input.clone());
        let ctx = Rc::new(super::ContextBase {
            arn: arn.clone(),
            name: name.clone(),
            role: p.ctx.role.clone(),
            start_ms: now,
            machine_arn: p.ctx.machine_arn.clone(),
            machine_name: p.ctx.machine_name.clone(),
            input: shared.clone(),
        });
        let role = p.ctx.role.clone();
        let ci = self.execs.len();
        let mut ex = super::Execution::running(name, p.machine, ctx);
        ex.parent = Some(parent);
        ex.express_child = express;
        self.execs.push(ex);
        self.execs[parent].children.push(ci);
        self.child_by_arn.insert(arn, ci);
        let detail = Detail::Started {
            input: crate::util::json_text(input),
            role,
        };
        let id = self.push_event(k, ci, 0, "ExecutionStarted", detail);
        (ci, id)
    }

    fn child_done(
        &mut self,
        k: &mut Kernel<Event>,
        owner: usize,
        slot: usize,
        r: Result<Value, Failure>,
    ) {
        if !self.live(owner) || !matches!(self.runs[owner].phase, Phase::FanOut) {
            return;
        }
        let (set, si) = self.state(owner);
        let name = set.states[si].name.clone();
        let Some(fan) = self.runs[owner].fan.as_mut() else {
            return;
        };
        // A Distributed Map's children report as executions, not as iterations.
        let map = fan.map && fan.run.is_none();
        fan.running -= 1;
        if let Some(run) = fan.run.as_mut() {
            run.times[slot].1 = k.now_ms();
            run.failed[slot] = r.is_err();
        }
        let value = match r {
            Ok(v) => {
                if map {
                    self.run_event(
                        k,
                        owner,
                        "MapIterationSucceeded",
                        Some((
                            "mapIterationSucceededEventDetails",
                            json!({"name": name, "index": slot}),
                        )),
                    );
                }
                v
            }
            Err(f) => {
                if map {
                    self.run_event(
                        k,
                        owner,
                        "MapIterationFailed",
                        Some((
                            "mapIterationFailedEventDetails",
                            json!({"name": name, "index": slot}),
                        )),
                    );
                }
                let Some(fan) = self.runs[owner].fan.as_mut() else {
                    return;
                };
                fan.failures += 1;
                let within = fan.tolerated.is_some_and(|(count, pct)| {
                    let n = fan.items.len().max(1) as f64;
                    let by_count = count.is_some_and(|c| fan.failures as u64 <= c);
                    let by_pct = pct.is_some_and(|p| fan.failures as f64 * 100.0 / n <= p);
                    by_count || by_pct
                });
                if !within {
                    let f = if fan.tolerated.is_some() {
                        Failure::new(
                            "States.ExceedToleratedFailureThreshold",
                            "The specified tolerated failure threshold was exceeded",
                        )
                    } else {
                        f
                    };
                    return self.fail_fan(k, owner, f);
                }
                f.output()
            }
        };
        let Some(fan) = self.runs[owner].fan.as_mut() else {
            return;
        };
        fan.results[slot] = Some(value);
        fan.done += 1;
        if fan.done == fan.results.len() {
            self.fan_finished(k, owner);
        } else if map {
            self.start_iterations(k, owner);
        }
    }

    fn fan_finished(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let Some(mut fan) = self.runs[ri].fan.take() else {
            return;
        };
        if let Some(run) = fan.run.take() {
            return self.finish_map_run(k, ri, run, fan.results);
        }
        let ty = if fan.map {
            "MapStateSucceeded"
        } else {
            "ParallelStateSucceeded"
        };
        self.run_event(k, ri, ty, None);
        let results = Value::Array(
            fan.results
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        );
        self.runs[ri].phase = Phase::Idle;
        self.complete(k, ri, results, None);
    }

    /// A branch or iteration failed: stop the others and fail the state.
    fn fail_fan(&mut self, k: &mut Kernel<Event>, ri: usize, f: Failure) {
        let Some(fan) = self.runs[ri].fan.take() else {
            return;
        };
        for c in &fan.children {
            self.kill(*c);
        }
        if let Some(run) = &fan.run {
            // The Map Run's children still running are aborted.
            for c in &fan.children {
                let e = self.runs[*c].exec;
                if self.execs[e].parent.is_some() {
                    self.finish_exec(k, e, "ABORTED", None, None, None);
                }
            }
            self.fail_map_run(k, ri, run);
        }
        let ty = if fan.map {
            "MapStateFailed"
        } else {
            "ParallelStateFailed"
        };
        self.run_event(k, ri, ty, None);
        self.runs[ri].phase = Phase::Idle;
        self.fail_state(k, ri, f);
    }

    fn kill(&mut self, ri: usize) {
        self.runs[ri].alive = false;
        if let Some(t) = self.runs[ri].token.take() {
            self.tokens.remove(&t);
        }
        if let Some(fan) = self.runs[ri].fan.take() {
            for c in fan.children {
                self.kill(c);
            }
        }
    }

    /// A state produced `result`: ResultSelector, Assign, ResultPath, OutputPath, then on.
    fn complete(&mut self, k: &mut Kernel<Event>, ri: usize, result: Value, next: Option<String>) {
        let (set, si) = self.state(ri);
        let st: &State = &set.states[si];
        let context = self.context(ri);
        let produces = matches!(
            st.kind,
            Kind::Task { .. } | Kind::Pass { .. } | Kind::Parallel { .. } | Kind::Map { .. }
        );
        let vars = self.runs[ri].vars.clone();
        // The raw input is taken, not copied: ResultPath writes into it. It goes back
        // into the run if anything fails (a Catch's ResultPath needs it).
        let mut raw_input = Some(std::mem::take(&mut self.runs[ri].input));
        let out = if st.jsonata {
            let input = raw_input.as_ref().cloned().unwrap_or_default();
            self.jsonata_output(k, ri, st, produces.then_some(&result), &input)
        } else {
            self.jsonpath_output(k, st, &context, &vars, result, produces, &mut raw_input)
        };
        if let Some(raw) = raw_input {
            self.runs[ri].input = raw;
        }
        let output = match out {
            Ok((o, assigned)) => {
                if let Some(vals) = assigned {
                    self.runs[ri].vars.extend(vals);
                }
                o
            }
            Err(f) => return self.fail_state(k, ri, f),
        };
        let text: Rc<str> = crate::util::json_text(&output).into();
        if let Err(f) = asl::check_len(text.len(), "state output") {
            return self.fail_state(k, ri, f);
        }
        self.state_event(k, ri, false, st, text.clone());
        match next.or_else(|| st.next.clone()) {
            Some(n) => {
                self.transition(k, ri, &n, output);
                self.runs[ri].input_text = Some(text);
            }
            None => self.end_run(k, ri, Ok(output)),
        }
    }

    /// ResultSelector, Assign, ResultPath and OutputPath of a JSONPath state.
    #[allow(clippy::too_many_arguments)]
    fn jsonpath_output(
        &self,
        k: &mut Kernel<Event>,
        st: &State,
        context: &dyn Fn() -> Value,
        vars: &BTreeMap<String, Value>,
        result: Value,
        produces: bool,
        raw_input: &mut Option<Value>,
    ) -> Result<(Value, Option<Map<String, Value>>), Failure> {
        (|| -> Result<(Value, Option<Map<String, Value>>), Failure> {
            let scope = Scope::new(context, vars);
            let result = match &st.result_selector {
                Some(sel) => scope.template(sel, &result, &mut k.rng)?,
                None => result,
            };
            let assigned = match &st.assign {
                Some(a) => match scope.template(a, &result, &mut k.rng)? {
                    Value::Object(o) => Some(o),
                    _ => None,
                },
                None => None,
            };
            let output = if produces {
                asl::check_size(&result, "state result")?;
                let raw = raw_input.take().unwrap_or_default();
                match asl::result_path_into(&st.result_path, raw, result) {
                    Ok(v) => v,
                    Err((f, raw)) => {
                        *raw_input = Some(raw);
                        return Err(f);
                    }
                }
            } else {
                result
            };
            let output = scope.select_owned(&st.output_path, output)?;
            Ok((output, assigned))
        })()
    }

    fn transition(&mut self, k: &mut Kernel<Event>, ri: usize, next: &str, input: Value) {
        let r = &mut self.runs[ri];
        r.state = r.set.get(next).unwrap_or(r.state);
        r.input = input;
        r.input_text = None;
        r.phase = Phase::Idle;
        r.token = None;
        k.schedule(0, Event::Sfn(SfnEvent::Enter { run: ri }));
    }

    /// The state raised an error: retry it, catch it, or fail the run.
    fn fail_state(&mut self, k: &mut Kernel<Event>, ri: usize, f: Failure) {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        self.runs[ri].gen += 1;
        if let Some(t) = self.runs[ri].token.take() {
            self.tokens.remove(&t);
        }
        for (i, r) in st.retry.iter().enumerate() {
            if !error_matches(&r.errors, &f.error) {
                continue;
            }
            let n = self.runs[ri].retries[i];
            if n < r.max_attempts {
                let mut delay = r.interval_s * r.backoff.powi(n as i32);
                if let Some(m) = r.max_delay_s {
                    delay = delay.min(m);
                }
                if r.full_jitter {
                    delay *= k.rng.next_f64();
                }
                self.runs[ri].retries[i] += 1;
                self.runs[ri].retry_count += 1;
                self.runs[ri].phase = Phase::Idle;
                let gen = self.runs[ri].gen;
                k.schedule(
                    (delay * 1_000_000.0) as u64,
                    Event::Sfn(SfnEvent::Resume { run: ri, gen }),
                );
                return;
            }
            break;
        }
        for c in &st.catch {
            if !error_matches(&c.errors, &f.error) {
                continue;
            }
            if st.jsonata {
                return match self.jsonata_catch(k, ri, st, c, &f) {
                    Ok(output) => {
                        self.state_event(k, ri, false, st, crate::util::json_text(&output).into());
                        self.transition(k, ri, &c.next, output)
                    }
                    Err(e) => self.end_run(k, ri, Err(e)),
                };
            }
            if let Some(a) = &c.assign {
                let context = self.context(ri);
                let vars = self.runs[ri].vars.clone();
                let scope = Scope::new(&context, &vars);
                match scope.template(a, &f.output(), &mut k.rng) {
                    Ok(Value::Object(o)) => self.runs[ri].vars.extend(o),
                    Ok(_) => {}
                    Err(e) => return self.end_run(k, ri, Err(e)),
                }
            }
            match Scope::result_path(&c.result_path, &self.runs[ri].input, f.output()) {
                Ok(output) => {
                    let text = crate::util::json_text(&output);
                    self.state_event(k, ri, false, st, text.into());
                    return self.transition(k, ri, &c.next, output);
                }
                Err(e) => return self.end_run(k, ri, Err(e)),
            }
        }
        self.end_run(k, ri, Err(f));
    }

    fn end_run(&mut self, k: &mut Kernel<Event>, ri: usize, r: Result<Value, Failure>) {
        self.runs[ri].alive = false;
        self.runs[ri].phase = Phase::Idle;
        match self.runs[ri].parent {
            Some((owner, slot)) => {
                // A Distributed Map child execution ends with its run.
                let e = self.runs[ri].exec;
                if e != self.runs[owner].exec {
                    match &r {
                        Ok(v) => self.finish_exec(k, e, "SUCCEEDED", Some(v.clone()), None, None),
                        Err(f) => self.finish_exec(
                            k,
                            e,
                            "FAILED",
                            None,
                            Some(f.error.clone()),
                            Some(f.cause.clone()),
                        ),
                    }
                }
                self.child_done(k, owner, slot, r)
            }
            None => {
                let e = self.runs[ri].exec;
                match r {
                    Ok(v) => self.finish_exec(k, e, "SUCCEEDED", Some(v), None, None),
                    Err(f) => self.finish_exec(k, e, "FAILED", None, Some(f.error), Some(f.cause)),
                }
            }
        }
    }

    pub(super) fn finish_exec(
        &mut self,
        k: &mut Kernel<Event>,
        e: usize,
        status: &'static str,
        output: Option<Value>,
        error: Option<String>,
        cause: Option<String>,
    ) {
        if self.execs[e].status != "RUNNING" {
            return;
        }
        let prev = self.execs[e].history.len() as u64;
        let (ty, details) = match status {
            "SUCCEEDED" => {
                let text = output
                    .as_ref()
                    .map(crate::util::json_text)
                    .unwrap_or_default();
                self.push_event(
                    k,
                    e,
                    prev,
                    "ExecutionSucceeded",
                    Detail::Succeeded { output: text },
                );
                ("", ("", Value::Null))
            }
            "FAILED" => (
                "ExecutionFailed",
                (
                    "executionFailedEventDetails",
                    json!({"error": error, "cause": cause}),
                ),
            ),
            "ABORTED" => (
                "ExecutionAborted",
                (
                    "executionAbortedEventDetails",
                    json!({"error": error, "cause": cause}),
                ),
            ),
            _ => (
                "ExecutionTimedOut",
                (
                    "executionTimedOutEventDetails",
                    json!({"error": error, "cause": cause}),
                ),
            ),
        };
        if !ty.is_empty() {
            self.event(k, e, prev, ty, Some(details));
        }
        let now = k.now_ms();
        let ex = &mut self.execs[e];
        ex.status = status;
        ex.output = output;
        ex.error = error;
        ex.cause = cause;
        ex.stop_ms = Some(now);
        let mi = ex.machine;
        let elapsed = now - ex.start_ms;
        let waiters = std::mem::take(&mut ex.waiters);
        let child = ex.parent.is_some();
        for ri in std::mem::take(&mut self.execs[e].runs) {
            if self.runs[ri].alive {
                self.kill(ri);
            }
        }
        // Its Distributed Map children still running end with it.
        for c in std::mem::take(&mut self.execs[e].children) {
            self.finish_exec(k, c, "ABORTED", None, None, None);
        }
        if child {
            return;
        }
        let m = &mut self.machines[mi].metrics;
        m.execution_time_ms += elapsed;
        match status {
            "SUCCEEDED" => m.succeeded += 1,
            "FAILED" => m.failed += 1,
            "ABORTED" => m.aborted += 1,
            _ => m.timed_out += 1,
        }
        let lid = self.machines[mi].logical_id.clone();
        let kind = if status == "SUCCEEDED" {
            TraceKind::Reply
        } else {
            TraceKind::Failure
        };
        k.record(
            kind,
            &lid,
            &lid,
            format!("execution {} {status}", self.execs[e].name),
            json!({"executionArn": self.execs[e].arn}),
        );
        let d = if waiters.is_empty() {
            Value::Null
        } else {
            self.describe(e)
        };
        for w in waiters {
            let mut reply = d.clone();
            if !matches!(w, Waiter::Sfn(_)) {
                reply["billingDetails"] = json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": elapsed.max(100).div_ceil(100) * 100});
            }
            k.schedule(
                0,
                Event::Reply {
                    waiter: w,
                    result: Ok(reply),
                },
            );
        }
    }

    fn start_task(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        resource: &str,
        params: Value,
        timeout: Option<u64>,
        heartbeat_s: Option<u64>,
    ) {
        let integ = match integration(resource) {
            Ok(i) => i,
            Err(f) => return self.fail_state(k, ri, f),
        };
        if let Err(f) = asl::check_size(&params, "task parameters") {
            return self.fail_state(k, ri, f);
        }
        // The scheduled event's details with the task's time limits.
        let limits = |mut d: Value, heartbeat: bool| {
            if let Some(t) = timeout {
                d["timeoutInSeconds"] = json!(t);
            }
            if let (Some(h), true) = (heartbeat_s, heartbeat) {
                d["heartbeatInSeconds"] = json!(h);
            }
            d
        };
        if integ.resource_type == "activity" {
            let d = limits(
                json!({"resource": integ.resource, "input": params.to_string(), "inputDetails": {"truncated": false}}),
                true,
            );
            self.run_event(
                k,
                ri,
                "ActivityScheduled",
                Some(("activityScheduledEventDetails", d)),
            );
        } else if integ.lambda_arn {
            let d = limits(
                json!({"resource": integ.resource, "input": params.to_string(), "inputDetails": {"truncated": false}}),
                false,
            );
            self.run_event(
                k,
                ri,
                "LambdaFunctionScheduled",
                Some(("lambdaFunctionScheduledEventDetails", d)),
            );
            self.run_event(k, ri, "LambdaFunctionStarted", None);
        } else {
            let d = limits(
                json!({"resourceType": integ.resource_type, "resource": integ.resource, "region": self.region, "parameters": params.to_string()}),
                true,
            );
            self.run_event(
                k,
                ri,
                "TaskScheduled",
                Some(("taskScheduledEventDetails", d)),
            );
            self.run_event(
                k,
                ri,
                "TaskStarted",
                Some((
                    "taskStartedEventDetails",
                    json!({"resourceType": integ.resource_type, "resource": integ.resource}),
                )),
            );
        }
        let gen = self.runs[ri].gen;
        let exec = self.runs[ri].exec;
        let lid = self.machines[self.execs[exec].machine].logical_id.clone();
        if integ.resource_type == "activity" {
            // The task waits in the activity's queue for a worker.
            let token = self.runs[ri].token.clone().unwrap_or_default();
            let to = self.names.get(&integ.resource).cloned().unwrap_or_default();
            k.record(
                TraceKind::Delivery,
                &lid,
                &to,
                "activity task scheduled".into(),
                json!({"resource": integ.resource}),
            );
            self.activity_task(k, &integ.resource, token, params.to_string(), ri);
        }
        let req = request(&integ, &params);
        let to = ["FunctionName", "QueueUrl", "TopicArn", "stateMachineArn"]
            .iter()
            .filter_map(|key| req.get(*key).and_then(Value::as_str))
            .find_map(|v| self.names.get(v).cloned())
            .unwrap_or_default();
        if integ.resource_type != "activity" {
            k.record(
                TraceKind::Call,
                &lid,
                &to,
                integ.action.clone(),
                req.clone(),
            );
            let latency = k
                .rng
                .range_f64(INTEGRATION_LATENCY_MS.0, INTEGRATION_LATENCY_MS.1);
            k.schedule(
                (latency * 1000.0) as u64,
                Event::Call {
                    caller: lid,
                    action: integ.action.clone(),
                    params: req,
                    waiter: Waiter::Sfn(SfnWaiter { run: ri, gen }),
                },
            );
        }
        self.runs[ri].timed = timeout.is_some();
        if let Some(t) = timeout {
            k.schedule_idle(
                t * 1_000_000,
                Event::Sfn(SfnEvent::TaskTimeout { run: ri, gen }),
            );
        }
        self.runs[ri].phase = match integ.pattern {
            Pattern::Token => {
                let token = self.runs[ri].token.clone().unwrap_or_default();
                Phase::Token {
                    integ,
                    token,
                    beat: 0,
                    heartbeat_s,
                }
            }
            _ => Phase::Calling(integ),
        };
        // A token task counts as waiting from the moment the call is sent: the worker
        // may answer before the call's own reply arrives.
        if let Phase::Token {
            heartbeat_s: Some(h),
            ..
        } = &self.runs[ri].phase
        {
            k.schedule_idle(
                h * 1_000_000,
                Event::Sfn(SfnEvent::HeartbeatTimeout {
                    run: ri,
                    gen,
                    beat: 0,
                }),
            );
        }
    }

    /// A Task's call (or `.sync` child) was answered.
    pub fn on_reply(&mut self, k: &mut Kernel<Event>, w: SfnWaiter, r: Result<Value, AwsError>) {
        let ri = w.run;
        if !self.live(ri) || self.runs[ri].gen != w.gen {
            return;
        }
        let request_id = k.rng.uuid();
        match self.runs[ri].phase.clone() {
            Phase::Calling(integ) => match integ.pattern {
                Pattern::Request => {
                    let res = task_result(&integ, r, request_id);
                    self.task_outcome(k, ri, &integ, res);
                }
                Pattern::Sync(_) => match r {
                    Ok(v) => {
                        self.run_event(k, ri, "TaskSubmitted", Some(("taskSubmittedEventDetails", json!({"resourceType": integ.resource_type, "resource": integ.resource, "output": rekey(v.clone(), pascal).to_string(), "outputDetails": {"truncated": false}}))));
                        let child = v
                            .get("executionArn")
                            .and_then(Value::as_str)
                            .and_then(|a| self.find_exec(a));
                        match child {
                            Some(c) => {
                                self.runs[ri].phase = Phase::SyncChild(integ);
                                self.execs[c].waiters.push(Waiter::Sfn(w));
                            }
                            None => self.task_outcome(
                                k,
                                ri,
                                &integ,
                                Err(Failure::new(
                                    "States.TaskFailed",
                                    "the child execution was not found",
                                )),
                            ),
                        }
                    }
                    Err(_) => {
                        let res = task_result(&integ, r, request_id);
                        self.task_outcome(k, ri, &integ, res);
                    }
                },
                Pattern::Token => unreachable!("token tasks wait in Phase::Token"),
            },
            Phase::Token { integ, .. } => match r {
                Ok(v) => {
                    let out = task_result(&integ, Ok(v), request_id).unwrap_or(Value::Null);
                    self.run_event(k, ri, "TaskSubmitted", Some(("taskSubmittedEventDetails", json!({"resourceType": integ.resource_type, "resource": integ.resource, "output": out.to_string(), "outputDetails": {"truncated": false}}))));
                }
                Err(_) => {
                    let res = task_result(&integ, r, request_id);
                    self.task_outcome(k, ri, &integ, res);
                }
            },
            Phase::Writing { puts, output } => match r {
                Ok(_) => self.write_next(k, ri, puts, output),
                Err(e) => {
                    self.runs[ri].gen += 1;
                    self.runs[ri].phase = Phase::Idle;
                    self.fail_state(
                        k,
                        ri,
                        Failure::new(
                            "States.ResultWriterFailed",
                            format!("{}: {}", e.code, e.message),
                        ),
                    )
                }
            },
            Phase::Reading { max, reader } => {
                let items = read_items(&reader, r);
                self.runs[ri].gen += 1;
                match items {
                    Ok(items) => self.begin_map(k, ri, items, max),
                    Err(cause) => {
                        self.fail_state(k, ri, Failure::new("States.ItemReaderFailed", cause))
                    }
                }
            }
            Phase::SyncChild(integ) => {
                let d = r.unwrap_or_default();
                let res = if d.get("status").and_then(Value::as_str) == Some("SUCCEEDED") {
                    let mut out = rekey(d.clone(), pascal);
                    if integ.pattern == Pattern::Sync(2) {
                        for key in ["Input", "Output"] {
                            if let Some(s) = out.get(key).and_then(Value::as_str) {
                                out[key] = serde_json::from_str(s).unwrap_or(Value::Null);
                            }
                        }
                    }
                    Ok(out)
                } else {
                    Err(Failure::new(
                        "States.TaskFailed",
                        rekey(d, pascal).to_string(),
                    ))
                };
                self.task_outcome(k, ri, &integ, res);
            }
            _ => {}
        }
    }

    fn task_outcome(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        integ: &Integration,
        r: Result<Value, Failure>,
    ) {
        self.runs[ri].gen += 1;
        self.runs[ri].phase = Phase::Idle;
        match r {
            Ok(v) => {
                let text = v.to_string();
                if integ.resource_type == "activity" {
                    self.run_event(
                        k,
                        ri,
                        "ActivitySucceeded",
                        Some((
                            "activitySucceededEventDetails",
                            json!({"output": text, "outputDetails": {"truncated": false}}),
                        )),
                    );
                } else if integ.lambda_arn {
                    self.run_event(
                        k,
                        ri,
                        "LambdaFunctionSucceeded",
                        Some((
                            "lambdaFunctionSucceededEventDetails",
                            json!({"output": text, "outputDetails": {"truncated": false}}),
                        )),
                    );
                } else {
                    self.run_event(k, ri, "TaskSucceeded", Some(("taskSucceededEventDetails", json!({"resourceType": integ.resource_type, "resource": integ.resource, "output": text, "outputDetails": {"truncated": false}}))));
                }
                self.complete(k, ri, v, None);
            }
            Err(f) => {
                if integ.resource_type == "activity" {
                    self.run_event(
                        k,
                        ri,
                        "ActivityFailed",
                        Some((
                            "activityFailedEventDetails",
                            json!({"error": f.error, "cause": f.cause}),
                        )),
                    );
                } else if integ.lambda_arn {
                    self.run_event(
                        k,
                        ri,
                        "LambdaFunctionFailed",
                        Some((
                            "lambdaFunctionFailedEventDetails",
                            json!({"error": f.error, "cause": f.cause}),
                        )),
                    );
                } else {
                    self.run_event(k, ri, "TaskFailed", Some(("taskFailedEventDetails", json!({"resourceType": integ.resource_type, "resource": integ.resource, "error": f.error, "cause": f.cause}))));
                }
                self.fail_state(k, ri, f);
            }
        }
    }

    fn task_timed_out(&mut self, k: &mut Kernel<Event>, ri: usize, f: Failure) {
        let integ = match &self.runs[ri].phase {
            Phase::Calling(i) | Phase::SyncChild(i) | Phase::Token { integ: i, .. } => i.clone(),
            _ => return,
        };
        if integ.resource_type == "activity" {
            self.run_event(
                k,
                ri,
                "ActivityTimedOut",
                Some((
                    "activityTimedOutEventDetails",
                    json!({"error": f.error, "cause": f.cause}),
                )),
            );
        } else if integ.lambda_arn {
            self.run_event(
                k,
                ri,
                "LambdaFunctionTimedOut",
                Some((
                    "lambdaFunctionTimedOutEventDetails",
                    json!({"error": f.error, "cause": f.cause}),
                )),
            );
        } else {
            self.run_event(k, ri, "TaskTimedOut", Some(("taskTimedOutEventDetails", json!({"resourceType": integ.resource_type, "resource": integ.resource, "error": f.error, "cause": f.cause}))));
        }
        self.fail_state(k, ri, f);
    }

    pub(super) fn heartbeat(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let gen = self.runs[ri].gen;
        if let Phase::Token {
            beat, heartbeat_s, ..
        } = &mut self.runs[ri].phase
        {
            *beat += 1;
            if let Some(h) = heartbeat_s {
                let b = *beat;
                k.schedule_idle(
                    *h * 1_000_000,
                    Event::Sfn(SfnEvent::HeartbeatTimeout {
                        run: ri,
                        gen,
                        beat: b,
                    }),
                );
            }
        }
    }

    pub(super) fn token_result(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        r: Result<Value, Failure>,
    ) {
        if let Phase::Token { integ, .. } = self.runs[ri].phase.clone() {
            self.task_outcome(k, ri, &integ, r);
        }
    }
}

/// The items an ItemReader's S3 answer holds: a JSON array, JSON lines, CSV rows as
/// objects (headers from the first row or ReaderConfig.CSVHeaders), or an object list;
/// at most ReaderConfig.MaxItems.
fn read_items(reader: &Value, r: Result<Value, AwsError>) -> Result<Vec<Value>, String> {
    let v = r.map_err(|e| format!("{}: {}", e.code, e.message))?;
    let cfg = reader.get("ReaderConfig").cloned().unwrap_or(json!({}));
    let mut items: Vec<Value> = if let Some(list) = v.get("Contents").and_then(Value::as_array) {
        list.iter()
            .map(|o| json!({"Etag": o["ETag"], "Key": o["Key"], "LastModified": o["LastModified"], "Size": o["Size"], "StorageClass": o["StorageClass"]}))
            .collect()
    } else {
        let body = v.get("Body").and_then(Value::as_str).unwrap_or("");
        match cfg.get("InputType").and_then(Value::as_str) {
            Some("CSV") => {
                let mut lines = body.lines().filter(|l| !l.trim().is_empty());
                let split = |l: &str| -> Vec<String> {
                    l.split(',')
                        .map(|c| c.trim().trim_matches('"').to_string())
                        .collect()
                };
                let headers: Vec<String> =
                    match cfg.get("CSVHeaderLocation").and_then(Value::as_str) {
                        Some("GIVEN") => cfg
                            .get("CSVHeaders")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect(),
                        _ => lines.next().map(split).unwrap_or_default(),
                    };
                lines
                    .map(|l| {
                        let cells = split(l);
                        Value::Object(
                            headers
                                .iter()
                                .cloned()
                                .zip(cells.into_iter().map(Value::String))
                                .collect(),
                        )
                    })
                    .collect()
            }
            Some("JSONL") => body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).map_err(|e| format!("a line is not JSON: {e}")))
                .collect::<Result<_, _>>()?,
            _ => match serde_json::from_str::<Value>(body) {
                Ok(Value::Array(a)) => a,
                Ok(_) => return Err("Attempting to map over non-iterable node.".into()),
                Err(e) => return Err(format!("The object is not valid JSON: {e}")),
            },
        }
    };
    if let Some(n) = cfg.get("MaxItems").and_then(Value::as_u64) {
        items.truncate(n as usize);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_map_to_api_calls() {
        let i = integration("arn:aws:states:::lambda:invoke").unwrap();
        assert_eq!(
            (
                i.action.as_str(),
                i.resource_type.as_str(),
                i.resource.as_str()
            ),
            ("lambda:Invoke", "lambda", "invoke")
        );
        let i = integration("arn:aws:states:::sqs:sendMessage.waitForTaskToken").unwrap();
        assert_eq!(
            (i.action.as_str(), i.pattern),
            ("sqs:SendMessage", Pattern::Token)
        );
        let i = integration("arn:aws:states:::aws-sdk:dynamodb:getItem").unwrap();
        assert_eq!(
            (
                i.action.as_str(),
                i.prefix.as_str(),
                i.resource_type.as_str()
            ),
            ("dynamodb:GetItem", "DynamoDb", "aws-sdk:dynamodb")
        );
        let i = integration("arn:aws:states:::states:startExecution.sync:2").unwrap();
        assert_eq!(
            (i.action.as_str(), i.pattern),
            ("states:StartExecution", Pattern::Sync(2))
        );
        assert!(
            integration("arn:aws:lambda:us-east-1:123456789012:function:F")
                .unwrap()
                .lambda_arn
        );
        assert!(integration("arn:aws:states:::sqs:sendMessage.sync").is_err());
    }

    #[test]
    fn lambda_errors_take_the_error_type() {
        let i = integration("arn:aws:states:::lambda:invoke").unwrap();
        let r = task_result(
            &i,
            Ok(
                json!({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": "{\"errorType\":\"OutOfStock\",\"errorMessage\":\"none\"}"}),
            ),
            "r".into(),
        );
        assert_eq!(r.unwrap_err().error, "OutOfStock");
        let r = task_result(
            &i,
            Err(AwsError::new(
                "TooManyRequestsException",
                "Rate Exceeded.",
                429,
            )),
            "r".into(),
        );
        assert_eq!(r.unwrap_err().error, "Lambda.TooManyRequestsException");
        let ok = task_result(
            &i,
            Ok(json!({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": "{\"a\":1}"})),
            "r".into(),
        )
        .unwrap();
        assert_eq!(ok["Payload"], json!({"a": 1}));
        assert_eq!(ok["StatusCode"], json!(200));
    }
}
