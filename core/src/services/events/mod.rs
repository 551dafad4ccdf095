//! Amazon EventBridge: the default bus and `AWS::Events::EventBus` buses, rules from
//! `AWS::Events::Rule` and SAM `EventBridgeRule` / `CloudWatchEvent` / `Schedule` events
//! (on functions and state machines), PutEvents with AWS's per-entry errors and the
//! event envelope, event patterns (`patterns.rs`), schedules (`rate(…)` and `cron(…)`),
//! targets (Lambda asynchronously, SQS, SNS, Step Functions, another bus) with Input,
//! InputPath and InputTransformer, retries with back-off for throttling and server
//! errors, and a dead-letter queue per target. Every delivery is an API call.
//! Archives and replays are in `archive`.

mod archive;
mod zone;

use super::{Event, Outcome, Waiter};
use crate::asl::path::Path;
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, Micros, US_PER_MS};
use crate::patterns;
use crate::template::Model;
use crate::trace::TraceKind;
use crate::util::{iso8601, queue_url_of_arn};
use serde_json::{json, Value};

/// PutEvents takes at most 10 entries, of at most 1 MB together (256 KB until 2026).
const MAX_ENTRIES: usize = 10;
const MAX_REQUEST_BYTES: usize = 1_048_576;
/// Virtual time from PutEvents (or a schedule) to a target receiving the event (ms).
pub const DELIVERY_LATENCY_MS: (f64, f64) = (20.0, 80.0);

#[derive(Default, Clone, Copy)]
struct RuleMetrics {
    matched: u64,
    invocations: u64,
    failed: u64,
    dead_letter: u64,
    retries: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Lambda,
    Sqs,
    Sns,
    StateMachine,
    Bus,
    Kinesis,
    Firehose,
}

#[derive(Clone, Debug)]
enum Input {
    Event,
    Constant(String),
    Path(Path),
    Transformer(Vec<(String, Path)>, String),
}

#[derive(Clone, Debug)]
pub(crate) struct Target {
    id: String,
    pub arn: String,
    kind: Kind,
    input: Input,
    max_attempts: u32,
    max_age_s: u64,
    dead_letter: Option<String>,
    group_id: Option<String>,
    /// Kinesis targets: where the partition key is in the event (`KinesisParameters`).
    partition_key_path: Option<String>,
    /// The role EventBridge assumes to deliver (RoleArn).
    pub role_arn: Option<String>,
}

impl Target {
    /// Whether a rule delivers to this target with its RoleArn (streams, state machines
    /// and buses) rather than through the target's resource policy (functions, queues,
    /// topics). Scheduler delivers to every target with its role.
    pub fn delivers_with_role(&self) -> bool {
        matches!(
            self.kind,
            Kind::Kinesis | Kind::Firehose | Kind::StateMachine | Kind::Bus
        )
    }
}

pub(crate) struct Rule {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    bus: usize,
    pattern: Option<Value>,
    schedule: Option<Schedule>,
    pub enabled: bool,
    pub targets: Vec<Target>,
    metrics: RuleMetrics,
    /// EventBridge Scheduler: the flexible time window (each run at a random moment
    /// within it).
    flex_ms: u64,
}

pub(crate) struct Bus {
    pub name: String,
    pub arn: String,
    pub logical_id: Option<String>,
    received: u64,
}

#[derive(Clone, Debug)]
enum Schedule {
    Rate(u64),
    Cron(Cron),
    /// EventBridge Scheduler's one-time `at(…)`: the UTC instant.
    At(Micros),
}

#[derive(Debug)]
pub(crate) enum EventsEvent {
    /// A scheduled rule's time has come.
    Tick { rule: usize },
    /// A delivery attempt to one target.
    Deliver(Box<Delivery>),
    /// The next event of a replay.
    Replay { replay: usize },
    /// A schedule's run, later within its flexible time window.
    Fire { rule: usize },
}

#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    rule: usize,
    target: usize,
    payload: String,
    attempt: u32,
    first_us: Micros,
}

pub(crate) struct Events {
    pub buses: Vec<Bus>,
    pub rules: Vec<Rule>,
    /// ARNs and URLs of the template's resources → logical id (for the trace).
    names: std::collections::BTreeMap<String, String>,
    /// Callers that are AWS services (S3 buckets): they may send `aws.*` sources.
    pub services: std::collections::BTreeSet<String>,
    archives: Vec<archive::Archive>,
    replays: Vec<archive::Replay>,
    region: String,
    account: String,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A bus by name or ARN (`…:event-bus/NAME`).
fn bus_index(buses: &[Bus], name: &str) -> Option<usize> {
    let short = name.rsplit('/').next().unwrap_or(name);
    buses.iter().position(|b| b.name == short || b.arn == name)
}

fn kind_of(arn: &str) -> Option<Kind> {
    let service = arn.split(':').nth(2)?;
    Some(match service {
        "lambda" => Kind::Lambda,
        "sqs" => Kind::Sqs,
        "sns" => Kind::Sns,
        "states" => Kind::StateMachine,
        "events" if arn.contains(":event-bus/") => Kind::Bus,
        "kinesis" if arn.contains(":stream/") => Kind::Kinesis,
        "firehose" if arn.contains(":deliverystream/") => Kind::Firehose,
        _ => return None,
    })
}

/// Reads one target (`AWS::Events::Rule` Targets entry, or a SAM event's properties).
fn target(t: &Value, arn: &str, id: &str, path: &str) -> Result<Target, TemplateError> {
    let kind = kind_of(arn).ok_or_else(|| {
        TemplateError::at(
            format!("{path}.Arn"),
            format!("'{arn}': the playground delivers to Lambda functions, SQS queues, SNS topics, state machines, event buses, Kinesis streams and Firehose delivery streams so far"),
        )
    })?;
    // EventBridge writes to streams with the target's own role (PutTargets requires it).
    if matches!(kind, Kind::Kinesis | Kind::Firehose) && t.get("RoleArn").is_none() {
        return Err(TemplateError::at(
            format!("{path}.RoleArn"),
            "ValidationException: RoleArn is required for a Kinesis or Firehose target (EventBridge puts the records with that role)",
        ));
    }
    let given: Vec<&str> = ["Input", "InputPath", "InputTransformer"]
        .into_iter()
        .filter(|k| t.get(*k).is_some())
        .collect();
    if given.len() > 1 {
        return Err(TemplateError::at(
            path,
            "Only one of Input, InputPath, or InputTransformer may be set for a target",
        ));
    }
    let input = if let Some(i) = t.get("Input") {
        let text = text_of(i);
        if serde_json::from_str::<Value>(&text).is_err() {
            return Err(TemplateError::at(
                format!("{path}.Input"),
                "Input must be valid JSON text",
            ));
        }
        Input::Constant(text)
    } else if let Some(p) = t.get("InputPath").and_then(Value::as_str) {
        Input::Path(Path::parse(p).map_err(|e| TemplateError::at(format!("{path}.InputPath"), e))?)
    } else if let Some(tr) = t.get("InputTransformer") {
        let mut vars = Vec::new();
        if let Some(m) = tr.get("InputPathsMap").and_then(Value::as_object) {
            if m.len() > 100 {
                return Err(TemplateError::at(
                    format!("{path}.InputTransformer.InputPathsMap"),
                    "at most 100 paths",
                ));
            }
            for (k, v) in m {
                let p = v.as_str().unwrap_or("");
                let parsed = Path::parse(p).map_err(|e| {
                    TemplateError::at(format!("{path}.InputTransformer.InputPathsMap.{k}"), e)
                })?;
                vars.push((k.clone(), parsed));
            }
        }
        let template = tr.get("InputTemplate").map(text_of).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.InputTransformer"),
                "InputTemplate is required",
            )
        })?;
        Input::Transformer(vars, template)
    } else {
        Input::Event
    };
    let retry = t.get("RetryPolicy");
    let num = |k: &str| {
        retry
            .and_then(|r| r.get(k))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
    };
    let max_attempts = num("MaximumRetryAttempts").unwrap_or(185);
    let max_age_s = num("MaximumEventAgeInSeconds").unwrap_or(86_400);
    if max_attempts > 185 {
        return Err(TemplateError::at(
            format!("{path}.RetryPolicy.MaximumRetryAttempts"),
            "MaximumRetryAttempts must be 0–185",
        ));
    }
    if !(60..=86_400).contains(&max_age_s) {
        return Err(TemplateError::at(
            format!("{path}.RetryPolicy.MaximumEventAgeInSeconds"),
            "MaximumEventAgeInSeconds must be 60–86400",
        ));
    }
    let dead_letter = t
        .get("DeadLetterConfig")
        .and_then(|d| d.get("Arn"))
        .and_then(Value::as_str)
        .map(String::from);
    if let Some(d) = &dead_letter {
        if kind_of(d) != Some(Kind::Sqs) {
            return Err(TemplateError::at(
                format!("{path}.DeadLetterConfig.Arn"),
                "a target's dead-letter queue must be an SQS queue",
            ));
        }
    }
    Ok(Target {
        role_arn: t.get("RoleArn").and_then(Value::as_str).map(String::from),
        id: id.to_string(),
        arn: arn.to_string(),
        kind,
        input,
        max_attempts: max_attempts as u32,
        max_age_s,
        dead_letter,
        group_id: t
            .get("SqsParameters")
            .and_then(|s| s.get("MessageGroupId"))
            .and_then(Value::as_str)
            .map(String::from),
        partition_key_path: t
            .get("KinesisParameters")
            .and_then(|s| s.get("PartitionKeyPath"))
            .and_then(Value::as_str)
            .map(String::from),
    })
}

