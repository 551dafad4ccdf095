//! The inspector for the selected resource: each property the engine runs, under its AWS
//! documentation name, with AWS's limits shown and checked as the user types (a value
//! outside them is never written); a change is one undoable edit of the template. For
//! a function, the Lambda console's "Test" tab: pick a sample event (SAM CLI's and
//! Powertools' sample payloads), edit it, and invoke the function synchronously.

use crate::components::asl_graph::AslGraphView;
use crate::state::{Playground, Selection};
use leptos::prelude::*;
use playground_core::edit::fields::{self, FieldKind};

/// Sample events, as the Lambda console offers them (public/events/MANIFEST.tsv says
/// where each comes from).
pub const TEST_EVENTS: &[(&str, &str)] = &[
    (
        "sqs-receive",
        include_str!("../../../../public/events/sqs-receive.json"),
    ),
    (
        "sns-notification",
        include_str!("../../../../public/events/sns-notification.json"),
    ),
    (
        "s3-put",
        include_str!("../../../../public/events/s3-put.json"),
    ),
    (
        "s3-delete",
        include_str!("../../../../public/events/s3-delete.json"),
    ),
    (
        "eventbridge-scheduled",
        include_str!("../../../../public/events/eventbridge-scheduled.json"),
    ),
    (
        "eventbridge-event",
        include_str!("../../../../public/events/eventbridge-event.powertools.json"),
    ),
    (
        "apigateway-rest-v1-proxy",
        include_str!("../../../../public/events/apigateway-rest-v1-proxy.json"),
    ),
    (
        "apigateway-http-v2-proxy",
        include_str!("../../../../public/events/apigateway-http-v2-proxy.json"),
    ),
    (
        "alb-request",
        include_str!("../../../../public/events/alb-request.json"),
    ),
    (
        "dynamodb-stream-update",
        include_str!("../../../../public/events/dynamodb-stream-update.json"),
    ),
    (
        "kinesis-get-records",
        include_str!("../../../../public/events/kinesis-get-records.json"),
    ),
    (
        "cloudfront-viewer-request",
        include_str!("../../../../public/events/cloudfront-viewer-request.json"),
    ),
];

