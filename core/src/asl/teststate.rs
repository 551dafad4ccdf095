//! TestState: one state run on its own with a given input, every stage of its data flow
//! shown as Workflow Studio's data-flow simulator and the `TestState` API's
//! `inspectionData` show it — InputPath → Parameters → result → ResultSelector →
//! ResultPath → OutputPath — with the next state, or the error and whether a Catch or
//! Retry would take it. Task states run against a `mock` result or error (the playground
//! does not call services from TestState).

use super::definition::{self, Kind};
use super::query::Query;
use super::{choice, error_matches, Failure, Scope};
use crate::rng::Rng;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn text(v: &Value) -> Value {
    Value::String(v.to_string())
}

/// Runs `state` (a state's JSON) on `input`. `mock` is `{"result": JSON text}` or
/// `{"errorOutput": {"error", "cause"}}` for a Task state. Returns the TestState response.
pub fn run(state: &Value, input: &Value, mock: Option<&Value>, seed: u64) -> Result<Value, String> {
    let name = "TestState";
    // A one-state machine lets the definition reader check the state as AWS would.
    let mut st = state.clone();
    if let Some(o) = st.as_object_mut() {
        if !matches!(
            o.get("Type").and_then(Value::as_str),
            Some("Choice" | "Succeed" | "Fail")
        ) {
            o.remove("Next");
            o.insert("End".into(), Value::Bool(true));
        }
        o.remove("Catch");
    }
    let mut states = Map::new();
    // A Choice's targets become placeholder states so the definition is complete.
    if let Some(o) = st.as_object() {
        let mut targets: Vec<String> = o
            .get("Default")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect();
        for c in o
            .get("Choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            targets.extend(c.get("Next").and_then(Value::as_str).map(String::from));
        }
        for t in targets.into_iter().filter(|t| t != name) {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    states.insert(name.into(), st);
    let (machine, diags) = definition::read(&json!({"StartAt": name, "States": states}));
    let Some(machine) = machine else {
        let d = diags
            .iter()
            .find(|d| d.severity == "ERROR")
            .map(|d| format!("{}: {} at {}", d.code, d.message, d.location))
            .unwrap_or_default();
        return Err(format!("InvalidDefinition: {d}"));
    };
    let s = &machine.root.states[machine.root.get(name).unwrap_or(0)];
    let context =
        || json!({"Execution": {"Input": input}, "State": {"Name": name, "RetryCount": 0}});
    let vars = BTreeMap::new();
    let scope = Scope::new(&context, &vars);
    let mut rng = Rng::new(seed);
    let mut data = Map::new();
    data.insert("input".into(), text(input));
    let next = state.get("Next").and_then(Value::as_str).map(String::from);
    let catch = state
        .get("Catch")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let jsonata = s
        .jsonata
        .then(|| jsonata_flow(s, input, mock, &context, &mut rng, &mut data));
    let outcome = (|| -> Result<(Value, Option<String>), Failure> {
        if let Some(r) = jsonata {
            return r;
        }
        let effective = scope.select_path(&s.input_path, input)?;
        data.insert("afterInputPath".into(), text(&effective));
        let params = match &s.parameters {
            Some(p) => scope.template(p, &effective, &mut rng)?,
            None => effective.clone(),
        };
        if s.parameters.is_some() {
            data.insert("afterParameters".into(), text(&params));
        }
        let (result, chosen) = match &s.kind {
            Kind::Pass { result } => (result.clone().unwrap_or(params), None),
            Kind::Task { .. } => (mock_result(mock)?, None),
            Kind::Choice { choices, default } => {
                let lookup = |p: &super::path::Path| scope.lookup(&effective, p);
                let mut picked = None;
                for rule in choices {
                    if choice::eval(rule, &lookup).map_err(Failure::runtime)? {
                        picked = rule.get("Next").and_then(Value::as_str).map(String::from);
                        break;
                    }
                }
                let to = picked
                    .or_else(|| default.clone())
                    .ok_or_else(|| Failure::new("States.NoChoiceMatched", "No Matches!"))?;
                (effective.clone(), Some(to))
            }
            Kind::Wait(_) | Kind::Succeed => (effective.clone(), None),
            Kind::Fail { error, cause, .. } => {
                return Err(Failure::new(
                    error.as_deref().unwrap_or(""),
                    cause.clone().unwrap_or_default(),
                ));
            }
            Kind::Parallel { .. } => (fan_result(mock, "Parallel")?, None),
            Kind::Map {
                items_path,
                item_selector,
                item_batcher,
                ..
            } => {
                let items = match items_path {
                    definition::PathField::Path(p) => scope.lookup(&effective, p),
                    _ => Some(effective.clone()),
                };
                let Some(Value::Array(items)) = items else {
                    return Err(Failure::runtime(
                        "Invalid path: the ItemsPath must point to a JSON array",
                    ));
                };
                data.insert("afterItemsPath".into(), text(&Value::Array(items.clone())));
                let selected = match item_selector {
                    Some(sel) => {
                        let mut out = Vec::with_capacity(items.len());
                        for (i, item) in items.iter().enumerate() {
                            let ctx = || json!({"Execution": {"Input": input}, "State": {"Name": name, "RetryCount": 0}, "Map": {"Item": {"Index": i, "Value": item}}});
                            out.push(Scope::new(&ctx, &vars).template(sel, &effective, &mut rng)?);
                        }
                        data.insert("afterItemSelector".into(), text(&Value::Array(out.clone())));
                        out
                    }
                    None => items,
                };
                if let Some(b) = item_batcher {
                    data.insert("afterItemBatcher".into(), text(&batch(b, &selected)));
                }
                (fan_result(mock, "Map")?, None)
            }
        };
        let produces = matches!(
            s.kind,
            Kind::Pass { .. } | Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. }
        );
        if matches!(
            s.kind,
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. }
        ) {
            data.insert("result".into(), text(&result));
        }
        let result = match &s.result_selector {
            Some(sel) => {
                let r = scope.template(sel, &result, &mut rng)?;
                data.insert("afterResultSelector".into(), text(&r));
                r
            }
            None => result,
        };
        let combined = if produces {
            let r = Scope::result_path(&s.result_path, input, result)?;
            data.insert("afterResultPath".into(), text(&r));
            r
        } else {
            result
        };
        let output = scope.select_path(&s.output_path, &combined)?;
        Ok((output, chosen))
    })();
    let mut out = Map::new();
    match outcome {
        Ok((output, chosen)) => {
            out.insert("output".into(), text(&output));
            if let Some(n) = chosen.or(next) {
                out.insert("nextState".into(), json!(n));
            }
            out.insert("status".into(), json!("SUCCEEDED"));
        }
        Err(f) => {
            out.insert("error".into(), json!(f.error));
            out.insert("cause".into(), json!(f.cause));
            let retriable = s
                .retry
                .iter()
                .find(|r| error_matches(&r.errors, &f.error))
                .is_some_and(|r| r.max_attempts > 0);
            let caught = catch.iter().find(|c| {
                let list: Vec<String> = c
                    .get("ErrorEquals")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect();
                error_matches(&list, &f.error)
            });
            if retriable {
                out.insert("status".into(), json!("RETRIABLE"));
            } else if let (Some(c), true) = (caught, s.jsonata) {
                out.insert("status".into(), json!("CAUGHT_ERROR"));
                let error = f.output();
                let q = Query::new(name, 1, input, &context, &vars, 0).with("errorOutput", &error);
                let caught_output = match c.get("Output") {
                    Some(t) => q.template(t, "Output", &mut rng).map_err(|e| e.cause)?,
                    None => error.clone(),
                };
                out.insert("output".into(), text(&caught_output));
                if let Some(n) = c.get("Next") {
                    out.insert("nextState".into(), n.clone());
                }
            } else if let Some(c) = caught {
                out.insert("status".into(), json!("CAUGHT_ERROR"));
                let rp = match c.get("ResultPath") {
                    None => definition::PathField::Default,
                    Some(Value::Null) => definition::PathField::Null,
                    Some(v) => definition::PathField::Path(
                        super::path::Path::parse_reference(v.as_str().unwrap_or("$"))
                            .map_err(|e| e.to_string())?,
                    ),
                };
                let caught_output =
                    Scope::result_path(&rp, input, f.output()).map_err(|e| e.cause)?;
                out.insert("output".into(), text(&caught_output));
                if let Some(n) = c.get("Next") {
                    out.insert("nextState".into(), n.clone());
                }
            } else {
                out.insert("status".into(), json!("FAILED"));
            }
        }
    }
    out.insert("inspectionData".into(), Value::Object(data));
    Ok(Value::Object(out))
}

