//! SAM `DeploymentPreference`: CodeDeploy shifting an `AutoPublishAlias` from the
//! version it pointed to before this deployment to the new one, as the predefined
//! configurations do it — `Canary{P}Percent{M}Minutes` (P % at once, the rest after M
//! minutes), `Linear{P}PercentEvery{M}Minute(s)` (P % more every M minutes, starting at
//! once), `AllAtOnce` — and rolling back to the old version when one of its `Alarms`
//! (`AWS::CloudWatch::Alarm` on the function's `Errors`, evaluated every Period) goes
//! into ALARM while traffic shifts.
//!
//! A template describes one deployment, so the version being replaced comes from the
//! function's `Metadata.Playground.PreviousCode` (the code deployed before): with it
//! the run starts as the update is deployed — version 1 the old code, version 2 the new
//! one. Without it this is the function's first deployment, and SAM points the alias at
//! the new version directly.
//!
//! Lifecycle hooks run as CodeDeploy runs them: the `PreTraffic` function
//! (BeforeAllowTraffic) is invoked asynchronously with `{DeploymentId,
//! LifecycleEventHookExecutionId}` before any traffic shifts, the `PostTraffic` one
//! (AfterAllowTraffic) once all of it has; each must answer through
//! `codedeploy:PutLifecycleEventHookExecutionStatus` within an hour. `Failed` (or no
//! answer) fails the deployment and rolls the alias back. With the role SAM creates
//! (AWSCodeDeployRoleForLambda) CodeDeploy may invoke only functions named
//! `CodeDeployHook_*`; a `Role` of one's own lifts that.

use super::{Alias, Lambda, LambdaEvent};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::{Event, Outcome, Waiter};
use crate::template::Model;
use crate::trace::TraceKind;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub(crate) struct Deployment {
    alias: String,
    old: String,
    new: String,
    /// (ms after the start, share of traffic on the new version).
    steps: Vec<(u64, f64)>,
    alarms: Vec<Alarm>,
    pub status: &'static str,
    /// `d-` and nine letters or digits, as CodeDeploy names deployments.
    id: String,
    /// The PreTraffic and PostTraffic functions (names).
    hooks: [Option<String>; 2],
    /// DeploymentPreference.Role given: CodeDeploy may invoke any hook function.
    own_role: bool,
    /// The hook CodeDeploy waits for: (0 pre / 1 post, execution id, attempt number).
    waiting: Option<(usize, String, u64)>,
    hook_runs: u64,
    /// SAM's CodeDeploy application (`ServerlessDeploymentApplication`).
    application: String,
}

/// The lifecycle events the hooks answer, as CodeDeploy names them.
const HOOK_EVENTS: [&str; 2] = ["BeforeAllowTraffic", "AfterAllowTraffic"];
/// How long CodeDeploy waits for a hook's status.
const HOOK_TIMEOUT_MS: u64 = 3_600_000;

#[derive(Clone, Debug)]
struct Alarm {
    name: String,
    threshold: f64,
    or_equal: bool,
    period_s: u64,
    /// The function's Errors when this alarm last evaluated (each alarm has its own
    /// period, so each counts from its own last evaluation).
    errors_seen: u64,
}

/// The traffic steps of a CodeDeploy predefined configuration.
fn steps_of(ty: &str) -> Option<Vec<(u64, f64)>> {
    if ty == "AllAtOnce" {
        return Some(vec![(0, 1.0)]);
    }
    let num = |s: &str| s.parse::<u64>().ok();
    if let Some(rest) = ty.strip_prefix("Canary") {
        let (p, rest) = rest.split_once("Percent")?;
        let m = rest
            .strip_suffix("Minutes")
            .or(rest.strip_suffix("Minute"))?;
        let (p, m) = (num(p)?, num(m)?);
        return Some(vec![(0, p as f64 / 100.0), (m * 60_000, 1.0)]);
    }
    if let Some(rest) = ty.strip_prefix("Linear") {
        let (p, rest) = rest.split_once("PercentEvery")?;
        let m = rest
            .strip_suffix("Minutes")
            .or(rest.strip_suffix("Minute"))?;
        let (p, m) = (num(p)?, num(m)?);
        if p == 0 || p > 100 {
            return None;
        }
        let n = 100_u64.div_ceil(p);
        return Some(
            (0..n)
                .map(|i| (i * m * 60_000, (((i + 1) * p) as f64 / 100.0).min(1.0)))
                .collect(),
        );
    }
    None
}