fn pattern_of(v: &Value, path: &str) -> Result<Value, TemplateError> {
    let p = match v {
        Value::String(s) => serde_json::from_str(s).map_err(|e| {
            TemplateError::at(
                path,
                format!("InvalidEventPatternException: Event pattern is not valid. Reason: {e}"),
            )
        })?,
        other => other.clone(),
    };
    patterns::validate_event_pattern(&p).map_err(|e| {
        TemplateError::at(
            path,
            format!("InvalidEventPatternException: Event pattern is not valid. Reason: {e}"),
        )
    })?;
    Ok(p)
}

impl Events {
    pub fn from_model(
        model: &Model,
        names: std::collections::BTreeMap<String, String>,
    ) -> Result<Self, TemplateError> {
        let arn = |res: &str| format!("arn:aws:events:{}:{}:{res}", model.region, model.account);
        let mut buses = vec![Bus {
            name: "default".into(),
            arn: arn("event-bus/default"),
            logical_id: None,
            received: 0,
        }];
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::Events::EventBus")
        {
            buses.push(Bus {
                name: r.physical_name.clone(),
                arn: arn(&format!("event-bus/{}", r.physical_name)),
                logical_id: Some(r.logical_id.clone()),
                received: 0,
            });
        }
        let find_bus =
            |buses: &[Bus], name: Option<&Value>, path: &str| -> Result<usize, TemplateError> {
                let n = name.and_then(Value::as_str).unwrap_or("default");
                bus_index(buses, n).ok_or_else(|| {
                    TemplateError::at(
                        path,
                        format!(
                            "ResourceNotFoundException: Event bus {} does not exist.",
                            n.rsplit('/').next().unwrap_or(n)
                        ),
                    )
                })
            };
        let mut rules = Vec::new();
        for r in &model.resources {
            let base = format!("Resources.{}.Properties", r.logical_id);
            let p = &r.properties;
            match r.resource_type.as_str() {
                // EventBridge Scheduler: a schedule with one target, run like a rule's.
                "AWS::Scheduler::Schedule" => {
                    let p = &r.properties;
                    let expr = p
                        .get("ScheduleExpression")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            TemplateError::at(
                                format!("{base}.ScheduleExpression"),
                                "a schedule needs a ScheduleExpression",
                            )
                        })?;
                    let schedule = parse_scheduler(
                        expr,
                        p.get("ScheduleExpressionTimezone").and_then(Value::as_str),
                    )
                    .map_err(|e| TemplateError::at(format!("{base}.ScheduleExpression"), e))?;
                    let t = p.get("Target").cloned().unwrap_or(Value::Null);
                    let tarn = t.get("Arn").and_then(Value::as_str).ok_or_else(|| {
                        TemplateError::at(
                            format!("{base}.Target.Arn"),
                            "a schedule's target needs an Arn",
                        )
                    })?;
                    if t.get("RoleArn").is_none() {
                        return Err(TemplateError::at(
                            format!("{base}.Target.RoleArn"),
                            "ValidationException: RoleArn is required: Scheduler invokes the target with this role (it needs, e.g., lambda:InvokeFunction on the function)",
                        ));
                    }
                    rules.push(Rule {
                        logical_id: r.logical_id.clone(),
                        name: r.physical_name.clone(),
                        arn: format!(
                            "arn:aws:scheduler:{}:{}:schedule/default/{}",
                            model.region, model.account, r.physical_name
                        ),
                        bus: 0,
                        pattern: None,
                        schedule: Some(schedule),
                        enabled: p.get("State").and_then(Value::as_str).unwrap_or("ENABLED")
                            == "ENABLED",
                        targets: vec![target(
                            &scheduler_input(&t, true),
                            tarn,
                            "target",
                            &format!("{base}.Target"),
                        )?],
                        metrics: RuleMetrics::default(),
                        flex_ms: flexible_window(p, &base)?,
                    });
                }
                "AWS::Events::Rule" => {
                    let bus = find_bus(
                        &buses,
                        p.get("EventBusName"),
                        &format!("{base}.EventBusName"),
                    )?;
                    let pattern = p
                        .get("EventPattern")
                        .map(|v| pattern_of(v, &format!("{base}.EventPattern")))
                        .transpose()?;
                    let schedule = p
                        .get("ScheduleExpression")
                        .and_then(Value::as_str)
                        .map(|s| {
                            parse_schedule(s).map_err(|e| {
                                TemplateError::at(format!("{base}.ScheduleExpression"), e)
                            })
                        })
                        .transpose()?;
                    if pattern.is_none() && schedule.is_none() {
                        return Err(TemplateError::at(
                            &base,
                            "a rule needs an EventPattern or a ScheduleExpression",
                        ));
                    }
                    if schedule.is_some() && bus != 0 {
                        return Err(TemplateError::at(format!("{base}.ScheduleExpression"), "ValidationException: ScheduleExpression is supported only on the default event bus."));
                    }
                    let mut targets = Vec::new();
                    for (i, t) in p
                        .get("Targets")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let tp = format!("{base}.Targets[{i}]");
                        let tarn = t.get("Arn").and_then(Value::as_str).ok_or_else(|| {
                            TemplateError::at(format!("{tp}.Arn"), "a target needs an Arn")
                        })?;
                        let id = t.get("Id").and_then(Value::as_str).unwrap_or("target");
                        targets.push(target(t, tarn, id, &tp)?);
                    }
                    if targets.len() > 5 {
                        return Err(TemplateError::at(
                            format!("{base}.Targets"),
                            "LimitExceededException: a rule can have at most 5 targets",
                        ));
                    }
                    let bus_part = if bus == 0 {
                        String::new()
                    } else {
                        format!("{}/", buses[bus].name)
                    };
                    rules.push(Rule {
                        logical_id: r.logical_id.clone(),
                        name: r.physical_name.clone(),
                        arn: arn(&format!("rule/{bus_part}{}", r.physical_name)),
                        bus,
                        pattern,
                        schedule,
                        enabled: p.get("State").and_then(Value::as_str).unwrap_or("ENABLED")
                            == "ENABLED",
                        targets,
                        metrics: RuleMetrics::default(),
                        flex_ms: 0,
                    });
                }
                "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                    let target_arn = if r.resource_type == "AWS::Serverless::Function" {
                        format!(
                            "arn:aws:lambda:{}:{}:function:{}",
                            model.region, model.account, r.physical_name
                        )
                    } else {
                        format!(
                            "arn:aws:states:{}:{}:stateMachine:{}",
                            model.region, model.account, r.physical_name
                        )
                    };
                    let Some(events) = p.get("Events").and_then(Value::as_object) else {
                        continue;
                    };
                    for (eid, e) in events {
                        let ty = e.get("Type").and_then(Value::as_str).unwrap_or("");
                        let ep = e.get("Properties").cloned().unwrap_or(json!({}));
                        let epath = format!("{base}.Events.{eid}.Properties");
                        let (bus, pattern, schedule) = match ty {
                            "EventBridgeRule" | "CloudWatchEvent" => {
                                let pat = ep.get("Pattern").ok_or_else(|| {
                                    TemplateError::at(
                                        format!("{epath}.Pattern"),
                                        "an EventBridgeRule event needs a Pattern",
                                    )
                                })?;
                                (
                                    find_bus(
                                        &buses,
                                        ep.get("EventBusName"),
                                        &format!("{epath}.EventBusName"),
                                    )?,
                                    Some(pattern_of(pat, &format!("{epath}.Pattern"))?),
                                    None,
                                )
                            }
                            "Schedule" | "ScheduleV2" => {
                                let expr = ep
                                    .get("Schedule")
                                    .or(ep.get("ScheduleExpression"))
                                    .and_then(Value::as_str)
                                    .ok_or_else(|| {
                                        TemplateError::at(
                                            format!("{epath}.Schedule"),
                                            "a Schedule event needs a Schedule expression",
                                        )
                                    })?;
                                let tz =
                                    ep.get("ScheduleExpressionTimezone").and_then(Value::as_str);
                                let parsed = if ty == "ScheduleV2" {
                                    parse_scheduler(expr, tz)
                                } else {
                                    parse_schedule(expr)
                                };
                                (
                                    0,
                                    None,
                                    Some(parsed.map_err(|e| {
                                        TemplateError::at(format!("{epath}.Schedule"), e)
                                    })?),
                                )
                            }
                            _ => continue,
                        };
                        let enabled = match (ep.get("Enabled"), ep.get("State")) {
                            (Some(Value::Bool(b)), _) => *b,
                            (_, Some(s)) => s == "ENABLED",
                            _ => true,
                        };
                        let id = format!("{}{eid}", r.logical_id);
                        let tid = ep
                            .get("Target")
                            .and_then(|t| t.get("Id"))
                            .and_then(Value::as_str)
                            .unwrap_or(&id)
                            .to_string();
                        let name = ep
                            .get("RuleName")
                            .or(ep.get("Name"))
                            .and_then(Value::as_str)
                            .map(String::from)
                            .unwrap_or_else(|| format!("{}-{id}", model.stack_name));
                        let bus_part = if bus == 0 {
                            String::new()
                        } else {
                            format!("{}/", buses[bus].name)
                        };
                        rules.push(Rule {
                            logical_id: id,
                            arn: arn(&format!("rule/{bus_part}{name}")),
                            name,
                            bus,
                            pattern,
                            schedule,
                            enabled,
                            targets: vec![target(
                                &scheduler_input(&ep, ty == "ScheduleV2"),
                                &target_arn,
                                &tid,
                                &epath,
                            )?],
                            metrics: RuleMetrics::default(),
                            flex_ms: if ty == "ScheduleV2" {
                                flexible_window(&ep, &epath)?
                            } else {
                                0
                            },
                        });
                    }
                }
                _ => {}
            }
        }
        let mut events = Events {
            buses,
            rules,
            names,
            services: Default::default(),
            archives: Vec::new(),
            replays: Vec::new(),
            region: model.region.clone(),
            account: model.account.clone(),
        };
        events.archives_from_model(model)?;
        Ok(events)
    }

    fn arn(&self, resource: &str) -> String {
        format!("arn:aws:events:{}:{}:{resource}", self.region, self.account)
    }

    /// One run of a schedule: the "Scheduled Event" to the rule's targets (Scheduler's
    /// targets get their Input instead, through the same target delivery).
    fn fire(&mut self, k: &mut Kernel<Event>, rule: usize) {
        let r = &self.rules[rule];
        let t = iso8601(k.now_ms());
        let event = json!({
            "version": "0", "id": k.rng.uuid(), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": self.account, "time": format!("{}Z", &t[..19]),
            "region": self.region, "resources": [r.arn], "detail": {},
        });
        self.rules[rule].metrics.matched += 1;
        self.dispatch(k, rule, &event);
    }

    /// Schedules each enabled scheduled rule's first run.
    pub fn start(&self, k: &mut Kernel<Event>) {
        for (ri, r) in self.rules.iter().enumerate() {
            if let (true, Some(s)) = (r.enabled, &r.schedule) {
                if let Some(at) = next_fire(s, k.now()) {
                    k.schedule_at(at, true, Event::Events(EventsEvent::Tick { rule: ri }));
                }
            }
        }
    }

    pub fn find_bus(&self, name: &str) -> Option<usize> {
        bus_index(&self.buses, name)
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
    ) -> Outcome {
        if let Some(r) = self.archive_call(k, action, p) {
            return Outcome::Done(r);
        }
        Outcome::Done(match action {
            "PutEvents" => self.put_events(k, caller, p),
            "TestEventPattern" => {
                let (Some(pat), Some(ev)) = (p.get("EventPattern"), p.get("Event")) else {
                    return Outcome::Done(Err(AwsError::client(
                        "ValidationException",
                        "EventPattern and Event are required",
                    )));
                };
                let pat: Result<Value, String> = match pat {
                    Value::String(s) => serde_json::from_str(s).map_err(|e| e.to_string()),
                    other => Ok(other.clone()),
                };
                let ev: Result<Value, String> = match ev {
                    Value::String(s) => serde_json::from_str(s).map_err(|e| e.to_string()),
                    other => Ok(other.clone()),
                };
                match (pat, ev) {
                    (Ok(pat), Ok(ev)) => match patterns::validate_event_pattern(&pat) {
                        Ok(()) => Ok(json!({"Result": patterns::matches(&pat, &ev)})),
                        Err(e) => Err(AwsError::client(
                            "InvalidEventPatternException",
                            format!("Event pattern is not valid. Reason: {e}"),
                        )),
                    },
                    (Err(e), _) => Err(AwsError::client(
                        "InvalidEventPatternException",
                        format!("Event pattern is not valid. Reason: {e}"),
                    )),
                    (_, Err(e)) => Err(AwsError::client(
                        "InvalidArgument",
                        format!("Parameter Event is not valid. Reason: {e}"),
                    )),
                }
            }
            "ListEventBuses" => Ok(
                json!({"EventBuses": self.buses.iter().map(|b| json!({"Name": b.name, "Arn": b.arn})).collect::<Vec<_>>()}),
            ),
            "ListRules" => {
                let bus = p
                    .get("EventBusName")
                    .and_then(Value::as_str)
                    .and_then(|b| self.find_bus(b))
                    .unwrap_or(0);
                Ok(
                    json!({"Rules": self.rules.iter().filter(|r| r.bus == bus).map(|r| self.describe(r)).collect::<Vec<_>>()}),
                )
            }
            "DescribeRule" | "ListTargetsByRule" | "EnableRule" | "DisableRule" => {
                let name = p
                    .get("Name")
                    .or(p.get("Rule"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Some(ri) = self.rules.iter().position(|r| r.name == name) else {
                    return Outcome::Done(Err(AwsError::client(
                        "ResourceNotFoundException",
                        format!("Rule {name} does not exist."),
                    )));
                };
                match action {
                    "DescribeRule" => Ok(self.describe(&self.rules[ri])),
                    "ListTargetsByRule" => Ok(
                        json!({"Targets": self.rules[ri].targets.iter().map(|t| json!({"Id": t.id, "Arn": t.arn})).collect::<Vec<_>>()}),
                    ),
                    _ => {
                        let on = action == "EnableRule";
                        let was = self.rules[ri].enabled;
                        self.rules[ri].enabled = on;
                        if on && !was {
                            if let Some(at) = self.rules[ri]
                                .schedule
                                .as_ref()
                                .and_then(|s| next_fire(s, k.now()))
                            {
                                k.schedule_at(
                                    at,
                                    true,
                                    Event::Events(EventsEvent::Tick { rule: ri }),
                                );
                            }
                        }
                        Ok(json!({}))
                    }
                }
            }
            other => Err(crate::services::unsupported("events", other)),
        })
    }

    fn describe(&self, r: &Rule) -> Value {
        let mut o = json!({"Name": r.name, "Arn": r.arn, "EventBusName": self.buses[r.bus].name,
                           "State": if r.enabled { "ENABLED" } else { "DISABLED" }});
        if let Some(p) = &r.pattern {
            o["EventPattern"] = json!(p.to_string());
        }
        o
    }

    fn put_events(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let entries = p.get("Entries").and_then(Value::as_array).ok_or_else(|| {
            AwsError::client("ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null")
        })?;
        if entries.is_empty() || entries.len() > MAX_ENTRIES {
            return Err(AwsError::client(
                "ValidationException",
                format!("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to {MAX_ENTRIES} and greater than or equal to 1"),
            ));
        }
        let size: usize = entries.iter().map(entry_size).sum();
        if size > MAX_REQUEST_BYTES {
            return Err(AwsError::client(
                "ValidationException",
                "Total size of the entries in the request is over the limit.",
            ));
        }
        let mut results = Vec::new();
        let mut failed = 0;
        for e in entries {
            match self.accept(k, caller, e) {
                Ok(id) => results.push(json!({"EventId": id})),
                Err((code, message)) => {
                    failed += 1;
                    results.push(json!({"ErrorCode": code, "ErrorMessage": message}));
                }
            }
        }
        Ok(json!({"FailedEntryCount": failed, "Entries": results}))
    }

    /// One PutEvents entry: checked, wrapped in the event envelope, matched against the
    /// bus's rules.
    fn accept(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        e: &Value,
    ) -> Result<String, (String, String)> {
        let bad = |field: &str, why: &str| {
            (
                "InvalidArgument".to_string(),
                format!("Parameter {field} is not valid. Reason: {why}"),
            )
        };
        let source = e
            .get("Source")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Source", "Source is a required argument."))?;
        let detail_type = e
            .get("DetailType")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("DetailType", "DetailType is a required argument."))?;
        let detail_text = e
            .get("Detail")
            .map(text_of)
            .ok_or_else(|| bad("Detail", "Detail is a required argument."))?;
        let detail: Value = match serde_json::from_str(&detail_text) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Err(("MalformedDetail".into(), "Detail is malformed.".into())),
        };
        if source.starts_with("aws.") && !self.services.contains(caller) {
            return Err((
                "NotAuthorizedForSourceException".into(),
                "Not authorized for the source.".into(),
            ));
        }
        let bus_name = e
            .get("EventBusName")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let bus = self.find_bus(bus_name).ok_or_else(|| {
            (
                "ResourceNotFoundException".to_string(),
                format!(
                    "Event bus {} does not exist.",
                    bus_name.rsplit('/').next().unwrap_or(bus_name)
                ),
            )
        })?;
        let id = k.rng.uuid();
        let time = e
            .get("Time")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| {
                let t = iso8601(k.now_ms());
                format!("{}Z", &t[..19])
            });
        let event = json!({
            "version": "0", "id": id, "detail-type": detail_type, "source": source,
            "account": self.account, "time": time, "region": self.region,
            "resources": e.get("Resources").cloned().unwrap_or(json!([])), "detail": detail,
        });
        self.buses[bus].received += 1;
        let to = self.buses[bus].logical_id.clone().unwrap_or_default();
        k.record(
            TraceKind::Delivery,
            caller,
            &to,
            format!("{detail_type} from {source}"),
            json!({"EventId": id}),
        );
        self.archive(k.now_ms(), bus, &event);
        self.route(k, bus, &event);
        Ok(id)
    }

    /// Sends an event to every enabled rule of the bus whose pattern matches it.
    fn route(&mut self, k: &mut Kernel<Event>, bus: usize, event: &Value) {
        self.route_to(k, bus, event, &[]);
    }

    /// Like `route`, to the rules named in `only` (their ARNs) if it is not empty.
    fn route_to(&mut self, k: &mut Kernel<Event>, bus: usize, event: &Value, only: &[String]) {
        for ri in 0..self.rules.len() {
            let r = &self.rules[ri];
            if r.bus != bus || !r.enabled || (!only.is_empty() && !only.contains(&r.arn)) {
                continue;
            }
            if !r
                .pattern
                .as_ref()
                .is_some_and(|p| patterns::matches(p, event))
            {
                continue;
            }
            self.rules[ri].metrics.matched += 1;
            let from = self.buses[bus].logical_id.clone().unwrap_or_default();
            let rule = self.rules[ri].logical_id.clone();
            k.record(
                TraceKind::Delivery,
                &from,
                &rule,
                format!("matched {}", self.rules[ri].name),
                Value::Null,
            );
            self.dispatch(k, ri, event);
        }
    }

    fn dispatch(&mut self, k: &mut Kernel<Event>, ri: usize, event: &Value) {
        for ti in 0..self.rules[ri].targets.len() {
            let payload = self.payload(ri, ti, event);
            let latency = k
                .rng
                .range_f64(DELIVERY_LATENCY_MS.0, DELIVERY_LATENCY_MS.1);
            k.schedule(
                (latency * 1000.0) as u64,
                Event::Events(EventsEvent::Deliver(Box::new(Delivery {
                    rule: ri,
                    target: ti,
                    payload,
                    attempt: 0,
                    first_us: k.now(),
                }))),
            );
        }
    }

    /// What a target receives: the event, a constant, a part of it, or a template.
    fn payload(&self, ri: usize, ti: usize, event: &Value) -> String {
        let r = &self.rules[ri];
        match &r.targets[ti].input {
            Input::Event => event.to_string(),
            Input::Constant(c) => c.clone(),
            Input::Path(p) => p.select(event).map(|v| v.to_string()).unwrap_or_default(),
            Input::Transformer(vars, template) => {
                let mut values: Vec<(String, Value)> = vars
                    .iter()
                    .map(|(name, p)| (name.clone(), p.select(event).unwrap_or(Value::Null)))
                    .collect();
                values.push(("aws.events.rule-arn".into(), json!(r.arn)));
                values.push(("aws.events.rule-name".into(), json!(r.name)));
                values.push((
                    "aws.events.event.ingestion-time".into(),
                    event["time"].clone(),
                ));
                values.push(("aws.events.event".into(), event.clone()));
                values.push(("aws.events.event.json".into(), event.clone()));
                transform(template, &values)
            }
        }
    }

    pub fn handle(&mut self, k: &mut Kernel<Event>, ev: EventsEvent) {
        match ev {
            EventsEvent::Tick { rule } => {
                let r = &self.rules[rule];
                if !r.enabled {
                    return;
                }
                let Some(s) = r.schedule.clone() else { return };
                // A flexible window: this run happens at a random moment within it.
                if r.flex_ms > 0 {
                    let delay = k.rng.range_f64(0.0, r.flex_ms as f64);
                    k.schedule(
                        (delay * 1000.0) as u64,
                        Event::Events(EventsEvent::Fire { rule }),
                    );
                } else {
                    self.fire(k, rule);
                }
                if let Some(at) = next_fire(&s, k.now() + 1) {
                    k.schedule_at(at, true, Event::Events(EventsEvent::Tick { rule }));
                }
            }
            EventsEvent::Fire { rule } => self.fire(k, rule),
            EventsEvent::Deliver(d) => self.deliver(k, *d),
            EventsEvent::Replay { replay } => self.replay_step(k, replay),
        }
    }

    fn deliver(&mut self, k: &mut Kernel<Event>, d: Delivery) {
        let r = &self.rules[d.rule];
        let t = &r.targets[d.target];
        let (action, params) = match t.kind {
            Kind::Bus => {
                let ev: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
                (
                    "events:PutEvents",
                    json!({"Entries": [{
                    "Source": ev["source"], "DetailType": ev["detail-type"], "Detail": ev["detail"].to_string(),
                    "Resources": ev["resources"], "EventBusName": t.arn}]}),
                )
            }
            Kind::Kinesis => {
                // The partition key: KinesisParameters.PartitionKeyPath in the event, or
                // the event's id (EventBridge's default).
                let ev: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
                let key = t
                    .partition_key_path
                    .as_deref()
                    .and_then(|p| crate::asl::path::Path::parse(p).ok())
                    .and_then(|p| p.select(&ev))
                    .map(|v| match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .or_else(|| ev["id"].as_str().map(String::from))
                    .unwrap_or_else(|| "eventbridge".into());
                (
                    "kinesis:PutRecord",
                    json!({"StreamARN": t.arn, "PartitionKey": key,
                           "Data": crate::util::base64_encode(d.payload.as_bytes())}),
                )
            }
            Kind::Firehose => (
                "firehose:PutRecord",
                json!({"DeliveryStreamName": t.arn.rsplit('/').next().unwrap_or(""),
                       "Record": {"Data": crate::util::base64_encode(d.payload.as_bytes())}}),
            ),
            _ => {
                let (action, mut p) = crate::services::send_to(&t.arn, d.payload.clone())
                    .expect("target kinds are checked at load");
                if let Some(g) = &t.group_id {
                    p["MessageGroupId"] = json!(g);
                }
                (action, p)
            }
        };
        let lid = r.logical_id.clone();
        let to = match t.kind {
            Kind::Bus => self
                .find_bus(&t.arn)
                .and_then(|b| self.buses[b].logical_id.clone()),
            _ => self.names.get(&t.arn).cloned(),
        }
        .unwrap_or_default();
        k.record(
            TraceKind::Delivery,
            &lid,
            &to,
            format!("event to {}", t.id),
            Value::Null,
        );
        self.rules[d.rule].metrics.invocations += 1;
        k.schedule(
            0,
            Event::Call {
                caller: lid,
                action: action.into(),
                params,
                waiter: Waiter::Events(Box::new(d)),
            },
        );
    }

    /// A target's answer: done, retried with back-off, or sent to the dead-letter queue.
    pub fn on_reply(
        &mut self,
        k: &mut Kernel<Event>,
        d: Delivery,
        result: &Result<Value, AwsError>,
    ) {
        // PutEvents to another bus answers per entry.
        let err = match result {
            Ok(v) if v["FailedEntryCount"].as_u64().unwrap_or(0) > 0 => Some(AwsError::client(
                v["Entries"][0]["ErrorCode"]
                    .as_str()
                    .unwrap_or("InternalException"),
                v["Entries"][0]["ErrorMessage"].as_str().unwrap_or(""),
            )),
            Ok(_) => None,
            Err(e) => Some(e.clone()),
        };
        let Some(err) = err else { return };
        let rule = &self.rules[d.rule];
        let t = rule.targets[d.target].clone();
        let lid = rule.logical_id.clone();
        self.rules[d.rule].metrics.failed += 1;
        // Throttling and server errors are retried; client errors (a missing resource,
        // a denied call) are not.
        let retriable = err.status >= 500
            || err.status == 429
            || err.code.contains("Throttl")
            || err.code == "TooManyRequestsException";
        let age_s = (k.now() - d.first_us) / 1_000_000;
        if retriable && d.attempt < t.max_attempts && age_s < t.max_age_s {
            // Exponential back-off with full jitter, from 1 s up to 3 minutes.
            let cap = (1u64 << d.attempt.min(8)).min(180) as f64;
            let delay_ms = 1000.0 * k.rng.range_f64(cap / 2.0, cap);
            self.rules[d.rule].metrics.retries += 1;
            k.record(
                TraceKind::Throttle,
                &lid,
                "",
                format!("delivery to {} failed ({}), retrying", t.id, err.code),
                Value::Null,
            );
            let next = Delivery {
                attempt: d.attempt + 1,
                ..d
            };
            k.schedule(
                (delay_ms * US_PER_MS as f64) as u64,
                Event::Events(EventsEvent::Deliver(Box::new(next))),
            );
            return;
        }
        k.record(
            TraceKind::Failure,
            &lid,
            "",
            format!("delivery to {} failed: {}: {}", t.id, err.code, err.message),
            Value::Null,
        );
        if let Some(dlq) = &t.dead_letter {
            self.rules[d.rule].metrics.dead_letter += 1;
            let attr = |v: &str| json!({"DataType": "String", "StringValue": v});
            k.schedule(
                0,
                Event::Call {
                    caller: lid,
                    action: "sqs:SendMessage".into(),
                    params: json!({"QueueUrl": queue_url_of_arn(dlq), "MessageBody": d.payload, "MessageAttributes": {
                        "RULE_ARN": attr(&self.rules[d.rule].arn), "TARGET_ARN": attr(&t.arn),
                        "ERROR_CODE": attr(&err.code), "ERROR_MESSAGE": attr(&err.message)}}),
                    waiter: Waiter::Nobody,
                },
            );
        }
    }

    pub fn report_rule(&self, ri: usize) -> Value {
        let m = self.rules[ri].metrics;
        json!({"metrics": {
            "MatchedEvents": m.matched, "TriggeredRules": m.matched, "Invocations": m.invocations,
            "FailedInvocations": m.failed, "RetryInvocationAttempts": m.retries,
            "DeadLetterInvocations": m.dead_letter,
        }})
    }

    pub fn report_bus(&self, bi: usize) -> Value {
        json!({"metrics": {"PutEventsEntries": self.buses[bi].received}})
    }
}

