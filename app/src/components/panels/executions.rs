//! Step Functions executions: the newest executions of every state machine, and for the
//! chosen one its states lit by what happened to them (running, succeeded, failed,
//! caught) beside the history table in GetExecutionHistory's format.

use crate::state::Playground;
use leptos::prelude::*;
use playground_core::asl::definition::{self, Kind, States};
use serde_json::Value;
use std::collections::BTreeMap;

/// One row of the state view: a state, how deep it is nested, and its type.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    depth: usize,
    name: String,
    ty: String,
}

fn rows(states: &States, depth: usize, out: &mut Vec<Row>) {
    // Definition order, with StartAt first.
    let mut order: Vec<usize> = (0..states.states.len()).collect();
    if let Some(start) = states.get(&states.start_at) {
        order.retain(|i| *i != start);
        order.insert(0, start);
    }
    for i in order {
        let s = &states.states[i];
        out.push(Row {
            depth,
            name: s.name.clone(),
            ty: s.type_name.clone(),
        });
        match &s.kind {
            Kind::Parallel { branches } => branches.iter().for_each(|b| rows(b, depth + 1, out)),
            Kind::Map { processor, .. } => rows(processor, depth + 1, out),
            _ => {}
        }
    }
}

/// The states of a machine in the loaded template, flattened for display.
fn machine_rows(template: &str, machine: &str) -> Vec<Row> {
    let Ok(model) = playground_core::template::load(template) else {
        return Vec::new();
    };
    let Some(r) = model.resource(machine) else {
        return Vec::new();
    };
    let Ok(def) = playground_core::sfn_definition(r) else {
        return Vec::new();
    };
    let (Some(m), _) = definition::read(&def) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    rows(&m.root, 0, &mut out);
    out
}

/// What happened to each state in a history: the state an event belongs to follows the
/// previousEventId chain back to the state's Entered event.
pub fn state_status(events: &[Value]) -> BTreeMap<String, (&'static str, usize)> {
    let mut owner: BTreeMap<u64, String> = BTreeMap::new();
    let mut status: BTreeMap<String, (&'static str, usize)> = BTreeMap::new();
    for e in events {
        let id = e["id"].as_u64().unwrap_or(0);
        let ty = e["type"].as_str().unwrap_or("");
        let name = if ty.ends_with("StateEntered") {
            e["stateEnteredEventDetails"]["name"]
                .as_str()
                .map(String::from)
        } else {
            owner
                .get(&e["previousEventId"].as_u64().unwrap_or(0))
                .cloned()
        };
        let Some(name) = name else { continue };
        owner.insert(id, name.clone());
        let entry = status.entry(name).or_insert(("running", 0));
        if ty.ends_with("StateEntered") {
            entry.1 += 1;
            entry.0 = if ty == "FailStateEntered" {
                "failed"
            } else {
                "running"
            };
        } else if ty.ends_with("StateExited") {
            entry.0 = if entry.0 == "failed" {
                "caught"
            } else {
                "succeeded"
            };
        } else if ty.ends_with("Failed") || ty.ends_with("TimedOut") {
            entry.0 = "failed";
        } else if ty == "TaskScheduled" || ty == "LambdaFunctionScheduled" {
            entry.0 = "running";
        }
    }
    status
}

fn detail(e: &Value) -> String {
    let Some(d) = e.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.ends_with("EventDetails"))
            .map(|(_, v)| v)
    }) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for key in [
        "name",
        "error",
        "cause",
        "resource",
        "index",
        "length",
        "input",
        "output",
        "parameters",
    ] {
        if let Some(v) = d.get(key) {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parts.push(format!("{key}: {text}"));
        }
    }
    let text = parts.join(" · ");
    if text.chars().count() > 160 {
        text.chars().take(160).collect::<String>() + "…"
    } else {
        text
    }
}

