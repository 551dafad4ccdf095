//! AWS Step Functions: state machines from `AWS::Serverless::StateMachine` and
//! `AWS::StepFunctions::StateMachine` (Definition, DefinitionString,
//! DefinitionSubstitutions, STANDARD or EXPRESS), executions in virtual time, and the
//! API: StartExecution (name rules, idempotency), StartSyncExecution (Express),
//! DescribeExecution, ListExecutions, GetExecutionHistory in AWS's event format,
//! StopExecution, SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat,
//! DescribeStateMachine, ListStateMachines and ValidateStateMachineDefinition.
//! The interpreter itself is in `run`; the language (paths, intrinsics, validation) in
//! `crate::asl`.

mod activity;
mod run;

use super::{Event, Outcome, Waiter};
use crate::asl::definition::{self, Machine};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, US_PER_MS};
use crate::template::Model;
use crate::util::req_str;
use run::Run;
pub(crate) use run::{SfnEvent, SfnWaiter};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Express workflows run for at most five minutes.
const EXPRESS_MAX_MS: u64 = 5 * 60 * 1000;
/// Standard workflows run for at most one year.
const STANDARD_MAX_MS: u64 = 366 * 24 * 3_600_000;

#[derive(Default, Clone, Copy)]
struct Metrics {
    started: u64,
    succeeded: u64,
    failed: u64,
    aborted: u64,
    timed_out: u64,
    execution_time_ms: u64,
}

pub(crate) struct StateMachine {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    pub express: bool,
    role_arn: String,
    machine: Machine,
    definition: Value,
    metrics: Metrics,
}

/// What the context object says about an execution, shared by all its runs.
pub(crate) struct ContextBase {
    arn: String,
    name: String,
    role: String,
    start_ms: u64,
    machine_arn: String,
    machine_name: String,
    input: std::rc::Rc<Value>,
}

pub(crate) struct Execution {
    pub arn: String,
    name: String,
    machine: usize,
    input: std::rc::Rc<Value>,
    status: &'static str,
    output: Option<Value>,
    error: Option<String>,
    cause: Option<String>,
    start_ms: u64,
    stop_ms: Option<u64>,
    history: Vec<run::HistoryEvent>,
    /// Who waits for the end: StartSyncExecution callers and `.sync` parent tasks.
    waiters: Vec<Waiter>,
    /// The runs (threads) of this execution.
    runs: Vec<usize>,
    ctx: std::rc::Rc<ContextBase>,
    /// A Distributed Map's child execution: the parent execution, and whether the child
    /// is EXPRESS (its history is not kept by GetExecutionHistory, as on AWS).
    parent: Option<usize>,
    express_child: bool,
    /// This execution's Distributed Map children (aborted with it).
    children: Vec<usize>,
}

impl Execution {
    /// A new running execution of machine `mi`: its ARN, input and start from `ctx`.
    fn running(name: String, machine: usize, ctx: std::rc::Rc<ContextBase>) -> Execution {
        Execution {
            arn: ctx.arn.clone(),
            name,
            machine,
            input: ctx.input.clone(),
            status: "RUNNING",
            output: None,
            error: None,
            cause: None,
            start_ms: ctx.start_ms,
            stop_ms: None,
            history: Vec::new(),
            waiters: Vec::new(),
            runs: Vec::new(),
            ctx,
            parent: None,
            express_child: false,
            children: Vec::new(),
        }
    }
}

pub(crate) struct Sfn {
    pub machines: Vec<StateMachine>,
    pub execs: Vec<Execution>,
    runs: Vec<Run>,
    tokens: BTreeMap<String, usize>,
    /// Execution ARN → index.
    by_arn: BTreeMap<String, usize>,
    /// ARNs, URLs and names of the template's resources → logical id (for the trace).
    names: BTreeMap<String, String>,
    region: String,
    account: String,
    pub activities: Vec<activity::Activity>,
    next_poll: u64,
    /// Distributed Map runs, for DescribeMapRun and ListMapRuns.
    map_runs: Vec<run::MapRunRecord>,
    /// Distributed Map child executions by ARN (GetExecutionHistory).
    child_by_arn: BTreeMap<String, usize>,
}

