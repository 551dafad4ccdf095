//! A state machine definition, read and checked as `ValidateStateMachineDefinition`
//! does: every problem becomes a diagnostic with AWS's code and the JSON location of
//! the field (`/States/Check/Choices/0/Next`), and a definition with no errors becomes a
//! typed [`Machine`] the interpreter runs. Unknown fields, missing transitions, states
//! nothing reaches, a missing terminal state, bad paths and bad intrinsic calls are all
//! reported at once, never one per attempt.

use super::intrinsics;
use super::path::Path;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub location: String,
}

/// A path field: absent (the default `$`), `null`, or a path.
#[derive(Clone, Debug, PartialEq)]
pub enum PathField {
    Default,
    Null,
    Path(Path),
}

#[derive(Clone, Debug)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub interval_s: f64,
    pub max_attempts: u32,
    pub backoff: f64,
    pub max_delay_s: Option<f64>,
    pub full_jitter: bool,
}

#[derive(Clone, Debug)]
pub struct Catcher {
    pub errors: Vec<String>,
    pub next: String,
    pub result_path: PathField,
    /// JSONata: the catcher's Output (default `$states.errorOutput`) and Assign.
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

#[derive(Clone, Debug)]
pub enum WaitFor {
    Seconds(f64),
    Timestamp(String),
    SecondsPath(Path),
    TimestampPath(Path),
    /// JSONata: `Seconds` or `Timestamp` given as an expression.
    Expr {
        seconds: bool,
        value: Value,
    },
}

// A definition holds a handful of states: the Map variant's size costs nothing that
// boxing it would save.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: String,
        timeout_s: Option<u64>,
        timeout_path: Option<Path>,
        heartbeat_s: Option<u64>,
    },
    Choice {
        choices: Vec<Value>,
        default: Option<String>,
    },
    Wait(WaitFor),
    Succeed,
    Fail {
        error: Option<String>,
        cause: Option<String>,
        error_path: Option<String>,
        cause_path: Option<String>,
    },
    Parallel {
        branches: Vec<Rc<States>>,
    },
    Map {
        processor: Rc<States>,
        items_path: PathField,
        item_selector: Option<Value>,
        max_concurrency: u64,
        max_concurrency_path: Option<Path>,
        distributed: bool,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
        /// ItemReader: items from an S3 object (JSON, JSONL, CSV) or an object listing.
        item_reader: Option<Value>,
        /// Distributed only: ItemBatcher groups items into batches, one child each.
        item_batcher: Option<Value>,
        /// Distributed only: ResultWriter shapes the results and may export them to S3.
        result_writer: Option<Value>,
        /// The Map Run's name part: `Label`, or the state's name.
        label: String,
        /// Distributed: the children are Express workflows (ProcessorConfig.ExecutionType).
        express_children: bool,
    },
}

#[derive(Clone, Debug)]
pub struct State {
    pub name: String,
    pub kind: Kind,
    pub type_name: String,
    pub next: Option<String>,
    pub input_path: PathField,
    pub output_path: PathField,
    pub result_path: PathField,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    pub assign: Option<Value>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// The state's query language is JSONata: Arguments and Output replace the five
    /// JSONPath fields, and `raw` keeps the fields that may hold expressions.
    pub jsonata: bool,
    pub arguments: Option<Value>,
    pub output: Option<Value>,
    pub raw: Rc<Map<String, Value>>,
}

/// One `States` object with its `StartAt`: the machine, a Parallel branch or a Map's
/// item processor.
#[derive(Clone, Debug)]
pub struct States {
    pub start_at: String,
    pub states: Vec<State>,
    pub index: BTreeMap<String, usize>,
}

impl States {
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

#[derive(Clone, Debug)]
pub struct Machine {
    pub root: Rc<States>,
    pub timeout_s: Option<u64>,
    pub comment: Option<String>,
}

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];
fn allowed(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "Pass" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Result",
            "Assign",
        ],
        "Task" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        "Choice" => &["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Assign",
        ],
        "Succeed" => &["InputPath", "OutputPath"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Branches",
            "Assign",
        ],
        "Map" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "ItemsPath",
            "ItemSelector",
            "Iterator",
            "ItemProcessor",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentagePath",
            "Label",
            "Assign",
        ],
        _ => return None,
    })
}

/// The Task resources the playground can run, by ARN shape.
pub fn resource_is_known(r: &str) -> bool {
    let parts: Vec<&str> = r.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return false;
    }
    match parts[2] {
        "lambda" => parts[5] == "function",
        "states" => parts[5] == "activity" || parts[3].is_empty(),
        _ => false,
    }
}