impl Lambda {
    /// A SAM function's AutoPublishAlias with its deployment: the old version's code,
    /// the new one, the alias and the CodeDeploy plan (or the alias on the new version).
    pub(super) fn auto_publish(
        &mut self,
        model: &Model,
        fi: usize,
        p: &Value,
        path: &str,
    ) -> Result<String, TemplateError> {
        let alias = p
            .get("AutoPublishAlias")
            .and_then(Value::as_str)
            .unwrap_or("");
        let id = self.functions[fi].logical_id.clone();
        let previous = model
            .raw
            .pointer(&format!("/Resources/{id}/Metadata/Playground/PreviousCode"))
            .and_then(Value::as_str)
            .map(String::from);
        let pref = p.get("DeploymentPreference");
        let Some(previous) = previous else {
            // The first deployment: the alias simply points at the new version.
            self.functions[fi].versions += 1;
            let v = self.functions[fi].versions.to_string();
            self.functions[fi].aliases.insert(
                alias.to_string(),
                Alias {
                    version: v.clone(),
                    additional: None,
                },
            );
            return Ok(v);
        };
        let f = &mut self.functions[fi];
        f.versions += 2;
        let old = (f.versions - 1).to_string();
        let new = f.versions.to_string();
        f.version_code.insert(old.clone(), previous);
        let ty = pref
            .and_then(|d| d.get("Type"))
            .and_then(Value::as_str)
            .unwrap_or("AllAtOnce");
        let steps = steps_of(ty).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.DeploymentPreference.Type"),
                format!("'{ty}' is not a CodeDeploy predefined configuration (e.g. Canary10Percent5Minutes, Linear10PercentEvery1Minute, AllAtOnce)"),
            )
        })?;
        let mut alarms = Vec::new();
        for (i, a) in pref
            .and_then(|d| d.get("Alarms"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = a.as_str().unwrap_or("");
            let res = model
                .resources
                .iter()
                .find(|r| {
                    r.resource_type == "AWS::CloudWatch::Alarm"
                        && (r.physical_name == name || r.logical_id == name)
                })
                .ok_or_else(|| {
                    TemplateError::at(
                        format!("{path}.DeploymentPreference.Alarms[{i}]"),
                        format!("'{name}' is not an AWS::CloudWatch::Alarm of this template"),
                    )
                })?;
            let ap = &res.properties;
            if ap.get("MetricName").and_then(Value::as_str) != Some("Errors") {
                return Err(TemplateError::at(
                    format!("Resources.{}.Properties.MetricName", res.logical_id),
                    "the playground evaluates alarms on the function's Errors metric (AWS/Lambda) only",
                ));
            }
            let op = ap
                .get("ComparisonOperator")
                .and_then(Value::as_str)
                .unwrap_or("GreaterThanThreshold");
            alarms.push(Alarm {
                name: res.physical_name.clone(),
                threshold: ap.get("Threshold").and_then(Value::as_f64).unwrap_or(0.0),
                or_equal: op == "GreaterThanOrEqualToThreshold",
                period_s: ap
                    .get("Period")
                    .and_then(Value::as_u64)
                    .unwrap_or(60)
                    .max(10),
                errors_seen: 0,
            });
        }
        f.aliases.insert(
            alias.to_string(),
            Alias {
                version: old.clone(),
                additional: None,
            },
        );
        let mut hooks: [Option<String>; 2] = [None, None];
        for (i, key) in ["PreTraffic", "PostTraffic"].into_iter().enumerate() {
            let Some(name) = pref
                .and_then(|d| d.pointer(&format!("/Hooks/{key}")))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let exists = model.resources.iter().any(|r| {
                r.resource_type.ends_with("Function")
                    && (r.physical_name == name || r.logical_id == name)
            });
            if !exists {
                return Err(TemplateError::at(
                    format!("{path}.DeploymentPreference.Hooks.{key}"),
                    format!("'{name}' is not a Lambda function of this template (e.g. !Ref PreTrafficHook)"),
                ));
            }
            hooks[i] = Some(name.to_string());
        }
        let own_role = pref.and_then(|d| d.get("Role")).is_some();
        let id = crate::template::deployment_id(&id);
        let f = &mut self.functions[fi];
        f.deployment = Some(Deployment {
            alias: alias.to_string(),
            old,
            new: new.clone(),
            steps,
            alarms,
            status: "InProgress",
            id,
            hooks,
            own_role,
            waiting: None,
            hook_runs: 0,
            application: crate::template::deployment_application(&model.stack_name),
        });
        Ok(new)
    }

    /// Starts every deployment: its BeforeAllowTraffic hook, or its traffic shifting.
    pub fn start_deployments(&mut self, k: &mut Kernel<Event>) {
        for fi in 0..self.functions.len() {
            let Some(d) = &self.functions[fi].deployment else {
                continue;
            };
            if d.hooks[0].is_some() {
                self.run_hook(k, fi, 0);
            } else {
                self.start_shifting(k, fi);
            }
        }
    }

    /// Schedules a deployment's traffic steps and alarm evaluations from now.
    fn start_shifting(&mut self, k: &mut Kernel<Event>, fi: usize) {
        {
            let Some(d) = &self.functions[fi].deployment else {
                return;
            };
            for (step, (at, _)) in d.steps.iter().enumerate() {
                k.schedule(
                    at * US_PER_MS,
                    Event::Lambda(LambdaEvent::DeploymentStep { function: fi, step }),
                );
            }
            for (alarm, a) in d.alarms.iter().enumerate() {
                k.schedule(
                    a.period_s * 1_000 * US_PER_MS,
                    Event::Lambda(LambdaEvent::AlarmCheck {
                        function: fi,
                        alarm,
                    }),
                );
            }
        }
    }

    /// CodeDeploy invokes a lifecycle hook function (asynchronously) and waits for its
    /// status; `which` is 0 for PreTraffic, 1 for PostTraffic.
    fn run_hook(&mut self, k: &mut Kernel<Event>, fi: usize, which: usize) {
        let lid = self.functions[fi].logical_id.clone();
        let Some(d) = self.functions[fi].deployment.as_mut() else {
            return;
        };
        let Some(hook) = d.hooks[which].clone() else {
            return;
        };
        let event = HOOK_EVENTS[which];
        if !d.own_role && !hook.starts_with("CodeDeployHook_") {
            let why = format!("{event} hook {hook} could not be invoked: CodeDeploy's role (SAM's, with AWSCodeDeployRoleForLambda) may invoke only functions named CodeDeployHook_* — rename the hook function or give DeploymentPreference a Role");
            self.fail_deployment(k, fi, why);
            return;
        }
        d.hook_runs += 1;
        let exec = crate::util::base64_encode(
            format!("{}:{event}:{}:{}", d.id, d.hook_runs, k.rng.uuid()).as_bytes(),
        );
        d.waiting = Some((which, exec.clone(), d.hook_runs));
        let payload = json!({"DeploymentId": d.id, "LifecycleEventHookExecutionId": exec});
        k.schedule(
            0,
            Event::Call {
                caller: "codedeploy".into(),
                action: "lambda:Invoke".into(),
                params: json!({"FunctionName": hook, "InvocationType": "Event", "Payload": payload.to_string()}),
                waiter: Waiter::Nobody,
            },
        );
        k.schedule(
            HOOK_TIMEOUT_MS * US_PER_MS,
            Event::Lambda(LambdaEvent::HookTimeout {
                function: fi,
                run: d.hook_runs,
            }),
        );
        let to = self
            .find(&hook)
            .map_or(hook.clone(), |h| self.functions[h].logical_id.clone());
        let d = self.functions[fi].deployment.as_ref().expect("deploying");
        k.record(
            TraceKind::Delivery,
            "codedeploy",
            &to,
            format!(
                "CodeDeploy: {event} hook of {lid}'s deployment {} → {hook}",
                d.id
            ),
            json!({"deployment": d.id, "hook": event}),
        );
    }

    /// No status an hour after the hook was invoked: the deployment fails.
    pub(super) fn hook_timeout(&mut self, k: &mut Kernel<Event>, fi: usize, run: u64) {
        let Some(d) = &self.functions[fi].deployment else {
            return;
        };
        if let Some((which, _, r)) = &d.waiting {
            if *r == run && d.status == "InProgress" {
                let why = format!(
                    "{} hook {} did not report a status within an hour",
                    HOOK_EVENTS[*which],
                    d.hooks[*which].clone().unwrap_or_default()
                );
                self.fail_deployment(k, fi, why);
            }
        }
    }

    /// The deployment fails: the alias goes back to the old version, all of it.
    fn fail_deployment(&mut self, k: &mut Kernel<Event>, fi: usize, why: String) {
        let detail = json!({"reason": why});
        self.roll_back(
            k,
            fi,
            "Failed",
            format!("deployment failed — {why};"),
            detail,
        );
    }

    /// The deployment ends as `status`: all of the alias goes back to the old version,
    /// and the trace says why (`why` and `detail`).
    fn roll_back(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        status: &'static str,
        why: String,
        mut detail: Value,
    ) {
        let lid = self.functions[fi].logical_id.clone();
        let f = &mut self.functions[fi];
        let Some(d) = f.deployment.as_mut() else {
            return;
        };
        d.status = status;
        d.waiting = None;
        let (alias, old) = (d.alias.clone(), d.old.clone());
        f.aliases.insert(
            alias.clone(),
            Alias {
                version: old.clone(),
                additional: None,
            },
        );
        detail["alias"] = json!(alias);
        k.record(
            TraceKind::Failure,
            "codedeploy",
            &lid,
            format!("CodeDeploy: {why} {alias} rolled back to version {old}"),
            detail,
        );
    }

    /// `codedeploy:*`: what handler code (a hook) may ask CodeDeploy.
    pub fn codedeploy(&mut self, k: &mut Kernel<Event>, action: &str, p: &Value) -> Outcome {
        let s = |key: &str| p.get(key).and_then(Value::as_str).unwrap_or("");
        let id = s("deploymentId");
        let fi = self
            .functions
            .iter()
            .position(|f| f.deployment.as_ref().is_some_and(|d| d.id == id));
        let not_found = || {
            AwsError::client(
                "DeploymentDoesNotExistException",
                format!("The deployment {id} could not be found."),
            )
        };
        match action {
            "GetDeployment" => Outcome::Done(match fi {
                None => Err(not_found()),
                Some(fi) => {
                    let f = &self.functions[fi];
                    let d = f.deployment.as_ref().expect("found by its deployment");
                    Ok(json!({"deploymentInfo": {
                        "deploymentId": d.id,
                        "applicationName": d.application,
                        "deploymentGroupName": format!("{}DeploymentGroup", f.logical_id),
                        "status": d.status,
                        "computePlatform": "Lambda",
                    }}))
                }
            }),
            "PutLifecycleEventHookExecutionStatus" => {
                let Some(fi) = fi else {
                    return Outcome::Done(Err(not_found()));
                };
                let exec = s("lifecycleEventHookExecutionId").to_string();
                let status = s("status");
                let d = self.functions[fi].deployment.as_ref().expect("found");
                let Some((which, waiting, _)) = d.waiting.clone().filter(|w| w.1 == exec) else {
                    return Outcome::Done(Err(if d.status != "InProgress" {
                        AwsError::client(
                            "LifecycleEventAlreadyCompletedException",
                            format!("The lifecycle event {exec} has already completed."),
                        )
                    } else {
                        AwsError::client(
                            "InvalidLifecycleEventHookExecutionIdException",
                            format!("The lifecycle event hook execution ID {exec} is not valid."),
                        )
                    }));
                };
                match status {
                    "Succeeded" => {
                        self.functions[fi]
                            .deployment
                            .as_mut()
                            .expect("found")
                            .waiting = None;
                        if which == 0 {
                            self.start_shifting(k, fi);
                        } else {
                            self.succeed_deployment(k, fi);
                        }
                    }
                    "Failed" => {
                        let why = format!("{} hook reported Failed", HOOK_EVENTS[which]);
                        self.fail_deployment(k, fi, why);
                    }
                    other => {
                        return Outcome::Done(Err(AwsError::client(
                            "InvalidLifecycleEventHookExecutionStatusException",
                            format!("{other} is not a valid status: Succeeded or Failed."),
                        )))
                    }
                }
                Outcome::Done(Ok(json!({"lifecycleEventHookExecutionId": waiting})))
            }
            other => Outcome::Done(Err(crate::services::unsupported("codedeploy", other))),
        }
    }

    fn succeed_deployment(&mut self, k: &mut Kernel<Event>, fi: usize) {
        let lid = self.functions[fi].logical_id.clone();
        let Some(d) = self.functions[fi].deployment.as_mut() else {
            return;
        };
        d.status = "Succeeded";
        let summary = format!(
            "CodeDeploy: deployment {} succeeded, {} → version {} (100%)",
            d.id, d.alias, d.new
        );
        let alias = d.alias.clone();
        k.record(
            TraceKind::Delivery,
            "codedeploy",
            &lid,
            summary,
            json!({"alias": alias, "weight": 1.0}),
        );
    }

    pub(super) fn deployment_step(&mut self, k: &mut Kernel<Event>, fi: usize, step: usize) {
        let lid = self.functions[fi].logical_id.clone();
        let f = &mut self.functions[fi];
        let Some(d) = f.deployment.as_mut() else {
            return;
        };
        if d.status != "InProgress" {
            return;
        }
        let weight = d.steps[step].1;
        let alias = d.alias.clone();
        let summary = if weight >= 1.0 {
            f.aliases.insert(
                alias.clone(),
                Alias {
                    version: d.new.clone(),
                    additional: None,
                },
            );
            if d.hooks[1].is_none() {
                return self.succeed_deployment(k, fi);
            }
            // All traffic shifted: the AfterAllowTraffic hook decides.
            format!(
                "CodeDeploy: {alias} sends 100% to version {}; AfterAllowTraffic next",
                d.new
            )
        } else {
            f.aliases.insert(
                alias.clone(),
                Alias {
                    version: d.old.clone(),
                    additional: Some((d.new.clone(), weight)),
                },
            );
            format!(
                "CodeDeploy: {alias} sends {:.0}% to version {} ({:.0}% stay on {})",
                weight * 100.0,
                d.new,
                (1.0 - weight) * 100.0,
                d.old
            )
        };
        k.record(
            TraceKind::Delivery,
            "codedeploy",
            &lid,
            summary,
            json!({"alias": alias, "weight": weight}),
        );
        if weight >= 1.0 {
            self.run_hook(k, fi, 1);
        }
    }

    /// A deployment alarm's evaluation: the errors of the last period against its
    /// threshold; in ALARM the deployment stops and the alias returns to the old version.
    pub(super) fn alarm_check(&mut self, k: &mut Kernel<Event>, fi: usize, alarm: usize) {
        let errors = self.functions[fi].metrics.errors;
        let f = &mut self.functions[fi];
        let Some(d) = f.deployment.as_mut() else {
            return;
        };
        if d.status != "InProgress" {
            return;
        }
        let in_period = (errors - d.alarms[alarm].errors_seen) as f64;
        d.alarms[alarm].errors_seen = errors;
        let a = d.alarms[alarm].clone();
        let breached = if a.or_equal {
            in_period >= a.threshold
        } else {
            in_period > a.threshold
        };
        if !breached {
            k.schedule(
                a.period_s * 1_000 * US_PER_MS,
                Event::Lambda(LambdaEvent::AlarmCheck {
                    function: fi,
                    alarm,
                }),
            );
            return;
        }
        let why = format!(
            "alarm {} is in ALARM ({in_period} errors in {} s) — deployment stopped,",
            a.name, a.period_s
        );
        self.roll_back(k, fi, "Stopped", why, json!({"alarm": a.name}));
    }

    /// The deployment as the report shows it.
    pub(super) fn deployment_report(&self, fi: usize) -> Option<Value> {
        self.functions[fi].deployment.as_ref().map(|d| {
            json!({"DeploymentId": d.id, "Alias": d.alias, "FromVersion": d.old, "ToVersion": d.new, "Status": d.status})
        })
    }
}

#[cfg(test)]
mod tests {
    use super::steps_of;

    #[test]
    fn predefined_configurations_shift_as_codedeploy_does() {
        assert_eq!(
            steps_of("Canary10Percent5Minutes").unwrap(),
            vec![(0, 0.1), (300_000, 1.0)]
        );
        let linear = steps_of("Linear10PercentEvery1Minute").unwrap();
        assert_eq!(linear.len(), 10);
        assert_eq!(linear[0], (0, 0.1));
        assert_eq!(linear[9], (540_000, 1.0));
        assert_eq!(steps_of("AllAtOnce").unwrap(), vec![(0, 1.0)]);
        assert!(steps_of("Fast").is_none());
    }
}
