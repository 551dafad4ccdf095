//! Data-driven Step Functions tests: every `tests/asl/*.yaml` at the repository root is
//! a list of cases. A run case gives a `definition`, an `input`, optional `functions`
//! (name → inline Node.js handler), `resources` (more template resources) and `setup`
//! (API calls made before the execution starts), and what
//! must come out: `expect` (DescribeExecution fields; `output` compared as JSON) and
//! `history` (events that must appear in this order, each matched as a fragment).
//! A validation case gives a `definition` and the `diagnostics` (code and location)
//! `ValidateStateMachineDefinition` must report, in order. Adding a case is adding data.
//!
//! Matching is `tests/support/matching.rs` (shared with the scenario tests).
//! `input_fill: {field: N}` adds a string of N characters to the input (size limits).

use playground_core::asl::definition;
use playground_core::Sim;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[path = "../../tests/support/matching.rs"]
mod matching;
use matching::matches;

fn template(case: &Value) -> Value {
    let mut resources = Map::new();
    let ty = case
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("STANDARD");
    resources.insert(
        "Machine".into(),
        json!({"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "StateMachineName": "Machine", "StateMachineType": ty, "Definition": case["definition"]}}),
    );
    if let Some(fns) = case.get("functions").and_then(Value::as_object) {
        for (name, code) in fns {
            resources.insert(
                name.clone(),
                json!({"Type": "AWS::Serverless::Function", "Properties": {
                    "FunctionName": name, "Runtime": "nodejs22.x", "Handler": "index.handler",
                    "Timeout": 10, "InlineCode": code}}),
            );
        }
    }
    if let Some(extra) = case.get("resources").and_then(Value::as_object) {
        resources.extend(extra.clone());
    }
    json!({"Metadata": {"Playground": {"Seed": 7}}, "Resources": resources})
}

fn run_case(case: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut sim = match Sim::load(&template(case).to_string()) {
        Ok(s) => s,
        Err(e) => {
            return match case.get("load_error") {
                Some(expected) => {
                    let mut errs = Vec::new();
                    matches(
                        expected,
                        Some(&json!(e.to_string())),
                        "load_error",
                        &mut errs,
                    );
                    errs
                }
                None => vec![format!("the template did not load: {e}")],
            };
        }
    };
    // Setup: API calls made before the execution starts (objects in a bucket, …).
    for c in case
        .get("setup")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Err(e) = sim.call(
            "test",
            c["action"].as_str().unwrap_or(""),
            c["params"].clone(),
        ) {
            return vec![format!("setup call failed: {e:?}")];
        }
    }
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Machine";
    let mut input = case.get("input").cloned().unwrap_or(json!({}));
    if let Some(fill) = case.get("input_fill").and_then(Value::as_object) {
        for (k, n) in fill {
            input[k] = json!("x".repeat(n.as_u64().unwrap_or(0) as usize));
        }
    }
    let mut start = json!({"stateMachineArn": machine, "name": "e1", "input": input.to_string()});
    let sync = case.get("sync") == Some(&Value::Bool(true));
    let started = sim.call(
        "test",
        if sync {
            "states:StartSyncExecution"
        } else {
            "states:StartExecution"
        },
        start.take(),
    );
    let arn = match started {
        Ok(v) => v["executionArn"].as_str().unwrap_or_default().to_string(),
        Err(e) => return vec![format!("StartExecution failed: {e:?}")],
    };
    // Callbacks: API calls made at given virtual times (task tokens are looked up).
    if let Some(calls) = case.get("calls").and_then(Value::as_array) {
        for c in calls {
            let at = c["at_ms"].as_u64().unwrap_or(0);
            sim.run_until(at);
            let mut params = c["params"].clone();
            if params.get("taskToken") == Some(&json!("$token")) {
                params["taskToken"] = json!(find_token(&sim));
            }
            let r = sim.call("test", c["action"].as_str().unwrap_or(""), params);
            if let Some(exp) = c.get("expect") {
                let got = match r {
                    Ok(v) => v,
                    Err(e) => json!({"error": e.code}),
                };
                matches(exp, Some(&got), "calls", &mut errors);
            }
        }
    }
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let d = sim
        .call(
            "test",
            "states:DescribeExecution",
            json!({"executionArn": arn}),
        )
        .unwrap();
    if let Some(exp) = case.get("expect") {
        let mut exp = exp.clone();
        let mut actual = d.clone();
        if let Some(o) = exp.as_object_mut().and_then(|o| o.remove("output")) {
            let got: Value = d["output"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            matches(&o, Some(&got), "output", &mut errors);
        }
        actual.as_object_mut().map(|o| o.remove("output"));
        matches(&exp, Some(&actual), "execution", &mut errors);
    }
    if let Some(frags) = case.get("history").and_then(Value::as_array) {
        let h = sim
            .call(
                "test",
                "states:GetExecutionHistory",
                json!({"executionArn": arn}),
            )
            .unwrap();
        let events = h["events"].as_array().cloned().unwrap_or_default();
        let mut at = 0;
        for f in frags {
            let found = events[at..].iter().position(|e| {
                let mut errs = Vec::new();
                matches(f, Some(e), "", &mut errs);
                errs.is_empty()
            });
            match found {
                Some(p) => at += p + 1,
                None => {
                    let types: Vec<&str> =
                        events.iter().filter_map(|e| e["type"].as_str()).collect();
                    errors.push(format!(
                        "history: no {f} after event {at}; events: {types:?}"
                    ));
                    break;
                }
            }
        }
    }
    if let Some(exp) = case.get("report") {
        matches(exp, Some(&sim.report()), "report", &mut errors);
    }
    errors
}

/// The task token a waiting execution handed out (it appears in a TaskScheduled event).
fn find_token(sim: &Sim) -> String {
    let report = sim.report().to_string();
    let at = report.find("AQB").expect("a task token in the history");
    report[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn validate_case(case: &Value) -> Vec<String> {
    let (_, diags) = definition::read(&case["definition"]);
    let got: Vec<Value> = diags
        .iter()
        .map(|d| json!({"code": d.code, "location": d.location, "message": d.message, "severity": d.severity}))
        .collect();
    let mut errors = Vec::new();
    matches(
        &case["diagnostics"],
        Some(&Value::Array(got)),
        "diagnostics",
        &mut errors,
    );
    errors
}

#[test]
fn asl_cases() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/asl");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/asl exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let only = std::env::var("ASL_CASE").ok();
    let (mut failed, mut ran) = (Vec::new(), 0);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let cases: Value =
            serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for case in cases.as_array().expect("a list of cases") {
            let name = case["name"].as_str().unwrap_or("?");
            if only.as_deref().is_some_and(|o| !name.contains(o)) {
                continue;
            }
            ran += 1;
            let errs = if case.get("diagnostics").is_some() {
                validate_case(case)
            } else {
                run_case(case)
            };
            if !errs.is_empty() {
                failed.push(format!(
                    "{} / {name}:\n  {}",
                    f.file_name().unwrap().to_string_lossy(),
                    errs.join("\n  ")
                ));
            }
        }
    }
    assert!(ran > 0, "no cases ran");
    assert!(
        failed.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