/// A PutEvents entry's size as EventBridge counts it: Time (14 bytes), Source,
/// DetailType, Detail and each Resource, in UTF-8.
fn entry_size(e: &Value) -> usize {
    let s = |k: &str| e.get(k).map(text_of).map_or(0, |t| t.len());
    let resources: usize = e
        .get("Resources")
        .and_then(Value::as_array)
        .map_or(0, |a| a.iter().map(|r| text_of(r).len()).sum());
    14 + s("Source") + s("DetailType") + s("Detail") + resources
}

/// Fills an InputTemplate: `<name>` becomes the value — as text inside a JSON string,
/// as JSON elsewhere in a JSON template, and strings as they are in a text template.
fn transform(template: &str, values: &[(String, Value)]) -> String {
    let json_template = matches!(template.trim_start().chars().next(), Some('{' | '['));
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let name = &rest[1..end];
                if let Some((_, v)) = values.iter().find(|(n, _)| n == name) {
                    let text = match (in_string, v) {
                        (true, Value::String(s)) => {
                            let quoted = Value::String(s.clone()).to_string();
                            quoted[1..quoted.len() - 1].to_string()
                        }
                        (true, other) => {
                            let quoted = Value::String(other.to_string()).to_string();
                            quoted[1..quoted.len() - 1].to_string()
                        }
                        (false, Value::String(s)) if !json_template => s.clone(),
                        (false, other) => other.to_string(),
                    };
                    out.push_str(&text);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        if in_string && c == '\\' && !escaped {
            escaped = true;
        } else {
            if c == '"' && !escaped {
                in_string = !in_string;
            }
            escaped = false;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `rate(5 minutes)` or `cron(0 12 * * ? *)`.
fn parse_schedule(s: &str) -> Result<Schedule, String> {
    let s = s.trim();
    if let Some(body) = s.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        let mut it = body.split_whitespace();
        let (Some(n), Some(unit), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!("'{s}' is not a rate expression: rate(value unit)"));
        };
        let n: u64 = n
            .parse()
            .map_err(|_| format!("'{s}': the value must be a positive whole number"))?;
        let unit_ms = match unit {
            "minute" | "minutes" => 60_000,
            "hour" | "hours" => 3_600_000,
            "day" | "days" => 86_400_000,
            _ => {
                return Err(format!(
                    "'{s}': the unit must be minute(s), hour(s) or day(s)"
                ))
            }
        };
        if n == 0 {
            return Err(format!("'{s}': the value must be greater than 0"));
        }
        if (n == 1) == unit.ends_with('s') {
            return Err(format!(
                "'{s}': use the singular unit for 1 (rate(1 minute)) and the plural otherwise"
            ));
        }
        return Ok(Schedule::Rate(n * unit_ms * US_PER_MS));
    }
    if let Some(body) = s.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
        return Cron::parse(body).map(Schedule::Cron);
    }
    Err(format!(
        "'{s}' is not a schedule expression: rate(…) or cron(…)"
    ))
}