struct Checker {
    diags: Vec<Diagnostic>,
    names: BTreeSet<String>,
}

impl Checker {
    fn error(&mut self, code: &'static str, loc: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic {
            severity: "ERROR",
            code,
            message: msg.into(),
            location: loc.to_string(),
        });
    }
    fn schema(&mut self, loc: &str, msg: impl Into<String>) {
        self.error("SCHEMA_VALIDATION_FAILED", loc, msg)
    }
}

/// Reads a definition (a JSON value or text). Diagnostics are returned with the
/// machine; the machine is `None` when any diagnostic is an error.
pub fn read(def: &Value) -> (Option<Machine>, Vec<Diagnostic>) {
    let mut c = Checker {
        diags: Vec::new(),
        names: BTreeSet::new(),
    };
    let def = match def {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(e) => {
                c.error("INVALID_JSON_DESCRIPTION", "", format!("Invalid JSON: {e}"));
                return (None, c.diags);
            }
        },
        v => v.clone(),
    };
    let Some(obj) = def.as_object() else {
        c.error(
            "MISSING_DESCRIPTION",
            "",
            "The definition must be a JSON object",
        );
        return (None, c.diags);
    };
    let jsonata = match obj.get("QueryLanguage") {
        None => false,
        Some(v) => match v.as_str() {
            Some("JSONata") => true,
            Some("JSONPath") => false,
            _ => {
                c.schema(
                    "/QueryLanguage",
                    "QueryLanguage must be JSONPath or JSONata",
                );
                false
            }
        },
    };
    for k in obj.keys() {
        if ![
            "StartAt",
            "States",
            "Comment",
            "Version",
            "TimeoutSeconds",
            "QueryLanguage",
        ]
        .contains(&k.as_str())
        {
            c.schema(&format!("/{k}"), format!("Field {k} is not supported"));
        }
    }
    let timeout_s = uint(&mut c, obj.get("TimeoutSeconds"), "/TimeoutSeconds");
    let root = states(&mut c, &def, "", jsonata);
    let machine = root.map(|root| Machine {
        root: Rc::new(root),
        timeout_s,
        comment: obj.get("Comment").and_then(Value::as_str).map(String::from),
    });
    let failed = c.diags.iter().any(|d| d.severity == "ERROR");
    (if failed { None } else { machine }, c.diags)
}

fn uint(c: &mut Checker, v: Option<&Value>, loc: &str) -> Option<u64> {
    match v {
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) => Some(n),
            None => {
                c.schema(
                    loc,
                    format!(
                        "{} must be a positive integer",
                        &loc[loc.rfind('/').unwrap_or(0) + 1..]
                    ),
                );
                None
            }
        },
    }
}