/// The JSONata data flow: input → Arguments → result → Output (and Assign), shown as
/// `afterArguments`, `result` and `variables`.
fn jsonata_flow(
    s: &definition::State,
    input: &Value,
    mock: Option<&Value>,
    context: &dyn Fn() -> Value,
    rng: &mut Rng,
    data: &mut Map<String, Value>,
) -> Result<(Value, Option<String>), Failure> {
    let vars = BTreeMap::new();
    let q = Query::new(&s.name, 1, input, context, &vars, 0);
    let args = match &s.arguments {
        Some(a) => {
            let v = q.template(a, "Arguments", rng)?;
            data.insert("afterArguments".into(), text(&v));
            v
        }
        None => input.clone(),
    };
    let mut rule = None;
    let result = match &s.kind {
        Kind::Task { .. } => {
            let r = mock_result(mock)?;
            data.insert("result".into(), text(&r));
            Some(r)
        }
        Kind::Choice { choices, default } => {
            let chosen = q.choose(choices, rng)?;
            rule = chosen.map(|i| &choices[i]);
            let next = rule
                .and_then(|c| c.get("Next"))
                .and_then(Value::as_str)
                .map(String::from);
            let to = next
                .or_else(|| default.clone())
                .ok_or_else(|| Failure::new("States.NoChoiceMatched", "No Matches!"))?;
            data.insert("nextState".into(), json!(to));
            None
        }
        Kind::Fail { error, cause, .. } => {
            let error = q.text(error, "Error", rng)?;
            return Err(Failure::new(&error, q.text(cause, "Cause", rng)?));
        }
        Kind::Parallel { .. } => {
            let r = fan_result(mock, "Parallel")?;
            data.insert("result".into(), text(&r));
            Some(r)
        }
        Kind::Map { item_selector, .. } => {
            let items = match s.raw.get("Items") {
                Some(v) => q.typed(v, "Items", "array", rng)?,
                None => input.clone(),
            };
            let Value::Array(items) = items else {
                return Err(q.failure(
                    "Items",
                    "The Map state's input must be a JSON array when Items is not given.".into(),
                ));
            };
            data.insert("afterItemsPath".into(), text(&Value::Array(items.clone())));
            if let Some(sel) = item_selector {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let ctx = || json!({"Execution": {"Input": input}, "State": {"Name": s.name, "RetryCount": 0}, "Map": {"Item": {"Index": i, "Value": item}}});
                    let qi = Query::new(&s.name, 1, input, &ctx, &vars, 0);
                    out.push(qi.template(sel, "ItemSelector", rng)?);
                }
                data.insert("afterItemSelector".into(), text(&Value::Array(out)));
            }
            let r = fan_result(mock, "Map")?;
            data.insert("result".into(), text(&r));
            Some(r)
        }
        _ => None,
    };
    let _ = args;
    let q = match &result {
        Some(r) => q.with("result", r),
        None => q,
    };
    let default = result.clone().unwrap_or_else(|| input.clone());
    let (output, assigned) = q.output_and_assign(
        rule.and_then(|r| r.get("Output")).or(s.output.as_ref()),
        [s.assign.as_ref(), rule.and_then(|r| r.get("Assign"))],
        &default,
        rng,
    )?;
    if !assigned.is_empty() {
        data.insert("variables".into(), text(&Value::Object(assigned)));
    }
    let next = data
        .remove("nextState")
        .and_then(|v| v.as_str().map(String::from));
    Ok((output, next))
}