/// SAM substitutes `${Name}` in every string of the definition.
fn substitute(v: &mut Value, subs: &Map<String, Value>) {
    match v {
        Value::String(s) if s.contains("${") => {
            for (k, x) in subs {
                let with = match x {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                *s = s.replace(&format!("${{{k}}}"), &with);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, subs)),
        Value::Object(o) => o.values_mut().for_each(|x| substitute(x, subs)),
        _ => {}
    }
}

/// The definition of a state machine resource, substitutions applied.
pub fn definition_of(r: &crate::template::Resource) -> Result<Value, TemplateError> {
    let path = format!("Resources.{}.Properties", r.logical_id);
    let p = &r.properties;
    let mut def = if let Some(d) = p.get("Definition") {
        d.clone()
    } else if let Some(s) = p.get("DefinitionString") {
        let text = s.as_str().ok_or_else(|| {
            TemplateError::at(
                format!("{path}.DefinitionString"),
                "DefinitionString must be a string of JSON",
            )
        })?;
        serde_json::from_str(text).map_err(|e| {
            TemplateError::at(
                format!("{path}.DefinitionString"),
                format!("INVALID_JSON_DESCRIPTION: {e}"),
            )
        })?
    } else if p.get("DefinitionUri").is_some() || p.get("DefinitionS3Location").is_some() {
        return Err(TemplateError::at(
            format!("{path}.DefinitionUri"),
            "the definition lives in a file the playground cannot read; paste it under Definition",
        ));
    } else {
        return Err(TemplateError::at(
            format!("{path}.Definition"),
            "a state machine needs a Definition (or DefinitionString)",
        ));
    };
    if let Some(subs) = p.get("DefinitionSubstitutions").and_then(Value::as_object) {
        substitute(&mut def, subs);
    }
    Ok(def)
}

/// `/States/A/Next` → `.States.A.Next`, appended to a template path.
fn pointer_to_path(loc: &str) -> String {
    loc.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!(".{s}"))
        .collect()
}

fn not_found(code: &str, what: &str, arn: &str) -> AwsError {
    AwsError::client(code, format!("{what} Does Not Exist: '{arn}'"))
}

/// Execution names: 1–80 characters, none of whitespace, brackets, wildcards,
/// `"#%\^|~`$&,;:/` or control characters.
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars().count() <= 80
        && !n
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
}