#[component]
pub fn Inspector() -> impl IntoView {
    let pg = expect_context::<Playground>();
    // The selected resource: (logical id, type, the model to read values from).
    let selected = Memo::new(move |_| {
        let Some(Selection::Node(id)) = pg.selected.get() else {
            return None;
        };
        let model = pg
            .loaded
            .with(|t| playground_core::template::load(t).ok())?;
        let ty = model.resource(&id)?.resource_type.clone();
        let values: Vec<(String, Option<String>)> = fields::fields(&ty)
            .iter()
            .map(|f| (f.name.to_string(), fields::current(&model, &id, f.name)))
            .collect();
        let physical = model.resource(&id)?.physical_name.clone();
        let activity_arn = format!(
            "arn:aws:states:{}:{}:activity:{physical}",
            model.region, model.account
        );
        let code = fields::code_of(&model, &id);
        let definition = fields::definition_of(&model, &id);
        Some((id, ty, values, physical, code, definition, activity_arn))
    });
    view! {
        {move || selected.get().map(|(id, ty, values, physical, code, definition, activity_arn)| {
            let is_fn = ty.ends_with("::Function");
            let rows = fields::fields(&ty).into_iter().zip(values).map(|(f, (_, value))| {
                let error = RwSignal::new(None::<String>);
                let id = id.clone();
                let input_id = format!("field-{}", f.name);
                let commit = move |input: String| {
                    error.set(fields::parse(&f, &input).err());
                    if error.get_untracked().is_none() {
                        if let Err(e) = pg.set_property(&id, f.name, &input) {
                            error.set(Some(e));
                        }
                    }
                };
                let value = value.unwrap_or_default();
                let control = match f.kind {
                    FieldKind::Choice(options) => view! {
                        <select id=input_id.clone() on:change=move |ev| commit(event_target_value(&ev))>
                            <option value="" selected=value.is_empty()>{format!("(default{})", if f.default.is_empty() { String::new() } else { format!(": {}", f.default) })}</option>
                            {options.iter().map(|o| view! { <option value=*o selected=value == *o>{*o}</option> }).collect_view()}
                        </select>
                    }.into_any(),
                    FieldKind::Bool => view! {
                        <select id=input_id.clone() on:change=move |ev| commit(event_target_value(&ev))>
                            <option value="" selected=value.is_empty()>"(default: false)"</option>
                            <option value="true" selected=value == "true">"true"</option>
                            <option value="false" selected=value == "false">"false"</option>
                        </select>
                    }.into_any(),
                    FieldKind::Int { min, max } => view! {
                        <input id=input_id.clone() type="number" min=min max=max value=value.clone() placeholder=f.default
                            on:input=move |ev| error.set(fields::parse(&f, &event_target_value(&ev)).err())
                            on:change=move |ev| commit(event_target_value(&ev))/>
                    }.into_any(),
                    _ => view! {
                        <input id=input_id.clone() type="text" value=value.clone() placeholder=f.default
                            on:input=move |ev| error.set(fields::parse(&f, &event_target_value(&ev)).err())
                            on:change=move |ev| commit(event_target_value(&ev))/>
                    }.into_any(),
                };
                view! {
                    <div class="field" class:invalid=move || error.with(Option::is_some)>
                        <label for=input_id title=f.about>{f.name}</label>
                        {control}
                        <span class="limit">{fields::hint(&f)}</span>
                        {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                    </div>
                }
            }).collect_view();
            view! {
                <section class="inspector" aria-label=format!("Inspector: {id}")>
                    <header>
                        <h2>{id.clone()}</h2>
                        <span class="type">{ty.clone()}</span>
                        <button class="close" aria-label="Close the inspector" on:click=move |_| pg.selected.set(None)>"×"</button>
                    </header>
                    <div class="fields">{rows}</div>
                    {code.map(|c| view! { <HandlerCode id=id.clone() code=c/> })}
                    {definition.map(|d| view! { <DefinitionEditor id=id.clone() definition=d machine=physical.clone()/> })}
                    {is_fn.then(|| view! { <TestEvents function=physical.clone()/> })}
                    {(ty == "AWS::StepFunctions::Activity").then(|| view! { <ActivityWorker activity=activity_arn.clone()/> })}
                </section>
            }
        })}
    }
}

/// A worker for an activity, run by hand: poll for a task (GetActivityTask, a 60-second
/// long poll), then send its result (SendTaskSuccess / SendTaskFailure) or a heartbeat,
/// as a worker process would.
#[component]
fn ActivityWorker(activity: String) -> impl IntoView {
    let pg = expect_context::<Playground>();
    let output = RwSignal::new("{}".to_string());
    let error = RwSignal::new("WorkerError".to_string());
    let cause = RwSignal::new(String::new());
    let poll = move |_| {
        pg.worker_call(
            "states:GetActivityTask",
            serde_json::json!({"activityArn": activity.clone(), "workerName": "playground-console"}),
        )
    };
    let token = move || pg.worker_task.get_untracked().map(|(t, _)| t);
    let send = move |action: &'static str| {
        let Some(t) = token() else { return };
        let params = match action {
            "states:SendTaskSuccess" => {
                serde_json::json!({"taskToken": t, "output": output.get_untracked()})
            }
            "states:SendTaskFailure" => {
                serde_json::json!({"taskToken": t, "error": error.get_untracked(), "cause": cause.get_untracked()})
            }
            _ => serde_json::json!({"taskToken": t}),
        };
        pg.worker_call(action, params);
    };
    view! {
        <div class="activity-worker" aria-label="Activity worker">
            <h3>"Worker"</h3>
            <p class="about">"Act as the activity's worker: get the task a state machine is waiting on, then report its result."</p>
            <button id="worker-poll" class="primary" on:click=poll>"Get a task (GetActivityTask)"</button>
            {move || pg.worker_task.get().map(|(_, input)| view! {
                <label>"Task input"<pre id="worker-input">{input}</pre></label>
                <label>"Output (JSON)"<textarea id="worker-output" spellcheck="false" prop:value=move || output.get() on:input=move |ev| output.set(event_target_value(&ev))></textarea></label>
                <button id="worker-success" on:click=move |_| send("states:SendTaskSuccess")>"Send success"</button>
                <button id="worker-heartbeat" on:click=move |_| send("states:SendTaskHeartbeat")>"Heartbeat"</button>
                <label>"Error"<input id="worker-error" type="text" prop:value=move || error.get() on:input=move |ev| error.set(event_target_value(&ev))/></label>
                <label>"Cause"<input id="worker-cause" type="text" prop:value=move || cause.get() on:input=move |ev| cause.set(event_target_value(&ev))/></label>
                <button id="worker-failure" on:click=move |_| send("states:SendTaskFailure")>"Send failure"</button>
            })}
            {move || pg.worker_result.get().map(|(ok, text)| view! {
                <p id="worker-result" class=if ok { "ok" } else { "bad" } role="status">{text}</p>
            })}
        </div>
    }
}