/// An EventBridge Scheduler expression: `at(yyyy-mm-ddThh:mm:ss)`, `rate(…)` or
/// `cron(…)`, read in ScheduleExpressionTimezone (UTC by default).
fn parse_scheduler(s: &str, tz: Option<&str>) -> Result<Schedule, String> {
    let zone = match tz {
        Some(name) => zone::zone(name)?,
        None => zone::UTC,
    };
    let s = s.trim();
    if let Some(body) = s.strip_prefix("at(").and_then(|b| b.strip_suffix(')')) {
        let ms = crate::util::parse_iso8601_ms(&format!("{body}Z"))
            .ok_or_else(|| format!("'{s}': at() takes yyyy-mm-ddThh:mm:ss"))?;
        let utc_min = zone.utc_of_local(ms.div_euclid(60_000));
        return Ok(Schedule::At(
            (utc_min * 60_000 + ms.rem_euclid(60_000)).max(0) as u64 * US_PER_MS,
        ));
    }
    let mut schedule = parse_schedule(s)?;
    if let Schedule::Cron(c) = &mut schedule {
        c.zone = zone;
    }
    Ok(schedule)
}

/// Scheduler passes the target its Input as it is (an empty object without one), not
/// the "Scheduled Event" envelope EventBridge rules send.
fn scheduler_input(t: &Value, scheduler: bool) -> Value {
    let mut t = t.clone();
    if scheduler && t.get("Input").is_none() {
        t["Input"] = json!("{}");
    }
    t
}