impl Sfn {
    pub fn from_model(
        model: &Model,
        names: BTreeMap<String, String>,
    ) -> Result<Self, TemplateError> {
        let mut machines = Vec::new();
        for r in model.resources.iter().filter(|r| {
            matches!(
                r.resource_type.as_str(),
                "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine"
            )
        }) {
            let base = format!("Resources.{}.Properties", r.logical_id);
            let def = definition_of(r)?;
            let (machine, diags) = definition::read(&def);
            if let Some(d) = diags.iter().find(|d| d.severity == "ERROR") {
                let more = diags.iter().filter(|d| d.severity == "ERROR").count() - 1;
                return Err(TemplateError::at(
                    format!("{base}.Definition{}", pointer_to_path(&d.location)),
                    format!(
                        "{}: {}{}",
                        d.code,
                        d.message,
                        if more > 0 {
                            format!(" (and {more} more; `playground validate-asl` lists them all)")
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
            let ty_key = if r.resource_type == "AWS::Serverless::StateMachine" {
                "Type"
            } else {
                "StateMachineType"
            };
            let ty = r
                .properties
                .get(ty_key)
                .and_then(Value::as_str)
                .unwrap_or("STANDARD");
            if ty != "STANDARD" && ty != "EXPRESS" {
                return Err(TemplateError::at(
                    format!("{base}.{ty_key}"),
                    format!("'{ty}' is not STANDARD or EXPRESS"),
                ));
            }
            let role_arn = r
                .properties
                .get("RoleArn")
                .or(r.properties.get("Role"))
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| {
                    format!(
                        "arn:aws:iam::{}:role/{}-{}Role",
                        model.account, model.stack_name, r.logical_id
                    )
                });
            machines.push(StateMachine {
                logical_id: r.logical_id.clone(),
                name: r.physical_name.clone(),
                arn: format!(
                    "arn:aws:states:{}:{}:stateMachine:{}",
                    model.region, model.account, r.physical_name
                ),
                express: ty == "EXPRESS",
                role_arn,
                machine: machine.expect("no errors, so a machine"),
                definition: def,
                metrics: Metrics::default(),
            });
        }
        Ok(Sfn {
            machines,
            execs: Vec::new(),
            runs: Vec::new(),
            tokens: BTreeMap::new(),
            by_arn: BTreeMap::new(),
            names,
            region: model.region.clone(),
            account: model.account.clone(),
            activities: activity::from_model(model),
            next_poll: 0,
            map_runs: Vec::new(),
            child_by_arn: BTreeMap::new(),
        })
    }

    pub fn find_machine(&self, arn: &str) -> Option<usize> {
        self.machines
            .iter()
            .position(|m| m.arn == arn || m.name == arn)
    }
    fn find_exec(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }
    /// The logical id of the machine an execution ARN belongs to.
    /// The ARN of the state machine whose execution handed out a task token (the
    /// resource `states:SendTaskSuccess` is authorized on).
    pub fn machine_of_token(&self, token: &str) -> Option<&str> {
        let ri = *self.tokens.get(token)?;
        let exec = self.runs.get(ri)?.exec();
        Some(self.machines[self.execs[exec].machine].arn.as_str())
    }

    pub fn machine_of_exec(&self, arn: &str) -> Option<usize> {
        self.find_exec(arn).map(|e| self.execs[e].machine)
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
        waiter: Waiter,
    ) -> Outcome {
        if let Some(out) = self.activity_call(k, action, p, &waiter) {
            return out;
        }
        let r = match action {
            "StartExecution" => self.start(k, caller, p, None),
            "StartSyncExecution" => match self.start(k, caller, p, Some(waiter)) {
                Ok(_) => return Outcome::Pending,
                Err(e) => Err(e),
            },
            "DescribeExecution" => match self.exec_of(p) {
                Ok(e) => Ok(self.describe(e)),
                // A Map Run's child execution.
                Err(err) => p
                    .get("executionArn")
                    .and_then(Value::as_str)
                    .and_then(|a| self.describe_child(a))
                    .ok_or(err),
            },
            "StopExecution" => self.stop(k, p),
            "ListExecutions" => self.list_executions(p),
            "GetExecutionHistory" => self.history_exec(p).map(|e| {
                let mut events: Vec<Value> = self.execs[e]
                    .history
                    .iter()
                    .map(run::HistoryEvent::to_json)
                    .collect();
                if p.get("reverseOrder") == Some(&Value::Bool(true)) {
                    events.reverse();
                }
                json!({ "events": events })
            }),
            "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat" => {
                self.task_callback(k, action, p)
            }
            "DescribeStateMachine" => req_str(p, "stateMachineArn").and_then(|a| {
                let mi = self
                    .find_machine(a)
                    .ok_or_else(|| not_found("StateMachineDoesNotExist", "State Machine", a))?;
                let m = &self.machines[mi];
                Ok(json!({
                    "stateMachineArn": m.arn, "name": m.name, "status": "ACTIVE",
                    "definition": m.definition.to_string(), "roleArn": m.role_arn,
                    "type": if m.express { "EXPRESS" } else { "STANDARD" }, "creationDate": 0,
                }))
            }),
            "ListStateMachines" => Ok(json!({"stateMachines": self.machines.iter().map(|m| json!({
                "stateMachineArn": m.arn, "name": m.name,
                "type": if m.express { "EXPRESS" } else { "STANDARD" }, "creationDate": 0,
            })).collect::<Vec<_>>()})),
            "TestState" => self.test_state(k, p),
            "DescribeMapRun" => self.describe_map_run(p),
            "ListMapRuns" => self.list_map_runs(p),
            "ValidateStateMachineDefinition" => {
                let def = p.get("definition").cloned().unwrap_or(Value::Null);
                let (_, diags) = definition::read(&def);
                let fail = diags.iter().any(|d| d.severity == "ERROR");
                Ok(
                    json!({"result": if fail { "FAIL" } else { "OK" }, "diagnostics": diags, "truncated": false}),
                )
            }
            other => Err(crate::services::unsupported("states", other)),
        };
        Outcome::Done(r)
    }

    /// TestState: one state (or `stateName` of a whole definition) on a given input,
    /// with every data-flow stage in `inspectionData`.
    fn test_state(&self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let parse = |key: &str| -> Result<Value, AwsError> {
            match p.get(key) {
                Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
                    AwsError::client("InvalidDefinition", format!("{key} is not JSON: {e}"))
                }),
                Some(other) => Ok(other.clone()),
                None => Ok(json!({})),
            }
        };
        let def = parse("definition")?;
        let input = parse("input")?;
        let state = match def.get("States") {
            Some(states) => {
                let name = p
                    .get("stateName")
                    .and_then(Value::as_str)
                    .or(def.get("StartAt").and_then(Value::as_str))
                    .unwrap_or("");
                let st = states.get(name).ok_or_else(|| {
                    AwsError::client("InvalidDefinition", format!("no state named '{name}'"))
                })?;
                crate::asl::teststate::with_machine_language(&def, st)
            }
            None => def,
        };
        crate::asl::teststate::run(&state, &input, p.get("mock"), k.rng.next_u64())
            .map_err(|e| AwsError::client("InvalidDefinition", e))
    }

    /// The execution whose history is asked for: also a Distributed Map's STANDARD child.
    fn history_exec(&self, p: &Value) -> Result<usize, AwsError> {
        let arn = req_str(p, "executionArn")?;
        match self.child_by_arn.get(arn) {
            Some(&c) if self.execs[c].express_child => Err(AwsError::client(
                "InvalidArn",
                format!("Invalid Arn: 'Resource type not valid in this context: express' ({arn})"),
            )),
            Some(&c) => Ok(c),
            None => self.exec_of(p),
        }
    }

    fn exec_of(&self, p: &Value) -> Result<usize, AwsError> {
        let arn = req_str(p, "executionArn")?;
        self.find_exec(arn)
            .ok_or_else(|| not_found("ExecutionDoesNotExist", "Execution", arn))
    }

    fn start(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
        sync: Option<Waiter>,
    ) -> Result<Value, AwsError> {
        let arn = req_str(p, "stateMachineArn")?;
        let mi = self
            .find_machine(arn)
            .ok_or_else(|| not_found("StateMachineDoesNotExist", "State Machine", arn))?;
        if sync.is_some() && !self.machines[mi].express {
            return Err(AwsError::client(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            ));
        }
        let input_text = match p.get("input") {
            None | Some(Value::Null) => "{}".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let input: Value = serde_json::from_str(&input_text).map_err(|e| {
            AwsError::client(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{e}'"),
            )
        })?;
        if input_text.len() > crate::asl::MAX_PAYLOAD {
            return Err(AwsError::client(
                "InvalidExecutionInput",
                "Invalid State Machine Execution Input: 'The input exceeds the maximum of 262144 characters'",
            ));
        }
        let name = match p.get("name").and_then(Value::as_str) {
            Some(n) => {
                if !valid_name(n) {
                    return Err(AwsError::client(
                        "InvalidName",
                        format!("Invalid Name: '{n}'"),
                    ));
                }
                n.to_string()
            }
            None => k.rng.uuid(),
        };
        let m = &self.machines[mi];
        let exec_arn = if m.express {
            format!(
                "arn:aws:states:{}:{}:express:{}:{}:{}",
                self.region,
                m.arn.split(':').nth(4).unwrap_or(""),
                m.name,
                name,
                k.rng.uuid()
            )
        } else {
            m.arn.replacen(":stateMachine:", ":execution:", 1) + ":" + &name
        };
        if let Some(e) = self.find_exec(&exec_arn) {
            // Idempotent for a running execution started with the same input.
            let ex = &self.execs[e];
            if ex.status == "RUNNING" && *ex.input == input {
                return Ok(json!({"executionArn": ex.arn, "startDate": ex.start_ms}));
            }
            return Err(AwsError::client(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{exec_arn}'"),
            ));
        }
        let ei = self.execs.len();
        self.by_arn.insert(exec_arn.clone(), ei);
        let now = k.now_ms();
        let shared_input = std::rc::Rc::new(input.clone());
        let ctx = std::rc::Rc::new(ContextBase {
            arn: exec_arn.clone(),
            name: name.clone(),
            role: self.machines[mi].role_arn.clone(),
            start_ms: now,
            machine_arn: self.machines[mi].arn.clone(),
            machine_name: self.machines[mi].name.clone(),
            input: shared_input.clone(),
        });
        let mut ex = Execution::running(name, mi, ctx);
        ex.waiters = sync.into_iter().collect();
        self.execs.push(ex);
        self.machines[mi].metrics.started += 1;
        let lid = self.machines[mi].logical_id.clone();
        k.record(
            crate::trace::TraceKind::Delivery,
            caller,
            &lid,
            format!("execution {} started", self.execs[ei].name),
            json!({"executionArn": exec_arn}),
        );
        let role = self.machines[mi].role_arn.clone();
        let detail = run::Detail::Started {
            input: crate::util::json_text(&input),
            role,
        };
        let id = self.push_event(k, ei, 0, "ExecutionStarted", detail);
        let limit = match (
            self.machines[mi].machine.timeout_s,
            self.machines[mi].express,
        ) {
            (Some(t), true) => (t * 1000).min(EXPRESS_MAX_MS),
            (Some(t), false) => t * 1000,
            (None, true) => EXPRESS_MAX_MS,
            (None, false) => STANDARD_MAX_MS,
        };
        // Timers are idle events: a run that only waits for them is idle unless
        // `has_deadlines` says a timer will change an execution's fate.
        k.schedule_idle(
            limit * US_PER_MS,
            Event::Sfn(SfnEvent::ExecTimeout { exec: ei }),
        );
        let root = self.machines[mi].machine.root.clone();
        self.spawn(k, ei, root, input, None, id, BTreeMap::new(), None);
        Ok(json!({"executionArn": exec_arn, "startDate": now}))
    }

    fn stop(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let e = self.exec_of(p)?;
        if self.execs[e].status == "RUNNING" {
            let error = p.get("error").and_then(Value::as_str).map(String::from);
            let cause = p.get("cause").and_then(Value::as_str).map(String::from);
            self.finish_exec(k, e, "ABORTED", None, error, cause);
        }
        Ok(json!({"stopDate": self.execs[e].stop_ms}))
    }

    fn list_executions(&self, p: &Value) -> Result<Value, AwsError> {
        if let Some(run) = p.get("mapRunArn").and_then(Value::as_str) {
            return self.list_children(run, p.get("statusFilter").and_then(Value::as_str));
        }
        let arn = req_str(p, "stateMachineArn")?;
        let mi = self
            .find_machine(arn)
            .ok_or_else(|| not_found("StateMachineDoesNotExist", "State Machine", arn))?;
        let filter = p.get("statusFilter").and_then(Value::as_str);
        let list: Vec<Value> = self
            .execs
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, e)| {
                e.machine == mi && e.parent.is_none() && filter.is_none_or(|f| f == e.status)
            })
            .map(|(i, e)| {
                json!({"executionArn": e.arn, "stateMachineArn": self.machines[mi].arn, "name": e.name,
                       "status": e.status, "startDate": e.start_ms, "stopDate": self.execs[i].stop_ms})
            })
            .collect();
        Ok(json!({ "executions": list }))
    }

    /// DescribeExecution's fields (dates in virtual epoch milliseconds).
    pub fn describe(&self, e: usize) -> Value {
        let ex = &self.execs[e];
        let mut o = Map::new();
        o.insert("executionArn".into(), json!(ex.arn));
        o.insert(
            "stateMachineArn".into(),
            json!(self.machines[ex.machine].arn),
        );
        o.insert("name".into(), json!(ex.name));
        o.insert("status".into(), json!(ex.status));
        o.insert("startDate".into(), json!(ex.start_ms));
        o.insert("stopDate".into(), json!(ex.stop_ms));
        o.insert("input".into(), json!(ex.input.to_string()));
        o.insert("inputDetails".into(), json!({"included": true}));
        o.insert(
            "output".into(),
            json!(ex.output.as_ref().map(Value::to_string)),
        );
        if ex.output.is_some() {
            o.insert("outputDetails".into(), json!({"included": true}));
        }
        o.insert("error".into(), json!(ex.error));
        o.insert("cause".into(), json!(ex.cause));
        Value::Object(o)
    }

    fn task_callback(
        &mut self,
        k: &mut Kernel<Event>,
        action: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let token = req_str(p, "taskToken")?;
        let Some(&ri) = self.tokens.get(token) else {
            return Err(AwsError::client(
                "TaskDoesNotExist",
                "Provided task does not exist anymore",
            ));
        };
        if !self.runs[ri].waiting_for_token(token) {
            self.tokens.remove(token);
            return Err(AwsError::client(
                "TaskTimedOut",
                "Task Timed Out: 'Provided task has timed out'",
            ));
        }
        match action {
            "SendTaskHeartbeat" => self.heartbeat(k, ri),
            "SendTaskSuccess" => {
                let text = req_str(p, "output")?;
                let output: Value = serde_json::from_str(text).map_err(|e| {
                    AwsError::client("InvalidOutput", format!("Invalid Output: '{e}'"))
                })?;
                self.tokens.remove(token);
                self.token_result(k, ri, Ok(output));
            }
            _ => {
                let error = p
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let cause = p
                    .get("cause")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.tokens.remove(token);
                self.token_result(k, ri, Err(crate::asl::Failure { error, cause }));
            }
        }
        Ok(json!({}))
    }

    /// The report entry for one state machine: its executions (DescribeExecution fields
    /// plus the history) and CloudWatch metrics.
    pub fn report(&self, mi: usize) -> Value {
        let execs: Vec<Value> = self
            .execs
            .iter()
            .enumerate()
            .filter(|(_, e)| e.machine == mi && e.parent.is_none())
            .map(|(i, e)| {
                let mut d = self.describe(i);
                d["history"] = e.history.iter().map(run::HistoryEvent::to_json).collect();
                d
            })
            .collect();
        let m = self.machines[mi].metrics;
        json!({
            "metrics": {
                "ExecutionsStarted": m.started, "ExecutionsSucceeded": m.succeeded,
                "ExecutionsFailed": m.failed, "ExecutionsAborted": m.aborted,
                "ExecutionsTimedOut": m.timed_out, "ExecutionTime": m.execution_time_ms,
            },
            "executions": execs,
        })
    }

    /// True while a running execution waits on a timer that will end the wait: a Task's
    /// TimeoutSeconds or HeartbeatSeconds, or the limit of an Express workflow or of a
    /// definition with TimeoutSeconds. (A Standard execution waiting for a task token
    /// with no timer is idle: only its one-year limit would end it.)
    pub fn has_deadlines(&self) -> bool {
        self.runs.iter().any(|r| r.has_deadline())
            || self.execs.iter().any(|e| {
                e.status == "RUNNING"
                    && (self.machines[e.machine].express
                        || self.machines[e.machine].machine.timeout_s.is_some())
            })
    }

    /// The newest `n` executions of a machine, for the executions panel: ARN, name,
    /// status and how many history events exist (the page fetches the history itself).
    pub fn recent(&self, mi: usize, n: usize) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .execs
            .iter()
            .filter(|e| e.machine == mi && e.parent.is_none())
            .rev()
            .take(n)
            .map(|e| json!({"executionArn": e.arn, "name": e.name, "status": e.status, "events": e.history.len()}))
            .collect();
        out.reverse();
        out
    }

    /// Running executions per machine, for the canvas badge.
    pub fn running(&self, mi: usize) -> usize {
        self.execs
            .iter()
            .filter(|e| e.machine == mi && e.parent.is_none() && e.status == "RUNNING")
            .count()
    }
}