/// The Lambda console's Test tab for one function.
#[component]
fn TestEvents(function: String) -> impl IntoView {
    let pg = expect_context::<Playground>();
    let payload = RwSignal::new(TEST_EVENTS[0].1.to_string());
    let invoke = move |_| pg.invoke_test(&function, payload.get_untracked());
    view! {
        <div class="test-events">
            <label>"Test event "
                <select id="test-event" on:change=move |ev| {
                    let name = event_target_value(&ev);
                    if let Some((_, body)) = TEST_EVENTS.iter().find(|(n, _)| *n == name) {
                        payload.set(body.to_string());
                    }
                }>
                    {TEST_EVENTS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                </select>
            </label>
            <textarea id="test-payload" spellcheck="false" aria-label="Test event JSON"
                prop:value=move || payload.get() on:input=move |ev| payload.set(event_target_value(&ev))></textarea>
            <button id="invoke" class="primary" on:click=invoke>"Test (Invoke)"</button>
            {move || pg.invoke_result.get().map(|(ok, text)| view! {
                <pre id="invoke-result" class=if ok { "ok" } else { "bad" }>{text}</pre>
            })}
        </div>
    }
}

/// The handler's code in CodeMirror (syntax errors marked as the user types); Save (or
/// Ctrl+S) writes it into the template. Without the editor bundle, a plain text area.
#[component]
fn HandlerCode(id: String, code: String) -> impl IntoView {
    use crate::code_editor;
    let pg = expect_context::<Playground>();
    let host = NodeRef::<leptos::html::Div>::new();
    let text = RwSignal::new(code.clone());
    let saved = StoredValue::new(code.clone());
    let rich = code_editor::available();
    let read_only = pg.read_only();
    code_editor::mount(host, "javascript", read_only, text);
    let dirty = move || text.with(|t| *t != saved.get_value());
    let id2 = id.clone();
    let save = move || pg.set_code(&id2, &text.get_untracked());
    let save2 = save.clone();
    view! {
        <div class="handler-code">
            <div class="code-head">
                <h3>"Handler code"</h3>
                <span class="unsaved" hidden=move || !dirty()>"unsaved"</span>
                <button id="save-code" disabled=move || !dirty() || read_only aria-keyshortcuts="Control+S"
                    on:click=move |_| save()>"Save code"</button>
            </div>
            <div id="code-host" class="code-host" node_ref=host data-syntax-errors="0"
                on:keydown=move |ev| {
                    if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("s") {
                        ev.prevent_default();
                        save2();
                    }
                }>
                {(!rich).then(|| view! {
                    <textarea id="code-fallback" spellcheck="false" aria-label="Handler code" readonly=read_only
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                })}
            </div>
        </div>
    }
}

/// What the definition editor knows about the text being edited: the graph (of the last
/// definition that could be read), errors by state, and every problem as a line.
type Checked = (
    Option<playground_core::asl::graph::AslGraph>,
    std::collections::BTreeMap<String, String>,
    Vec<String>,
);

/// A state machine's definition as JSON in CodeMirror beside its graph: every edit is
/// validated as `ValidateStateMachineDefinition` does (after DefinitionSubstitutions),
/// errors are listed with their location and marked on the graph's states; the graph
/// is lit by the execution chosen in the Executions panel. Pressing a state on the graph
/// shows its data-flow view and a toolbar that edits the machine from the graph (add a
/// state after it, point its Next, rename, delete — `core::asl::edit`), changing the
/// text as typing would. Save writes the definition.
#[component]
fn DefinitionEditor(id: String, definition: serde_json::Value, machine: String) -> impl IntoView {
    use crate::code_editor;
    use playground_core::asl::{definition as asl_def, edit as asl_edit, graph};
    let pg = expect_context::<Playground>();
    let start = serde_json::to_string_pretty(&definition).unwrap_or_default();
    let text = RwSignal::new(start.clone());
    let saved = StoredValue::new(start);
    let host = NodeRef::<leptos::html::Div>::new();
    let rich = code_editor::available();
    let read_only = pg.read_only();
    let id_v = id.clone();
    let last_graph = StoredValue::new(None::<graph::AslGraph>);
    // The definition as it runs (substitutions applied), for the data-flow view.
    let resolved_def = StoredValue::new(None::<serde_json::Value>);
    let checked = Memo::new(move |_| -> Checked {
        let parsed: Result<serde_json::Value, _> = text.with(|t| serde_json::from_str(t));
        let v = match parsed {
            Ok(v) => v,
            Err(e) => {
                return (
                    last_graph.get_value(),
                    Default::default(),
                    vec![format!("JSON: {e}")],
                )
            }
        };
        // Validate what will run: DefinitionSubstitutions applied, as the loader does.
        let model = pg
            .loaded
            .with_untracked(|t| playground_core::template::load(t).ok());
        let resolved = model
            .as_ref()
            .and_then(|m| m.resource(&id_v))
            .map(|r| {
                let mut r = r.clone();
                if let Some(p) = r.properties.as_object_mut() {
                    p.shift_remove("DefinitionString");
                    p.insert("Definition".into(), v.clone());
                }
                playground_core::sfn_definition(&r).unwrap_or_else(|_| v.clone())
            })
            .unwrap_or_else(|| v.clone());
        let (_, diagnostics) = asl_def::read(&resolved);
        resolved_def.set_value(Some(resolved.clone()));
        let mut errors = std::collections::BTreeMap::new();
        let mut lines = Vec::new();
        for d in diagnostics {
            if let Some(s) = graph::state_of_location(&d.location) {
                errors
                    .entry(s.to_string())
                    .or_insert(format!("{}: {}", d.code, d.message));
            }
            lines.push(format!(
                "{} at {}: {}",
                d.code,
                if d.location.is_empty() {
                    "/"
                } else {
                    &d.location
                },
                d.message
            ));
        }
        if v.get("States").is_some_and(serde_json::Value::is_object) {
            last_graph.set_value(Some(graph::layout(&v)));
        }
        (last_graph.get_value(), errors, lines)
    });
    let status = Signal::derive(move || {
        pg.history.with(|h| match h {
            Some((arn, events)) if arn.contains(&format!(":execution:{machine}:")) => {
                crate::components::panels::state_status(events)
                    .into_iter()
                    .map(|(k, (s, _))| (k, s))
                    .collect()
            }
            _ => Default::default(),
        })
    });
    let errors = Signal::derive(move || checked.with(|c| c.1.clone()));
    code_editor::mount(host, "yaml", read_only, text);
    let dirty = move || text.with(|t| *t != saved.get_value());
    let chosen = RwSignal::new(None::<String>);
    let on_select = Callback::new(move |name: String| chosen.set(Some(name)));
    // Graph edits change the text, exactly as typing would (Save writes them).
    let edit = move |f: &dyn Fn(&mut serde_json::Value) -> Result<Option<String>, String>| {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text.get_untracked()) else {
            pg.error.set(Some(
                "Fix the definition's JSON before editing the graph.".into(),
            ));
            return;
        };
        match f(&mut v) {
            Ok(next_choice) => {
                text.set(serde_json::to_string_pretty(&v).unwrap_or_default());
                chosen.set(next_choice);
            }
            Err(e) => pg.error.set(Some(e)),
        }
    };
    let on_connect = (!read_only).then(|| {
        Callback::new(move |(from, to): (String, String)| {
            edit(&|v| asl_edit::set_next(v, &from, &to).map(|_| Some(from.clone())))
        })
    });
    let on_drop_state = (!read_only).then(|| {
        Callback::new(move |(after, kind): (String, String)| {
            edit(&|v| asl_edit::add_after(v, &after, &kind).map(Some))
        })
    });
    let siblings = move || {
        chosen.get().map_or_else(Vec::new, |name| {
            text.with(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .map(|v| asl_edit::siblings(&v, &name))
                .unwrap_or_default()
        })
    };
    let save = move |_| match serde_json::from_str::<serde_json::Value>(&text.get_untracked()) {
        Ok(v) => pg.set_definition(&id, &v),
        Err(e) => pg
            .error
            .set(Some(format!("The definition is not valid JSON: {e}"))),
    };
    view! {
        <div class="definition">
            <div class="code-head">
                <h3>"Definition (Amazon States Language)"</h3>
                <span class="unsaved" hidden=move || !dirty()>"unsaved"</span>
                <button id="save-definition" disabled=move || !dirty() || read_only on:click=save>"Save definition"</button>
            </div>
            <div class="definition-body">
                {(!read_only).then(|| view! {
                    <div class="state-palette" aria-label="States to drag onto the graph">
                        "Drag onto a state to add after it: "
                        {asl_edit::ADDABLE.iter().map(|k| view! {
                            <span class=format!("state-chip {}", k.to_lowercase()) draggable="true" data-kind=*k
                                title=format!("Drag onto a state: a {k} state runs after it")
                                on:dragstart=move |ev: web_sys::DragEvent| {
                                    if let Some(dt) = ev.data_transfer() {
                                        let _ = dt.set_data(crate::components::asl_graph::STATE_MIME, k);
                                    }
                                }>{*k}</span>
                        }).collect_view()}
                    </div>
                })}
                <div class="definition-graph">
                    {move || checked.with(|c| c.0.clone()).map(|g| view! { <AslGraphView graph=g status=status errors=errors on_select=on_select on_connect=on_connect on_drop_state=on_drop_state/> })}
                </div>
                <div id="definition-host" class="code-host" node_ref=host>
                    {(!rich).then(|| view! {
                        <textarea id="definition-fallback" spellcheck="false" aria-label="Definition JSON" readonly=read_only
                            prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    })}
                </div>
            </div>
            {move || chosen.get().filter(|_| !read_only).map(|name| {
                let (n1, n2, n3, n4) = (name.clone(), name.clone(), name.clone(), name.clone());
                view! {
                    <div id="state-tools" class="state-tools" role="toolbar" aria-label=format!("Edit state {name}")>
                        <span class="chosen">"State "<b>{name.clone()}</b></span>
                        <select id="add-state" aria-label="Add a state after this one" on:change=move |ev| {
                            let kind = event_target_value(&ev);
                            let after = n1.clone();
                            edit(&|v| asl_edit::add_after(v, &after, &kind).map(Some));
                        }>
                            <option value="" selected=true disabled=true>"Add after…"</option>
                            {asl_edit::ADDABLE.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                        </select>
                        <select id="state-next" aria-label="Next state" on:change=move |ev| {
                            let next = event_target_value(&ev);
                            let from = n2.clone();
                            edit(&|v| asl_edit::set_next(v, &from, &next).map(|_| Some(from.clone())));
                        }>
                            <option value="" selected=true disabled=true>"Next →"</option>
                            // Only the options follow the text; the toolbar follows the chosen state.
                            {move || siblings().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                        </select>
                        <button id="rename-state" on:click=move |_| {
                            let from = n3.clone();
                            if let Some(to) = crate::storage::prompt("Rename the state to:", &from) {
                                edit(&|v| asl_edit::rename(v, &from, &to).map(|_| Some(to.trim().to_string())));
                            }
                        }>"Rename…"</button>
                        <button id="delete-state" on:click=move |_| {
                            let name = n4.clone();
                            edit(&|v| asl_edit::delete(v, &name).map(|_| None));
                        }>"Delete"</button>
                    </div>
                }
            })}
            <ul id="definition-problems" class="problems">
                {move || checked.with(|c| c.2.clone()).into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
            {move || chosen.get().map(|name| {
                let state = resolved_def.with_value(|d| d.as_ref().and_then(|d| find_state(d, &name).map(|s| playground_core::asl::teststate::with_machine_language(d, s))));
                let events = pg.history.with_untracked(|h| h.as_ref().map(|(_, e)| e.clone()).unwrap_or_default());
                state.map(|s| view! { <DataFlow name=name.clone() state=s events=events/> })
            })}
        </div>
    }
}

/// A state's JSON by name, anywhere in a definition (inside Parallel branches and Map
/// item processors too).
fn find_state<'a>(def: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    let states = def.get("States")?.as_object()?;
    if let Some(s) = states.get(name) {
        return Some(s);
    }
    states.values().find_map(|s| {
        s.get("Branches")
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
            .chain(s.get("ItemProcessor").or_else(|| s.get("Iterator")))
            .find_map(|inner| find_state(inner, name))
    })
}

/// What the chosen execution gave a state: its input (the last time it was entered) and
/// the result of its Task (as a TestState mock), from the history's events.
fn from_history(
    events: &[serde_json::Value],
    name: &str,
) -> (Option<String>, Option<serde_json::Value>) {
    let entered = events.iter().rposition(|e| {
        e["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("StateEntered"))
            && e["stateEnteredEventDetails"]["name"] == name
    });
    let Some(i) = entered else {
        return (None, None);
    };
    let input = events[i]["stateEnteredEventDetails"]["input"]
        .as_str()
        .map(str::to_string);
    let mut mock = None;
    for e in &events[i + 1..] {
        let ty = e["type"].as_str().unwrap_or("");
        if ty.ends_with("StateExited") {
            break;
        }
        let details = e.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.ends_with("EventDetails"))
                .map(|(_, v)| v.clone())
        });
        match (ty, details) {
            (t, Some(d)) if t.ends_with("Succeeded") && d.get("output").is_some() => {
                mock = Some(serde_json::json!({"result": d["output"]}));
            }
            (t, Some(d)) if t.ends_with("Failed") || t.ends_with("TimedOut") => {
                mock = Some(
                    serde_json::json!({"errorOutput": {"error": d["error"], "cause": d["cause"]}}),
                );
            }
            _ => {}
        }
    }
    (input, mock)
}

/// The data-flow view of one state, as Workflow Studio's data-flow simulator shows it:
/// TestState run on the state with the input the chosen execution gave it (editable),
/// every stage from InputPath to the output, the next state or the error.
#[component]
fn DataFlow(
    name: String,
    state: serde_json::Value,
    events: Vec<serde_json::Value>,
) -> impl IntoView {
    let (input, mock) = from_history(&events, &name);
    let from_run = input.is_some();
    let input = RwSignal::new(input.unwrap_or_else(|| "{}".into()));
    let is_task = state["Type"] == "Task";
    // Parallel and Map run in TestState against a mocked result array, as in AWS.
    let is_fan = state["Type"] == "Parallel" || state["Type"] == "Map";
    let mock = RwSignal::new(
        mock.map(|m| serde_json::to_string_pretty(&m).unwrap_or_default())
            .unwrap_or_else(|| {
                if is_task {
                    r#"{"result": "{}"}"#.into()
                } else if is_fan {
                    r#"{"result": "[]"}"#.into()
                } else {
                    String::new()
                }
            }),
    );
    let pg = expect_context::<Playground>();
    // A new state starts with no answer shown.
    pg.test_state_result.set(None);
    // TestState runs in the engine worker (the page carries no ASL or JSONata evaluator):
    // each edit of the input or the mock asks again; the answer lands in `test_state`.
    Effect::new(move |_| {
        let parsed: Result<serde_json::Value, String> =
            input.with(|t| serde_json::from_str(t).map_err(|e| format!("input: {e}")));
        let m: Option<serde_json::Value> = mock.with(|t| serde_json::from_str(t).ok());
        match parsed {
            Ok(i) => pg.test_state(&state, i, m),
            Err(e) => pg.test_state_result.set(Some(Err(e))),
        }
    });
    let stages = move || {
        pg.test_state_result
            .get()
            .unwrap_or_else(|| Err("running TestState…".into()))
    };
    // JSONPath states show the first six, JSONata states input, afterArguments, result
    // and the variables they assign.
    const STAGES: [&str; 11] = [
        "input",
        "afterInputPath",
        "afterParameters",
        "afterArguments",
        "afterItemsPath",
        "afterItemSelector",
        "afterItemBatcher",
        "result",
        "afterResultSelector",
        "afterResultPath",
        "variables",
    ];
    view! {
        <div id="dataflow" class="dataflow">
            <h4>{format!("Data flow of “{name}”")}<span class="src">{if from_run { " · input from the chosen execution" } else { " · choose an execution in the Executions panel to use its input" }}</span></h4>
            <label>"Input"<textarea id="dataflow-input" spellcheck="false" prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))></textarea></label>
            {(is_task || is_fan).then(|| view! {
                <label>{if is_fan { "Result (mock: an array, one entry per branch or item)" } else { "Task result (mock)" }}<textarea id="dataflow-mock" spellcheck="false" prop:value=move || mock.get() on:input=move |ev| mock.set(event_target_value(&ev))></textarea></label>
            })}
            {move || match stages() {
                Ok(r) => {
                    let data = r["inspectionData"].clone();
                    view! {
                        <dl class="stages">
                            {STAGES.iter().filter(|k| data.get(**k).is_some()).map(|k| view! {
                                <dt>{*k}</dt><dd data-stage=*k>{data[*k].as_str().unwrap_or("").to_string()}</dd>
                            }).collect_view()}
                            <dt>"output"</dt><dd data-stage="output">{r["output"].as_str().unwrap_or("").to_string()}</dd>
                            <dt>"status"</dt><dd data-stage="status">{format!("{}{}{}", r["status"].as_str().unwrap_or(""),
                                r["nextState"].as_str().map(|n| format!(" → {n}")).unwrap_or_default(),
                                r["error"].as_str().map(|e| format!(" · {e}: {}", r["cause"].as_str().unwrap_or(""))).unwrap_or_default())}</dd>
                        </dl>
                    }.into_any()
                }
                Err(e) => view! { <p class="problems">{e}</p> }.into_any(),
            }}
        </div>
    }
}