/// FlexibleTimeWindow: OFF, or FLEXIBLE with MaximumWindowInMinutes (1–1,440).
fn flexible_window(p: &Value, path: &str) -> Result<u64, TemplateError> {
    let Some(w) = p.get("FlexibleTimeWindow") else {
        return Ok(0);
    };
    match w.get("Mode").and_then(Value::as_str) {
        Some("OFF") | None => Ok(0),
        Some("FLEXIBLE") => match w.get("MaximumWindowInMinutes").and_then(Value::as_u64) {
            Some(m @ 1..=1440) => Ok(m * 60_000),
            _ => Err(TemplateError::at(
                format!("{path}.FlexibleTimeWindow.MaximumWindowInMinutes"),
                "ValidationException: MaximumWindowInMinutes is required for a FLEXIBLE window and is 1 to 1440",
            )),
        },
        Some(other) => Err(TemplateError::at(
            format!("{path}.FlexibleTimeWindow.Mode"),
            format!("'{other}' is not OFF or FLEXIBLE"),
        )),
    }
}

/// The first time strictly after `now` (or at it, for the very first rate tick) a
/// schedule fires.
fn next_fire(s: &Schedule, now: Micros) -> Option<Micros> {
    match s {
        Schedule::Rate(every) => Some((now / every + 1) * every),
        Schedule::Cron(c) => c.next_after(now),
        Schedule::At(at) => (*at >= now).then_some(*at),
    }
}