fn states(c: &mut Checker, def: &Value, base: &str, jsonata: bool) -> Option<States> {
    let start_at = def.get("StartAt").and_then(Value::as_str);
    if start_at.is_none() {
        c.schema(
            &format!("{base}/StartAt"),
            "These fields are required: [StartAt]",
        );
    }
    let Some(map) = def.get("States").and_then(Value::as_object) else {
        c.schema(
            &format!("{base}/States"),
            "These fields are required: [States] (an object of states)",
        );
        return None;
    };
    if map.is_empty() {
        c.schema(
            &format!("{base}/States"),
            "States must contain at least one state",
        );
    }
    let mut out = Vec::new();
    for (name, sv) in map {
        let loc = format!("{base}/States/{name}");
        if !c.names.insert(name.clone()) {
            c.error(
                "DUPLICATE_STATE_NAME",
                &loc,
                format!("Duplicate State name: {name}"),
            );
        }
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            c.error(
                "INVALID_STATE_NAME",
                &loc,
                "A state name must be 1 to 80 characters without control characters",
            );
        }
        if let Some(s) = state(c, name, sv, &loc, jsonata) {
            out.push(s);
        }
    }
    let index: BTreeMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    let start_at = start_at.unwrap_or_default().to_string();
    if !start_at.is_empty() && !map.contains_key(&start_at) {
        c.error(
            "MISSING_TRANSITION_TARGET",
            &format!("{base}/StartAt"),
            format!("Missing 'Next' target: {start_at}"),
        );
    }
    // Transitions point at states of this same States object.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut terminal = false;
    for s in &out {
        let loc = format!("{base}/States/{}", s.name);
        let mut targets: Vec<(String, &str)> = Vec::new();
        if let Some(n) = &s.next {
            targets.push((format!("{loc}/Next"), n));
        }
        if let Kind::Choice { choices, default } = &s.kind {
            for (i, ch) in choices.iter().enumerate() {
                if let Some(n) = ch.get("Next").and_then(Value::as_str) {
                    targets.push((format!("{loc}/Choices/{i}/Next"), n));
                }
            }
            if let Some(d) = default {
                targets.push((format!("{loc}/Default"), d));
            }
        }
        for (i, ct) in s.catch.iter().enumerate() {
            targets.push((format!("{loc}/Catch/{i}/Next"), &ct.next));
        }
        for (l, t) in &targets {
            if !index.contains_key(*t) {
                c.error(
                    "MISSING_TRANSITION_TARGET",
                    l,
                    format!("Missing 'Next' target: {t}"),
                );
            }
        }
        edges.insert(&s.name, targets.iter().map(|(_, t)| *t).collect());
        if s.next.is_none() && !matches!(s.kind, Kind::Choice { .. }) {
            terminal = true;
        }
    }
    if !out.is_empty() && !terminal {
        c.error(
            "MISSING_END_STATE",
            &format!("{base}/States"),
            "Workflow has no terminal state",
        );
    }
    // Every state must be reachable from StartAt.
    let mut seen = BTreeSet::new();
    let mut todo = vec![start_at.as_str()];
    while let Some(n) = todo.pop() {
        if seen.insert(n) {
            todo.extend(edges.get(n).into_iter().flatten().copied());
        }
    }
    if index.contains_key(&start_at) {
        for s in &out {
            if !seen.contains(s.name.as_str()) {
                c.error(
                    "UNREACHABLE_STATE",
                    &format!("{base}/States/{}", s.name),
                    format!("State \"{}\" is not reachable", s.name),
                );
            }
        }
    }
    Some(States {
        start_at,
        states: out,
        index,
    })
}

fn path_field(
    c: &mut Checker,
    o: &Map<String, Value>,
    key: &str,
    loc: &str,
    reference: bool,
) -> PathField {
    match o.get(key) {
        None => PathField::Default,
        Some(Value::Null) => PathField::Null,
        Some(Value::String(s)) => {
            let parsed = if reference {
                Path::parse_reference(s)
            } else {
                Path::parse(s)
            };
            match parsed {
                Ok(p) => PathField::Path(p),
                Err(e) => {
                    c.schema(
                        &format!("{loc}/{key}"),
                        format!(
                            "The value for the field '{key}' must be a valid {}: {e}",
                            if reference {
                                "reference path"
                            } else {
                                "JSONPath"
                            }
                        ),
                    );
                    PathField::Default
                }
            }
        }
        Some(_) => {
            c.schema(
                &format!("{loc}/{key}"),
                format!("{key} must be a string or null"),
            );
            PathField::Default
        }
    }
}

/// Checks a payload template (Parameters, ResultSelector, ItemSelector, Assign): every
/// `.$` field holds a path or an intrinsic call.
fn template(c: &mut Checker, v: &Value, loc: &str) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let l = format!("{loc}/{k}");
                if k.ends_with(".$") {
                    let Some(s) = x.as_str() else {
                        c.schema(&l, format!("The value for the field '{k}' must be a STRING that contains a JSONPath or an intrinsic function"));
                        continue;
                    };
                    let ok = if intrinsics::is_call(s) {
                        intrinsics::parse(s).err()
                    } else {
                        Path::parse(s).err()
                    };
                    if let Some(e) = ok {
                        c.schema(&l, format!("The value for the field '{k}' must be a valid JSONPath or a valid intrinsic function call: {e}"));
                    }
                } else {
                    template(c, x, &l);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                template(c, x, &format!("{loc}/{i}"));
            }
        }
        _ => {}
    }
}

fn error_list(c: &mut Checker, v: &Value, loc: &str, is_last: bool) -> Vec<String> {
    let Some(list) = v.get("ErrorEquals").and_then(Value::as_array) else {
        c.schema(loc, "These fields are required: [ErrorEquals]");
        return Vec::new();
    };
    if list.is_empty() {
        c.schema(
            &format!("{loc}/ErrorEquals"),
            "ErrorEquals must not be empty",
        );
    }
    let errors: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect();
    if errors.iter().any(|e| e == "States.ALL") && (errors.len() > 1 || !is_last) {
        c.schema(
            &format!("{loc}/ErrorEquals"),
            "States.ALL must appear alone in the last retrier or catcher",
        );
    }
    errors
}