#[component]
pub fn ExecutionsPanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let executions = move || {
        pg.snapshot.with(|s| {
            let mut out = Vec::new();
            if let Some(res) = s["resources"].as_object() {
                for (machine, r) in res {
                    for e in r["executions"].as_array().into_iter().flatten() {
                        out.push((
                            machine.clone(),
                            e["executionArn"].as_str().unwrap_or("").to_string(),
                            e["name"].as_str().unwrap_or("").to_string(),
                            e["status"].as_str().unwrap_or("").to_string(),
                        ));
                    }
                }
            }
            out
        })
    };
    let selected_machine = move || {
        let arn = pg.selected_exec.get()?;
        executions().into_iter().find(|e| e.1 == arn).map(|e| e.0)
    };
    let state_rows = Memo::new(move |_| match selected_machine() {
        Some(m) => pg.loaded.with(|t| machine_rows(t, &m)),
        None => Vec::new(),
    });
    let events = move || {
        let arn = pg.selected_exec.get();
        pg.history.with(|h| match (h, arn) {
            (Some((a, ev)), Some(arn)) if *a == arn => ev.clone(),
            _ => Vec::new(),
        })
    };
    view! {
        <section class="panel executions" aria-label="Step Functions executions">
            <div class="exec-list" role="listbox" aria-label="Executions">
                <Show when=move || executions().is_empty()>
                    <p class="empty">"No executions yet. Run a scenario with a state machine (e.g. the Step Functions example)."</p>
                </Show>
                <For each=executions key=|e| (e.1.clone(), e.3.clone()) children=move |(machine, arn, name, status)| {
                                        let arn = StoredValue::new(arn);
                    let is_sel = move || pg.selected_exec.get().as_deref() == Some(arn.get_value().as_str());
                    view! {
                        <button class=move || format!("exec {} {}", status.to_lowercase(), if is_sel() { "selected" } else { "" })
                            data-execution=name.clone() role="option" aria-selected=move || is_sel().to_string()
                            on:click=move |_| pg.select_execution(arn.get_value())>
                            <span class="m">{machine.clone()}</span>
                            <span class="n">{name.clone()}</span>
                            <span class="s">{status.clone()}</span>
                        </button>
                    }
                }/>
            </div>
            <div class="exec-states" aria-label="States of the execution">
                <For each=move || {
                    let status = state_status(&events());
                    state_rows.get().into_iter().map(|r| {
                        let st = status.get(&r.name).copied();
                        (r, st)
                    }).collect::<Vec<_>>()
                } key=|(r, st)| (r.name.clone(), *st) children=move |(r, st)| {
                    let (class, count) = st.unwrap_or(("idle", 0));
                    view! {
                        <div class=format!("state {class}") data-state=r.name.clone()
                            style=format!("margin-left: {}rem", r.depth as f64 * 1.2)>
                            <span class="ty">{r.ty.clone()}</span>
                            <span class="nm">{r.name.clone()}</span>
                            {(count > 1).then(|| view! { <span class="ct">{format!("×{count}")}</span> })}
                        </div>
                    }
                }/>
            </div>
            <div class="exec-history">
                <table aria-label="Execution history">
                    <thead><tr><th>"ID"</th><th>"Time"</th><th>"Type"</th><th>"Details"</th></tr></thead>
                    <tbody>
                        <For each=events key=|e| e["id"].as_u64().unwrap_or(0) children=move |e| {
                            let ty = e["type"].as_str().unwrap_or("").to_string();
                            let class = if ty.ends_with("Failed") || ty.ends_with("TimedOut") || ty.ends_with("Aborted") { "bad" } else { "" };
                            view! {
                                <tr class=class data-type=ty.clone()>
                                    <td>{e["id"].as_u64().unwrap_or(0)}</td>
                                    <td>{format!("{:.3}s", e["timestamp"].as_f64().unwrap_or(0.0) / 1000.0)}</td>
                                    <td>{ty.clone()}</td>
                                    <td class="d">{detail(&e)}</td>
                                </tr>
                            }
                        }/>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_take_the_status_of_their_events() {
        let ev = vec![
            json!({"id": 1, "previousEventId": 0, "type": "ExecutionStarted"}),
            json!({"id": 2, "previousEventId": 1, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}}),
            json!({"id": 3, "previousEventId": 2, "type": "TaskFailed"}),
            json!({"id": 4, "previousEventId": 3, "type": "TaskStateExited"}),
            json!({"id": 5, "previousEventId": 4, "type": "FailStateEntered", "stateEnteredEventDetails": {"name": "F"}}),
        ];
        let s = state_status(&ev);
        assert_eq!(s["T"], ("caught", 1));
        assert_eq!(s["F"], ("failed", 1));
    }
}