/// EventBridge's six-field cron: minutes hours day-of-month month day-of-week year, in
/// UTC; `*`, `?`, lists, ranges and `/` steps, and the wildcards of the EventBridge user
/// guide: `L` (the month's last day in day-of-month, Saturday in day-of-week; `5L` the
/// month's last Thursday), `W` (`3W` the weekday nearest the 3rd, within the month; `LW`
/// the last weekday) and `#` (`3#2` the month's second Tuesday).
#[derive(Clone, Debug)]
pub(crate) struct Cron {
    /// The time zone its fields are read in (Scheduler's ScheduleExpressionTimezone).
    zone: zone::Zone,
    minutes: Vec<bool>,
    hours: Vec<bool>,
    dom: Option<DaySpec>,
    months: Vec<bool>,
    dow: Option<DaySpec>,
    years: Option<Vec<bool>>,
}

/// A day field: a set of values, or one of the wildcard forms.
#[derive(Clone, Debug)]
enum DaySpec {
    Set(Vec<bool>),
    /// Day-of-month `L`.
    LastDay,
    /// Day-of-month `LW`.
    LastWeekday,
    /// Day-of-month `nW`.
    NearestWeekday(u32),
    /// Day-of-week `d#n`.
    Nth(usize, u32),
    /// Day-of-week `dL`.
    LastOf(usize),
}