/// A Parallel or Map state's mocked result: one array (one entry per branch or item).
fn fan_result(mock: Option<&Value>, ty: &str) -> Result<Value, Failure> {
    let r = mock_result(mock).map_err(|f| {
        if f.error == "States.Runtime" && mock.is_none() {
            Failure::runtime(format!("TestState runs {ty} states with a mock, as AWS does: give mock.result (a JSON array, one entry per {}) or mock.errorOutput", if ty == "Map" { "item" } else { "branch" }))
        } else {
            f
        }
    })?;
    if !r.is_array() {
        return Err(Failure::runtime(format!(
            "The mock result of a {ty} state must be a JSON array"
        )));
    }
    Ok(r)
}

/// ItemBatcher's grouping for the data-flow view (literal MaxItemsPerBatch and
/// BatchInput; the run applies the byte limit and the Path forms too).
fn batch(b: &Value, items: &[Value]) -> Value {
    let size = b
        .get("MaxItemsPerBatch")
        .and_then(Value::as_u64)
        .unwrap_or(items.len().max(1) as u64)
        .max(1) as usize;
    Value::Array(
        items
            .chunks(size)
            .map(|c| {
                let mut o = Map::new();
                if let Some(bi) = b.get("BatchInput") {
                    o.insert("BatchInput".into(), bi.clone());
                }
                o.insert("Items".into(), Value::Array(c.to_vec()));
                Value::Object(o)
            })
            .collect(),
    )
}