/// Fields only JSONPath states have, and what a JSONata state uses instead.
const JSONPATH_ONLY: &[(&str, &str)] = &[
    ("InputPath", "$states.input in Arguments or Output"),
    ("OutputPath", "Output"),
    ("ResultPath", "Output (with $states.result) or Assign"),
    ("Parameters", "Arguments"),
    ("ResultSelector", "Output"),
    ("Result", "Output"),
    ("ItemsPath", "Items"),
    ("TimeoutSecondsPath", "an expression in TimeoutSeconds"),
    ("HeartbeatSecondsPath", "an expression in HeartbeatSeconds"),
    ("SecondsPath", "an expression in Seconds"),
    ("TimestampPath", "an expression in Timestamp"),
    ("ErrorPath", "an expression in Error"),
    ("CausePath", "an expression in Cause"),
    ("MaxConcurrencyPath", "an expression in MaxConcurrency"),
    (
        "ToleratedFailureCountPath",
        "an expression in ToleratedFailureCount",
    ),
    (
        "ToleratedFailurePercentagePath",
        "an expression in ToleratedFailurePercentage",
    ),
];

fn is_expr(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .and_then(super::query::expr_text)
        .is_some()
}

fn state(c: &mut Checker, name: &str, v: &Value, loc: &str, top_jsonata: bool) -> Option<State> {
    let Some(o) = v.as_object() else {
        c.schema(loc, "A state must be an object");
        return None;
    };
    let Some(ty) = o.get("Type").and_then(Value::as_str) else {
        c.schema(loc, "These fields are required: [Type]");
        return None;
    };
    let Some(fields) = allowed(ty) else {
        c.schema(&format!("{loc}/Type"), format!("'{ty}' is not a state type (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)"));
        return None;
    };
    let jsonata = match o.get("QueryLanguage").map(|v| v.as_str()) {
        None => top_jsonata,
        Some(Some("JSONata")) => true,
        Some(Some("JSONPath")) if top_jsonata => {
            c.schema(
                &format!("{loc}/QueryLanguage"),
                "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
            );
            true
        }
        Some(Some("JSONPath")) => false,
        _ => {
            c.schema(
                &format!("{loc}/QueryLanguage"),
                "QueryLanguage must be JSONPath or JSONata",
            );
            top_jsonata
        }
    };
    let jsonata_fields: &[&str] = match ty {
        "Task" | "Parallel" => &["Arguments", "Output"],
        "Map" => &["Arguments", "Output", "Items"],
        "Fail" => &[],
        _ => &["Output"],
    };
    for k in o.keys() {
        let k = k.as_str();
        if jsonata {
            if let Some((_, instead)) = JSONPATH_ONLY.iter().find(|(f, _)| *f == k) {
                c.schema(&format!("{loc}/{k}"), format!("The field '{k}' is not supported when QueryLanguage is JSONata; use {instead}"));
                continue;
            }
            if jsonata_fields.contains(&k) || (ty == "Map" && k == "Arguments") {
                continue;
            }
        } else if ["Arguments", "Output", "Items"].contains(&k) {
            c.schema(
                &format!("{loc}/{k}"),
                format!("The field '{k}' is supported only when QueryLanguage is JSONata"),
            );
            continue;
        }
        if !fields.contains(&k) && !COMMON.contains(&k) {
            c.schema(
                &format!("{loc}/{k}"),
                format!("Field '{k}' is not supported in a {ty} state"),
            );
        }
    }
    if jsonata {
        for (k, x) in o {
            if ![
                "Choices",
                "Catch",
                "Branches",
                "ItemProcessor",
                "Iterator",
                "Retry",
            ]
            .contains(&k.as_str())
            {
                super::query::check(x, &format!("{loc}/{k}"), &mut |l, m| c.schema(l, m));
            }
        }
        if let Some(a) = o.get("Assign") {
            if !a.is_object() {
                c.schema(&format!("{loc}/Assign"), "Assign must be an object");
            }
        }
    }
    let next = o.get("Next").and_then(Value::as_str).map(String::from);
    let end = o.get("End").and_then(Value::as_bool).unwrap_or(false);
    let transitions = !matches!(ty, "Choice" | "Succeed" | "Fail");
    if transitions && next.is_some() == end {
        c.schema(
            loc,
            if end {
                "A state cannot have both 'Next' and 'End'"
            } else {
                "A state must have either 'Next' or \"End\": true"
            },
        );
    }
    for key in ["Parameters", "ResultSelector", "Assign"] {
        if jsonata {
            break;
        }
        if let Some(t) = o.get(key) {
            if !t.is_object() && key != "Parameters" {
                c.schema(&format!("{loc}/{key}"), format!("{key} must be an object"));
            }
            template(c, t, &format!("{loc}/{key}"));
        }
    }
    let mut retry = Vec::new();
    if let Some(list) = o.get("Retry") {
        let arr = list.as_array().cloned().unwrap_or_default();
        for (i, r) in arr.iter().enumerate() {
            let l = format!("{loc}/Retry/{i}");
            let errors = error_list(c, r, &l, i + 1 == arr.len());
            let num = |k: &str| r.get(k).and_then(Value::as_f64);
            let interval_s = num("IntervalSeconds").unwrap_or(1.0);
            let max_attempts = num("MaxAttempts").unwrap_or(3.0);
            let backoff = num("BackoffRate").unwrap_or(2.0);
            if interval_s < 1.0 || interval_s.fract() != 0.0 || interval_s > 99_999_999.0 {
                c.schema(
                    &format!("{l}/IntervalSeconds"),
                    "IntervalSeconds must be a whole number from 1 to 99999999",
                );
            }
            if !(0.0..=99_999_999.0).contains(&max_attempts) || max_attempts.fract() != 0.0 {
                c.schema(
                    &format!("{l}/MaxAttempts"),
                    "MaxAttempts must be a whole number from 0 to 99999999",
                );
            }
            if backoff < 1.0 {
                c.schema(
                    &format!("{l}/BackoffRate"),
                    "BackoffRate must be at least 1.0",
                );
            }
            let max_delay_s = num("MaxDelaySeconds");
            if max_delay_s.is_some_and(|m| !(1.0..=31_622_400.0).contains(&m)) {
                c.schema(
                    &format!("{l}/MaxDelaySeconds"),
                    "MaxDelaySeconds must be from 1 to 31622400",
                );
            }
            let jitter = r
                .get("JitterStrategy")
                .and_then(Value::as_str)
                .unwrap_or("NONE");
            if jitter != "FULL" && jitter != "NONE" {
                c.schema(
                    &format!("{l}/JitterStrategy"),
                    "JitterStrategy must be FULL or NONE",
                );
            }
            retry.push(Retrier {
                errors,
                interval_s,
                max_attempts: max_attempts as u32,
                backoff,
                max_delay_s,
                full_jitter: jitter == "FULL",
            });
        }
    }
    let mut catch = Vec::new();
    if let Some(list) = o.get("Catch") {
        let arr = list.as_array().cloned().unwrap_or_default();
        for (i, r) in arr.iter().enumerate() {
            let l = format!("{loc}/Catch/{i}");
            let errors = error_list(c, r, &l, i + 1 == arr.len());
            let Some(next) = r.get("Next").and_then(Value::as_str) else {
                c.schema(&l, "These fields are required: [Next]");
                continue;
            };
            let rp = r
                .as_object()
                .map(|ro| path_field(c, ro, "ResultPath", &l, true))
                .unwrap_or(PathField::Default);
            if jsonata {
                if r.get("ResultPath").is_some() {
                    c.schema(&format!("{l}/ResultPath"), "The field 'ResultPath' is not supported when QueryLanguage is JSONata; use Output (with $states.errorOutput) or Assign");
                }
                for k in ["Output", "Assign"] {
                    if let Some(x) = r.get(k) {
                        super::query::check(x, &format!("{l}/{k}"), &mut |l, m| c.schema(l, m));
                    }
                }
            } else if r.get("Output").is_some() {
                c.schema(
                    &format!("{l}/Output"),
                    "The field 'Output' is supported only when QueryLanguage is JSONata",
                );
            }
            catch.push(Catcher {
                errors,
                next: next.to_string(),
                result_path: rp,
                output: r.get("Output").cloned(),
                assign: r.get("Assign").cloned(),
            });
        }
    }
    let kind = match ty {
        "Pass" => Kind::Pass {
            result: o.get("Result").cloned(),
        },
        "Task" => {
            let resource = o.get("Resource").and_then(Value::as_str).unwrap_or("");
            if resource.is_empty() {
                c.schema(loc, "These fields are required: [Resource]");
            } else if !resource_is_known(resource) {
                c.error("INVALID_RESOURCE", &format!("{loc}/Resource"), format!("The resource '{resource}' is not a Lambda function ARN or an arn:aws:states::: integration"));
            }
            let literal = |k: &str| o.get(k).filter(|v| !(jsonata && is_expr(Some(v))));
            let timeout_s = uint(
                c,
                literal("TimeoutSeconds"),
                &format!("{loc}/TimeoutSeconds"),
            );
            let heartbeat_s = uint(
                c,
                literal("HeartbeatSeconds"),
                &format!("{loc}/HeartbeatSeconds"),
            );
            if let (Some(t), Some(h)) = (timeout_s, heartbeat_s) {
                if h >= t {
                    c.schema(
                        &format!("{loc}/HeartbeatSeconds"),
                        "HeartbeatSeconds must be smaller than TimeoutSeconds",
                    );
                }
            }
            let timeout_path = match path_field(c, o, "TimeoutSecondsPath", loc, true) {
                PathField::Path(p) => Some(p),
                _ => None,
            };
            Kind::Task {
                resource: resource.to_string(),
                timeout_s,
                timeout_path,
                heartbeat_s,
            }
        }
        "Choice" => {
            let choices = o
                .get("Choices")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if choices.is_empty() {
                c.schema(loc, "A Choice state must have a non-empty Choices array");
            }
            for (i, ch) in choices.iter().enumerate() {
                let l = format!("{loc}/Choices/{i}");
                if ch.get("Next").and_then(Value::as_str).is_none() {
                    c.schema(&l, "These fields are required: [Next]");
                }
                if !jsonata {
                    super::choice::check(ch, &l, true, &mut |l, m| c.schema(l, m));
                    continue;
                }
                let Some(rule) = ch.as_object() else {
                    c.schema(&l, "A choice rule must be an object");
                    continue;
                };
                for (k, x) in rule {
                    match k.as_str() {
                        "Next" | "Comment" => {}
                        "Condition" | "Output" | "Assign" => {
                            super::query::check(x, &format!("{l}/{k}"), &mut |l, m| c.schema(l, m))
                        }
                        _ => c.schema(&format!("{l}/{k}"), format!("The field '{k}' is not supported in a JSONata choice rule (use Condition)")),
                    }
                }
                match rule.get("Condition") {
                    Some(Value::Bool(_)) => {}
                    Some(x) if is_expr(Some(x)) => {}
                    Some(_) => c.schema(
                        &format!("{l}/Condition"),
                        "Condition must be a JSONata expression {% … %} or a boolean",
                    ),
                    None => c.schema(&l, "These fields are required: [Condition]"),
                }
            }
            Kind::Choice {
                choices,
                default: o.get("Default").and_then(Value::as_str).map(String::from),
            }
        }
        "Wait" => {
            let given: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
                .into_iter()
                .filter(|k| o.contains_key(*k))
                .collect();
            if given.len() != 1 {
                c.schema(loc, "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath");
            }
            let w = match given.first().copied() {
                Some(k @ ("Seconds" | "Timestamp")) if jsonata && is_expr(o.get(k)) => {
                    WaitFor::Expr {
                        seconds: k == "Seconds",
                        value: o[k].clone(),
                    }
                }
                Some("Seconds") => match o["Seconds"].as_f64() {
                    Some(s) if s >= 0.0 => WaitFor::Seconds(s),
                    _ => {
                        c.schema(
                            &format!("{loc}/Seconds"),
                            "Seconds must be a non-negative number",
                        );
                        WaitFor::Seconds(0.0)
                    }
                },
                Some("Timestamp") => {
                    let t = o["Timestamp"].as_str().unwrap_or("").to_string();
                    if crate::util::parse_iso8601_ms(&t).is_none() {
                        c.schema(
                            &format!("{loc}/Timestamp"),
                            "Timestamp must be an RFC3339 timestamp such as 2026-03-14T01:59:00Z",
                        );
                    }
                    WaitFor::Timestamp(t)
                }
                Some(k) => match path_field(c, o, k, loc, true) {
                    PathField::Path(p) if k == "SecondsPath" => WaitFor::SecondsPath(p),
                    PathField::Path(p) => WaitFor::TimestampPath(p),
                    _ => WaitFor::Seconds(0.0),
                },
                None => WaitFor::Seconds(0.0),
            };
            Kind::Wait(w)
        }
        "Succeed" => Kind::Succeed,
        "Fail" => {
            let s = |k: &str| o.get(k).and_then(Value::as_str).map(String::from);
            if o.contains_key("Error") && o.contains_key("ErrorPath") {
                c.schema(loc, "A Fail state cannot have both Error and ErrorPath");
            }
            if o.contains_key("Cause") && o.contains_key("CausePath") {
                c.schema(loc, "A Fail state cannot have both Cause and CausePath");
            }
            for k in ["ErrorPath", "CausePath"] {
                if let Some(p) = s(k) {
                    let bad = if intrinsics::is_call(&p) {
                        intrinsics::parse(&p).err()
                    } else {
                        Path::parse(&p).err()
                    };
                    if let Some(e) = bad {
                        c.schema(&format!("{loc}/{k}"), format!("The value for the field '{k}' must be a valid JSONPath or intrinsic function: {e}"));
                    }
                }
            }
            Kind::Fail {
                error: s("Error"),
                cause: s("Cause"),
                error_path: s("ErrorPath"),
                cause_path: s("CausePath"),
            }
        }
        "Parallel" => {
            let list = o
                .get("Branches")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if list.is_empty() {
                c.schema(loc, "A Parallel state must have a non-empty Branches array");
            }
            let branches = list
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    states(c, b, &format!("{loc}/Branches/{i}"), top_jsonata).map(Rc::new)
                })
                .collect();
            Kind::Parallel { branches }
        }
        "Map" => {
            let (proc_key, proc_v) = match (o.get("ItemProcessor"), o.get("Iterator")) {
                (Some(p), None) => ("ItemProcessor", p),
                (None, Some(i)) => ("Iterator", i),
                _ => {
                    c.schema(
                        loc,
                        "A Map state needs exactly one of ItemProcessor or Iterator",
                    );
                    return None;
                }
            };
            let distributed = proc_v
                .get("ProcessorConfig")
                .and_then(|p| p.get("Mode"))
                .and_then(Value::as_str)
                == Some("DISTRIBUTED");
            let item_reader = o.get("ItemReader").cloned();
            if let Some(r) = &item_reader {
                let l = format!("{loc}/ItemReader");
                let res = r.get("Resource").and_then(Value::as_str).unwrap_or("");
                if !matches!(
                    res,
                    "arn:aws:states:::s3:getObject" | "arn:aws:states:::s3:listObjectsV2"
                ) {
                    c.error("INVALID_RESOURCE", &format!("{l}/Resource"), format!("ItemReader Resource '{res}' is not arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2 (the readers the playground runs)"));
                }
                let input_type = r.pointer("/ReaderConfig/InputType").and_then(Value::as_str);
                if res.ends_with("getObject")
                    && !matches!(input_type, Some("JSON" | "CSV" | "JSONL"))
                {
                    c.schema(&format!("{l}/ReaderConfig/InputType"), "An s3:getObject ItemReader needs ReaderConfig.InputType JSON, JSONL or CSV");
                }
                if let Some(p) = r.get("Parameters") {
                    template(c, p, &format!("{l}/Parameters"));
                }
                if r.get("Parameters")
                    .or(r.get("Arguments"))
                    .and_then(|p| p.get("Bucket").or(p.get("Bucket.$")))
                    .is_none()
                {
                    c.schema(
                        &format!("{l}/Parameters"),
                        "These fields are required: [Bucket]",
                    );
                }
            }
            let item_batcher = o.get("ItemBatcher").cloned();
            let result_writer = o.get("ResultWriter").cloned();
            for (k, v) in [
                ("ItemBatcher", &item_batcher),
                ("ResultWriter", &result_writer),
            ] {
                if v.is_some() && !distributed {
                    c.schema(&format!("{loc}/{k}"), format!("{k} is supported only in a Map state whose ItemProcessor has ProcessorConfig.Mode DISTRIBUTED"));
                }
            }
            if let Some(b) = &item_batcher {
                let l = format!("{loc}/ItemBatcher");
                let keys = [
                    "MaxItemsPerBatch",
                    "MaxItemsPerBatchPath",
                    "MaxInputBytesPerBatch",
                    "MaxInputBytesPerBatchPath",
                ];
                if !keys.iter().any(|k| b.get(*k).is_some()) {
                    c.schema(&l, "ItemBatcher must specify MaxItemsPerBatch, MaxInputBytesPerBatch or one of their Path forms");
                }
                for (k, max) in [
                    ("MaxItemsPerBatch", u64::MAX),
                    ("MaxInputBytesPerBatch", 262_144),
                ] {
                    match b.get(k) {
                        Some(v) if jsonata && is_expr(Some(v)) => {}
                        Some(v) if !v.as_u64().is_some_and(|n| n >= 1 && n <= max) => {
                            c.schema(
                                &format!("{l}/{k}"),
                                if max == u64::MAX {
                                    format!("{k} must be a positive integer")
                                } else {
                                    format!("{k} must be from 1 to {max} (256 KiB)")
                                },
                            );
                        }
                        _ => {}
                    }
                }
                if let Some(bi) = b.get("BatchInput") {
                    if jsonata {
                        super::query::check(bi, &format!("{l}/BatchInput"), &mut |l, m| {
                            c.schema(l, m)
                        });
                    } else {
                        template(c, bi, &format!("{l}/BatchInput"));
                    }
                }
            }
            if let Some(w) = &result_writer {
                let l = format!("{loc}/ResultWriter");
                let res = w.get("Resource").and_then(Value::as_str);
                let cfg = w.get("WriterConfig");
                if res.is_none() && cfg.is_none() {
                    c.schema(&l, "ResultWriter needs Resource and Parameters (export to S3), WriterConfig, or both");
                }
                if let Some(r) = res {
                    if r != "arn:aws:states:::s3:putObject" {
                        c.error(
                            "INVALID_RESOURCE",
                            &format!("{l}/Resource"),
                            format!(
                                "ResultWriter Resource '{r}' is not arn:aws:states:::s3:putObject"
                            ),
                        );
                    }
                    let params = w.get("Parameters").or(w.get("Arguments"));
                    if params
                        .and_then(|p| p.get("Bucket").or(p.get("Bucket.$")))
                        .is_none()
                    {
                        c.schema(&l, "These fields are required: [Parameters.Bucket]");
                    }
                }
                if let Some(cfg) = cfg {
                    let t = cfg.get("Transformation").and_then(Value::as_str);
                    if !matches!(t, None | Some("NONE" | "COMPACT" | "FLATTEN")) {
                        c.schema(
                            &format!("{l}/WriterConfig/Transformation"),
                            "Transformation must be NONE, COMPACT or FLATTEN",
                        );
                    }
                    let o = cfg.get("OutputType").and_then(Value::as_str);
                    if !matches!(o, None | Some("JSON" | "JSONL")) {
                        c.schema(
                            &format!("{l}/WriterConfig/OutputType"),
                            "OutputType must be JSON or JSONL",
                        );
                    }
                }
            }
            let processor = states(c, proc_v, &format!("{loc}/{proc_key}"), top_jsonata)?;
            if o.contains_key("ItemSelector") && o.contains_key("Parameters") {
                c.schema(
                    loc,
                    "A Map state cannot have both ItemSelector and Parameters",
                );
            }
            let max_concurrency = o.get("MaxConcurrency").and_then(Value::as_u64).unwrap_or(0);
            if jsonata {
                if let Some(items) = o.get("Items") {
                    if !items.is_array() && !is_expr(Some(items)) {
                        c.schema(
                            &format!("{loc}/Items"),
                            "Items must be a JSON array or a JSONata expression {% … %}",
                        );
                    }
                }
            }
            let max_concurrency_path = match path_field(c, o, "MaxConcurrencyPath", loc, true) {
                PathField::Path(p) => Some(p),
                _ => None,
            };
            Kind::Map {
                processor: Rc::new(processor),
                items_path: path_field(c, o, "ItemsPath", loc, true),
                item_selector: o.get("ItemSelector").or(o.get("Parameters")).cloned(),
                max_concurrency,
                max_concurrency_path,
                distributed,
                tolerated_count: o.get("ToleratedFailureCount").and_then(Value::as_u64),
                tolerated_percentage: o.get("ToleratedFailurePercentage").and_then(Value::as_f64),
                item_reader,
                item_batcher,
                result_writer,
                express_children: proc_v
                    .pointer("/ProcessorConfig/ExecutionType")
                    .and_then(Value::as_str)
                    == Some("EXPRESS"),
                label: o
                    .get("Label")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_string(),
            }
        }
        _ => unreachable!("checked by allowed()"),
    };
    let parameters = if matches!(kind, Kind::Map { .. }) {
        None
    } else {
        o.get("Parameters").cloned()
    };
    Some(State {
        name: name.to_string(),
        type_name: ty.to_string(),
        next,
        input_path: path_field(c, o, "InputPath", loc, false),
        output_path: path_field(c, o, "OutputPath", loc, false),
        result_path: path_field(c, o, "ResultPath", loc, true),
        parameters,
        result_selector: o.get("ResultSelector").cloned(),
        assign: o.get("Assign").cloned(),
        retry,
        catch,
        kind,
        jsonata,
        arguments: o.get("Arguments").cloned(),
        output: o.get("Output").cloned(),
        raw: Rc::new(if jsonata { o.clone() } else { Map::new() }),
    })
}