/// Days in a month.
fn month_days(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl DaySpec {
    /// Whether day `d` of month `m` of year `y`, a `dow` (1 = Sunday), matches.
    fn matches(&self, y: i64, m: u32, d: u32, dow: usize) -> bool {
        let last = month_days(y, m);
        // Day of week of day `x` of this month, from today's.
        let dow_of = |x: u32| ((dow as i64 - 1 + x as i64 - d as i64).rem_euclid(7) + 1) as usize;
        let weekday = |x: u32| (2..=6).contains(&dow_of(x));
        match self {
            DaySpec::Set(s) => s[if s.len() > 8 { d as usize } else { dow }],
            DaySpec::LastDay => d == last,
            DaySpec::LastWeekday => (1..=last).rev().find(|x| weekday(*x)) == Some(d),
            DaySpec::NearestWeekday(n) => {
                let n = (*n).min(last);
                let target = if weekday(n) {
                    n
                } else if dow_of(n) == 7 {
                    // Saturday: the Friday before, or the Monday after on the 1st.
                    if n > 1 {
                        n - 1
                    } else {
                        n + 2
                    }
                } else if n < last {
                    n + 1
                } else {
                    n - 2
                };
                d == target
            }
            DaySpec::Nth(w, n) => dow == *w && (d - 1) / 7 + 1 == *n,
            DaySpec::LastOf(w) => dow == *w && d + 7 > last,
        }
    }
}

fn field(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Option<Vec<bool>>, String> {
    if text == "?" {
        return Ok(None);
    }
    let mut set = vec![false; hi as usize + 1];
    let value = |v: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            return Ok(lo + i as u32);
        }
        v.parse::<u32>()
            .map_err(|_| format!("'{v}' is not a valid value"))
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("'{s}' is not a step"))?,
            ),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b || step == 0 {
            return Err(format!("'{part}' is outside {lo}–{hi}"));
        }
        let mut x = a;
        while x <= b {
            set[x as usize] = true;
            x += step;
        }
    }
    Ok(Some(set))
}

impl Cron {
    fn parse(body: &str) -> Result<Cron, String> {
        let f: Vec<&str> = body.split_whitespace().collect();
        if f.len() != 6 {
            return Err(format!("cron({body}): EventBridge cron expressions have six fields: minutes hours day-of-month month day-of-week year"));
        }
        let need = |v: Option<Vec<bool>>, what: &str| {
            v.ok_or_else(|| {
                format!(
                    "cron({body}): '?' is only allowed in day-of-month or day-of-week, not {what}"
                )
            })
        };
        let months = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let wrap = |e: String| format!("cron({body}): {e}");
        let c = Cron {
            zone: zone::UTC,
            minutes: need(field(f[0], 0, 59, &[]).map_err(wrap)?, "minutes")?,
            hours: need(field(f[1], 0, 23, &[]).map_err(wrap)?, "hours")?,
            dom: day_of_month(f[2]).map_err(wrap)?,
            months: need(field(f[3], 1, 12, &months).map_err(wrap)?, "month")?,
            dow: day_of_week(f[4], &days).map_err(wrap)?,
            years: match f[5] {
                "*" => None,
                y => field(y, 1970, 2199, &[]).map_err(wrap)?,
            },
        };
        if c.dom.is_some() == c.dow.is_some() {
            return Err(format!(
                "cron({body}): one of day-of-month and day-of-week must be '?'"
            ));
        }
        Ok(c)
    }