/// A Task's mocked result: `mock.result` (JSON text or JSON) or `mock.errorOutput`.
fn mock_result(mock: Option<&Value>) -> Result<Value, Failure> {
    let mock = mock.ok_or_else(|| Failure::new("States.Runtime", "TestState runs Task states with a mock in the playground: give mock.result or mock.errorOutput"))?;
    if let Some(e) = mock.get("errorOutput") {
        return Err(Failure::new(
            e.get("error").and_then(Value::as_str).unwrap_or(""),
            e.get("cause").and_then(Value::as_str).unwrap_or(""),
        ));
    }
    Ok(match mock.get("result") {
        Some(Value::String(t)) => serde_json::from_str(t)
            .map_err(|e| Failure::runtime(format!("mock.result is not JSON: {e}")))?,
        Some(other) => other.clone(),
        None => Value::Null,
    })
}

/// The state as TestState should see it: with the machine's `QueryLanguage` when the
/// state does not name its own.
pub fn with_machine_language(definition: &Value, state: &Value) -> Value {
    let mut st = state.clone();
    if let (Some(ql), Some(o)) = (definition.get("QueryLanguage"), st.as_object_mut()) {
        o.entry("QueryLanguage").or_insert_with(|| ql.clone());
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_of_a_task_is_shown() {
        let state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.order",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "ResultSelector": {"total.$": "$.Payload.total"},
            "ResultPath": "$.priced", "OutputPath": "$.priced", "Next": "Ship"});
        let r = run(
            &state,
            &json!({"order": {"n": 2}, "other": 1}),
            Some(&json!({"result": "{\"Payload\": {\"total\": 20}}"})),
            1,
        )
        .unwrap();
        assert_eq!(r["status"], "SUCCEEDED");
        assert_eq!(r["nextState"], "Ship");
        assert_eq!(r["output"], "{\"total\":20}");
        let d = &r["inspectionData"];
        assert_eq!(d["afterInputPath"], "{\"n\":2}");
        assert_eq!(
            d["afterParameters"],
            "{\"FunctionName\":\"f\",\"Payload\":{\"n\":2}}"
        );
        assert_eq!(d["result"], "{\"Payload\":{\"total\":20}}");
        assert_eq!(d["afterResultSelector"], "{\"total\":20}");
        assert_eq!(
            d["afterResultPath"],
            "{\"order\":{\"n\":2},\"other\":1,\"priced\":{\"total\":20}}"
        );
    }

    #[test]
    fn a_jsonata_task_shows_arguments_result_output_and_variables() {
        let state = json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "f", "Payload": {"n": "{% $states.input.order.n %}"}},
            "Output": {"total": "{% $states.result.Payload.total %}", "n": "{% $states.input.order.n %}"},
            "Assign": {"lastTotal": "{% $states.result.Payload.total %}"}, "Next": "Ship"});
        let r = run(
            &state,
            &json!({"order": {"n": 2}}),
            Some(&json!({"result": "{\"Payload\": {\"total\": 20}}"})),
            1,
        )
        .unwrap();
        assert_eq!(r["status"], "SUCCEEDED", "{r}");
        assert_eq!(r["nextState"], "Ship");
        assert_eq!(r["output"], "{\"total\":20,\"n\":2}");
        let d = &r["inspectionData"];
        assert_eq!(
            d["afterArguments"],
            "{\"FunctionName\":\"f\",\"Payload\":{\"n\":2}}"
        );
        assert_eq!(d["variables"], "{\"lastTotal\":20}");
        let caught = json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"why": "{% $states.errorOutput.Cause %}"}, "Next": "Handle"}]});
        let r = run(
            &caught,
            &json!({}),
            Some(&json!({"errorOutput": {"error": "Boom", "cause": "x"}})),
            1,
        )
        .unwrap();
        assert_eq!(
            (r["status"].as_str(), r["output"].as_str()),
            (Some("CAUGHT_ERROR"), Some("{\"why\":\"x\"}"))
        );
        let choice = with_machine_language(
            &json!({"QueryLanguage": "JSONata"}),
            &json!({"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Big"}], "Default": "Small"}),
        );
        assert_eq!(
            run(&choice, &json!({"n": 5}), None, 1).unwrap()["nextState"],
            "Big"
        );
    }

    #[test]
    fn parallel_and_map_run_against_a_mocked_result() {
        let map = json!({"Type": "Map", "ItemsPath": "$.orders", "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "at.$": "$$.Map.Item.Index"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "ResultPath": "$.done", "End": true});
        let r = run(
            &map,
            &json!({"orders": [{"id": "a"}, {"id": "b"}]}),
            Some(&json!({"result": "[1, 2]"})),
            1,
        )
        .unwrap();
        assert_eq!(r["status"], "SUCCEEDED", "{r}");
        let d = &r["inspectionData"];
        assert_eq!(d["afterItemsPath"], "[{\"id\":\"a\"},{\"id\":\"b\"}]");
        assert_eq!(
            d["afterItemSelector"],
            "[{\"id\":\"a\",\"at\":0},{\"id\":\"b\",\"at\":1}]"
        );
        assert_eq!(d["result"], "[1,2]");
        assert_eq!(
            r["output"],
            "{\"orders\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"done\":[1,2]}"
        );
        let par = json!({"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}],
            "ResultSelector": {"first.$": "$[0]"}, "End": true});
        let r = run(
            &par,
            &json!({}),
            Some(&json!({"result": "[{\"x\": 1}]"})),
            1,
        )
        .unwrap();
        assert_eq!(r["output"], "{\"first\":{\"x\":1}}");
        let no_mock = run(&par, &json!({}), None, 1).unwrap();
        assert_eq!(no_mock["status"], "FAILED");
        let not_array = run(&par, &json!({}), Some(&json!({"result": "{}"})), 1).unwrap();
        assert!(not_array["cause"]
            .as_str()
            .unwrap()
            .contains("must be a JSON array"));
        let nata = json!({"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.n %}",
            "ItemSelector": {"v": "{% $states.context.Map.Item.Value * 10 %}"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "Output": {"sum": "{% $sum($states.result) %}"}, "End": true});
        let r = run(
            &nata,
            &json!({"n": [1, 2]}),
            Some(&json!({"result": [3, 4]})),
            1,
        )
        .unwrap();
        assert_eq!(
            r["inspectionData"]["afterItemSelector"],
            "[{\"v\":10},{\"v\":20}]"
        );
        assert_eq!(r["output"], "{\"sum\":7}");
    }

    #[test]
    fn errors_caught_retried_or_failed() {
        let state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
            "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Handle"}]});
        let r = run(
            &state,
            &json!({"a": 1}),
            Some(&json!({"errorOutput": {"error": "Boom", "cause": "x"}})),
            1,
        )
        .unwrap();
        assert_eq!(
            (r["status"].as_str(), r["nextState"].as_str()),
            (Some("CAUGHT_ERROR"), Some("Handle"))
        );
        assert_eq!(
            r["output"],
            "{\"a\":1,\"err\":{\"Error\":\"Boom\",\"Cause\":\"x\"}}"
        );
        let retry = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["States.ALL"]}]});
        assert_eq!(
            run(
                &retry,
                &json!({}),
                Some(&json!({"errorOutput": {"error": "Boom"}})),
                1
            )
            .unwrap()["status"],
            "RETRIABLE"
        );
        let choice = json!({"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"});
        assert_eq!(
            run(&choice, &json!({"n": 5}), None, 1).unwrap()["nextState"],
            "Big"
        );
        let fail = run(
            &json!({"Type": "Pass", "InputPath": "$.missing", "End": true}),
            &json!({}),
            None,
            1,
        )
        .unwrap();
        assert_eq!(
            (fail["status"].as_str(), fail["error"].as_str()),
            (Some("FAILED"), Some("States.Runtime"))
        );
    }
}