    fn next_after(&self, now: Micros) -> Option<Micros> {
        let min_us = 60 * 1_000_000u64;
        let mut t = (now / min_us + 1) * min_us / 1_000_000 / 60; // minutes since epoch
                                                                  // At most ~5 years ahead, day by day when the day does not match.
        let limit = t + 5 * 366 * 24 * 60;
        while t < limit {
            // The fields are read on the zone's wall clock; the loop steps in UTC.
            let local = (t as i64 + self.zone.offset_min(t as i64)).max(0) as u64;
            let days = (local / 1440) as i64;
            let (y, m, d) = civil(days);
            let dow = ((days + 4).rem_euclid(7) + 1) as usize; // 1 = Sunday
            let day_ok = self.months[m as usize]
                && self
                    .years
                    .as_ref()
                    .is_none_or(|ys| ys.get(y as usize).copied().unwrap_or(false))
                && match (&self.dom, &self.dow) {
                    (Some(spec), _) | (_, Some(spec)) => spec.matches(y, m, d, dow),
                    _ => false,
                };
            if !day_ok {
                t += 1440 - local % 1440;
                continue;
            }
            let (h, mi) = ((local % 1440) / 60, local % 60);
            if !self.hours[h as usize] {
                t += 60 - local % 60;
                continue;
            }
            if self.minutes[mi as usize] {
                return Some(t * min_us);
            }
            t += 1;
        }
        None
    }
}

/// A day-of-month field: `?`, `L`, `LW`, `nW`, or a set.
fn day_of_month(text: &str) -> Result<Option<DaySpec>, String> {
    Ok(match text {
        "L" => Some(DaySpec::LastDay),
        "LW" => Some(DaySpec::LastWeekday),
        t if t.ends_with('W') => {
            let n: u32 = t[..t.len() - 1]
                .parse()
                .ok()
                .filter(|n| (1..=31).contains(n))
                .ok_or_else(|| format!("'{t}': W follows a day of the month (1–31)"))?;
            Some(DaySpec::NearestWeekday(n))
        }
        t if t.contains(['L', 'W', '#']) => {
            return Err(format!("'{t}' is not a day-of-month (L, LW, nW or values)"))
        }
        t => field(t, 1, 31, &[])?.map(DaySpec::Set),
    })
}

/// A day-of-week field: `?`, `L` (Saturday), `dL`, `d#n`, or a set (1 = SUN).
fn day_of_week(text: &str, names: &[&str]) -> Result<Option<DaySpec>, String> {
    let day = |v: &str| -> Result<usize, String> {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(v))
            .map(|i| i + 1)
            .or_else(|| v.parse::<usize>().ok().filter(|d| (1..=7).contains(d)))
            .ok_or_else(|| format!("'{v}' is not a day of the week (1–7 or SUN–SAT)"))
    };
    Ok(match text {
        "L" => {
            let mut set = vec![false; 8];
            set[7] = true;
            Some(DaySpec::Set(set))
        }
        t if t.contains('#') => {
            let (d, n) = t.split_once('#').unwrap_or((t, ""));
            let n: u32 = n
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| format!("'{t}': # is followed by 1–5 (the week of the month)"))?;
            Some(DaySpec::Nth(day(d)?, n))
        }
        t if t.len() > 1 && t.ends_with('L') => Some(DaySpec::LastOf(day(&t[..t.len() - 1])?)),
        t if t.contains(['L', 'W']) => {
            return Err(format!("'{t}' is not a day-of-week (L, dL, d#n or values)"))
        }
        t => field(t, 1, 7, names)?.map(DaySpec::Set),
    })
}

use crate::util::civil_from_days as civil;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let Schedule::Rate(r) = parse_schedule("rate(5 minutes)").unwrap() else {
            panic!()
        };
        assert_eq!(r, 300_000_000);
        assert!(parse_schedule("rate(1 minutes)").is_err());
        assert!(parse_schedule("rate(2 minute)").is_err());
        assert!(parse_schedule("rate(1 hour)").is_ok());
        // 12:00 UTC every day; the epoch is a Thursday.
        let c = parse_schedule("cron(0 12 * * ? *)").unwrap();
        assert_eq!(next_fire(&c, 0), Some(12 * 3_600_000_000));
        assert_eq!(next_fire(&c, 12 * 3_600_000_000), Some(36 * 3_600_000_000));
        // 10:15 on weekdays: the first Monday after 1970-01-01 is 1970-01-05.
        let c = parse_schedule("cron(15 10 ? * MON-FRI *)").unwrap();
        assert_eq!(next_fire(&c, 0), Some(((10 * 60 + 15) * 60) * 1_000_000));
        let sat = 2 * 86_400_000_000 + 11 * 3_600_000_000; // Saturday 11:00
        assert_eq!(
            next_fire(&c, sat),
            Some((4 * 86_400 + (10 * 60 + 15) * 60) * 1_000_000)
        );
        assert!(
            parse_schedule("cron(0 12 * * * *)").is_err(),
            "one day field must be ?"
        );
        assert!(parse_schedule("cron(0 12 LX * ? *)").is_err());
    }

    /// Fire times (as (year, month, day)) of a cron from 2026-01-01 on.
    fn days(expr: &str, n: usize) -> Vec<(i64, u32, u32)> {
        let c = parse_schedule(expr).unwrap();
        let mut t = 20_454 * 86_400_000_000; // 2026-01-01T00:00Z
        (0..n)
            .map(|_| {
                t = next_fire(&c, t).unwrap();
                civil((t / 86_400_000_000) as i64)
            })
            .collect()
    }

    #[test]
    fn cron_l_w_and_hash() {
        // The month's last day, including February.
        assert_eq!(days("cron(0 9 L * ? *)", 2), [(2026, 1, 31), (2026, 2, 28)]);
        // The last weekday: 2026-01-31 is a Saturday, so Friday the 30th.
        assert_eq!(days("cron(0 9 LW * ? *)", 1), [(2026, 1, 30)]);
        // Nearest weekday to the 3rd: 2026-01-03 is a Saturday → Friday the 2nd; in May
        // the 3rd is a Sunday → Monday the 4th.
        assert_eq!(days("cron(0 9 3W * ? *)", 1), [(2026, 1, 2)]);
        assert_eq!(days("cron(0 9 3W 5 ? *)", 1), [(2026, 5, 4)]);
        // The second Tuesday (3#2): 2026-01-13, 2026-02-10.
        assert_eq!(
            days("cron(0 9 ? * 3#2 *)", 2),
            [(2026, 1, 13), (2026, 2, 10)]
        );
        // The last Friday (6L): 2026-01-30.
        assert_eq!(days("cron(0 9 ? * 6L *)", 1), [(2026, 1, 30)]);
        // L in day-of-week is Saturday.
        assert_eq!(days("cron(0 9 ? * L *)", 1), [(2026, 1, 3)]);
    }

    #[test]
    fn input_templates() {
        let vals = vec![
            ("name".to_string(), json!("Ana \"A\"")),
            ("n".to_string(), json!(3)),
            ("o".to_string(), json!({"k": 1})),
        ];
        assert_eq!(
            transform(r#"{"who": "<name>", "n": <n>, "o": <o>}"#, &vals),
            r#"{"who": "Ana \"A\"", "n": 3, "o": {"k":1}}"#
        );
        assert_eq!(
            transform("order <n> by <name>", &vals),
            "order 3 by Ana \"A\""
        );
    }
}
