//! The page's state and what the user can do with it. `Playground` holds the signals;
//! its methods are the named actions (apply the template, play, pause, reset, share)
//! and the reply handler that turns the engine's trace into log lines and animated
//! messages. Components only read signals and call these methods.

use crate::components::canvas::anchors;
use crate::embed::announce;
use crate::engine;
use crate::url::now_real_ms;
use leptos::prelude::*;
use playground_core::graph::{self, Graph};
use serde_json::{json, Value};

pub const BUILTIN_EXAMPLE: &str = include_str!("../../public/examples/sqs-dlq.yaml");
/// The example gallery: (id, title); the text is `examples/{id}.yaml` beside the page,
/// fetched when an example is opened (only the built-in one is in the wasm). The first
/// one opens by default.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("sqs-dlq", "SQS → Lambda with a dead-letter queue"),
    (
        "sync-vs-async",
        "Sync vs async invoke: errors, 202 and retries",
    ),
    (
        "execution-role",
        "Execution role: AccessDenied and SAM policy templates",
    ),
    ("short-vs-long-polling", "SQS short polling vs long polling"),
    (
        "sqs-scaling",
        "SQS → Lambda scaling: pollers add concurrency",
    ),
    (
        "sqs-fifo-groups",
        "SQS FIFO: message groups in order, deduplication",
    ),
    (
        "async-destinations",
        "Async invoke: retries, DLQ and destinations",
    ),
    (
        "reserved-concurrency",
        "Throttling and reserved concurrency",
    ),
    ("alias-canary", "Versions and a weighted alias (canary)"),
    (
        "canary-deployment",
        "Canary deployment with CodeDeploy and a rollback alarm",
    ),
    (
        "provisioned-concurrency",
        "Provisioned concurrency vs cold starts",
    ),
    ("sns-fanout", "SNS fan-out with filter policies"),
    (
        "s3-events",
        "S3 event notifications: filters, SDK, bucket to queue",
    ),
    (
        "step-functions-order",
        "Step Functions: Choice, task token, Parallel, Retry/Catch",
    ),
    (
        "step-functions-map",
        "Step Functions: Map with MaxConcurrency and Catch",
    ),
    (
        "kinesis-shards",
        "Kinesis → Lambda: shards, resharding and concurrency",
    ),
    (
        "step-functions-jsonata",
        "Step Functions: JSONata, variables and Choice conditions",
    ),
    (
        "eventbridge-orders",
        "EventBridge: bus, patterns, input transformer, schedule, DLQ",
    ),
];

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

/// The gallery example whose text this is, untouched.
pub fn example_of(text: &str) -> Option<&'static str> {
    let f = crate::fingerprint::fingerprint(text);
    EXAMPLE_FINGERPRINTS
        .iter()
        .find(|(_, h)| *h == f)
        .map(|(id, _)| *id)
}

/// How long one message takes to travel along a wire on screen (real ms).
pub const TRAVEL_MS: f64 = 700.0;
const MAX_LOG_LINES: usize = 2_000;
const MAX_TRACE_ROWS: usize = 5_000;
const MAX_DOTS: usize = 1_500;

#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub id: u64,
    pub at_ms: f64,
    pub resource: String,
    pub text: String,
}

/// One message travelling along a wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    pub id: u64,
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// The trace kind (its colour on the canvas).
    pub kind: &'static str,
    pub start_real: f64,
}

/// One line of the API console: what was typed and what the engine answered.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    pub id: u64,
    pub command: String,
    pub action: String,
    pub ok: bool,
    pub text: String,
}

/// Which panel the bottom area shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tab {
    Logs,
    Trace,
    Metrics,
    Queues,
    Executions,
    Console,
}

impl Tab {
    /// The name used in links (`&tab=executions`) and embed options.
    pub fn name(self) -> &'static str {
        match self {
            Tab::Logs => "logs",
            Tab::Trace => "trace",
            Tab::Metrics => "metrics",
            Tab::Queues => "queues",
            Tab::Executions => "executions",
            Tab::Console => "console",
        }
    }

    pub fn from_name(name: &str) -> Option<Tab> {
        [
            Tab::Logs,
            Tab::Trace,
            Tab::Metrics,
            Tab::Queues,
            Tab::Executions,
            Tab::Console,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// Metric samples per (resource, CloudWatch metric name): (virtual ms, value).
pub type MetricSeries = std::collections::BTreeMap<(String, &'static str), Vec<(f64, f64)>>;

/// One entry of the run's trace, as the Trace panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub id: u64,
    pub at_ms: f64,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub summary: String,
    /// The entry's detail (ids to follow a request by); turned into text only when the
    /// Trace panel searches or shows it, never on the hot path.
    pub detail: Value,
}

/// What is selected on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Node(String),
    Wire(String, String),
}

/// The last change to the template, as a diff (shown beside the editor).
#[derive(Clone, Debug, PartialEq)]
pub struct LastChange {
    pub summary: String,
    pub lines: Vec<(char, String)>,
}

/// A wire dropped on a resource it can join in more than one way: the user picks.
#[derive(Clone, Debug, PartialEq)]
pub struct WireChoice {
    pub from: String,
    pub to: String,
    pub labels: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    Times(f64),
    Max,
}

impl Speed {
    pub fn label(self) -> String {
        match self {
            Speed::Times(x) => format!("{x}×"),
            Speed::Max => "max".into(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Playground {
    /// The scenario as the user wrote it (the source of truth; never lost on errors).
    pub template: RwSignal<String>,
    /// What is loaded and drawn: the last template that parsed.
    pub loaded: RwSignal<String>,
    pub graph: RwSignal<Option<Graph>>,
    pub error: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<String>>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<Speed>,
    pub clock_ms: RwSignal<f64>,
    pub logs: RwSignal<Vec<LogLine>>,
    pub dots: RwSignal<Vec<Dot>>,
    pub snapshot: RwSignal<Value>,
    pub now_real: RwSignal<f64>,
    pub share_url: RwSignal<Option<String>>,
    pub engine_ready: RwSignal<bool>,
    pub tab: RwSignal<Tab>,
    pub console: RwSignal<Vec<ConsoleEntry>>,
    /// The execution shown in the executions panel, and its history once fetched.
    pub selected_exec: RwSignal<Option<String>>,
    pub history: RwSignal<Option<(String, Vec<Value>)>>,
    pub selected: RwSignal<Option<Selection>>,
    /// More boxes selected with Shift+click (besides `selected`).
    pub multi: RwSignal<Vec<String>>,
    pub last_change: RwSignal<Option<LastChange>>,
    pub wire_choice: RwSignal<Option<WireChoice>>,
    /// Wiring with the keyboard (W): the box the wire starts from, until Enter on a
    /// target box or Escape.
    pub kb_wire: RwSignal<Option<String>>,
    /// The activity worker in the inspector: the task it holds (token, input) and the
    /// last answer it got.
    pub worker_task: RwSignal<Option<(String, String)>>,
    pub worker_result: RwSignal<Option<(bool, String)>>,
    /// The data-flow view's TestState answer (the newest request's), and that request.
    pub test_state_result: RwSignal<Option<Result<Value, String>>>,
    test_state_id: StoredValue<u64>,
    /// Earlier texts of the template (undo) and undone ones (redo).
    pub undo_stack: RwSignal<Vec<String>>,
    pub redo_stack: RwSignal<Vec<String>>,
    /// Set when the page is embedded in another (`?embed…`).
    pub embed: RwSignal<Option<crate::embed::Embed>>,
    /// When the engine's next event is due (for Step), and the furthest virtual time
    /// this run has reached (the timeline's end).
    pub next_ms: RwSignal<Option<f64>>,
    pub max_clock: RwSignal<f64>,
    /// No animation for the next stretch (a jump on the timeline).
    quiet: StoredValue<bool>,
    /// Metric samples per (resource, CloudWatch metric name): (virtual ms, value).
    pub metrics: RwSignal<MetricSeries>,
    /// The newest entries of the run's trace (for the Trace panel).
    pub trace_rows: RwSignal<Vec<TraceRow>>,
    /// The inspector's last test invocation: succeeded?, the answer as text.
    pub invoke_result: RwSignal<Option<(bool, String)>>,
    /// The counters at the previous sample, to turn them into per-interval values.
    last_counters: StoredValue<std::collections::BTreeMap<(String, &'static str), f64>>,
    next_id: StoredValue<u64>,
    last_tick: StoredValue<f64>,
    /// Where the current pace measurement started (real ms, clock ms).
    pace_from: StoredValue<Option<(f64, f64)>>,
    /// The speed the run actually makes, when the engine cannot keep the chosen one.
    pub pace: RwSignal<Option<f64>>,
    last_announce: StoredValue<f64>,
}

impl Playground {
    pub fn new() -> Self {
        Playground {
            template: RwSignal::new(String::new()),
            loaded: RwSignal::new(String::new()),
            graph: RwSignal::new(None),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            playing: RwSignal::new(false),
            speed: RwSignal::new(Speed::Times(1.0)),
            clock_ms: RwSignal::new(0.0),
            logs: RwSignal::new(Vec::new()),
            dots: RwSignal::new(Vec::new()),
            snapshot: RwSignal::new(Value::Null),
            now_real: RwSignal::new(0.0),
            share_url: RwSignal::new(None),
            engine_ready: RwSignal::new(false),
            tab: RwSignal::new(Tab::Logs),
            console: RwSignal::new(Vec::new()),
            selected_exec: RwSignal::new(None),
            history: RwSignal::new(None),
            selected: RwSignal::new(None),
            multi: RwSignal::new(Vec::new()),
            last_change: RwSignal::new(None),
            wire_choice: RwSignal::new(None),
            kb_wire: RwSignal::new(None),
            worker_task: RwSignal::new(None),
            worker_result: RwSignal::new(None),
            test_state_result: RwSignal::new(None),
            test_state_id: StoredValue::new(0),
            undo_stack: RwSignal::new(Vec::new()),
            redo_stack: RwSignal::new(Vec::new()),
            embed: RwSignal::new(None),
            next_ms: RwSignal::new(None),
            max_clock: RwSignal::new(0.0),
            quiet: StoredValue::new(false),
            metrics: RwSignal::new(Default::default()),
            invoke_result: RwSignal::new(None),
            trace_rows: RwSignal::new(Vec::new()),
            last_counters: StoredValue::new(Default::default()),
            next_id: StoredValue::new(0),
            last_tick: StoredValue::new(0.0),
            pace_from: StoredValue::new(None),
            pace: RwSignal::new(None),
            last_announce: StoredValue::new(0.0),
        }
    }

    fn next_id(&self) -> u64 {
        self.next_id.update_value(|n| *n += 1);
        self.next_id.get_value()
    }

    /// Loads the text in the editor: draws it and resets the run. A template with an
    /// error is not loaded; the error names its place and the text stays as it is.
    pub fn apply_template(&self) -> bool {
        let text = self.template.get_untracked();
        match playground_core::template::load(&text) {
            Ok(model) => {
                self.graph.set(Some(graph::build(&model)));
                self.error.set(None);
                self.loaded.set(text);
                self.reset();
                true
            }
            Err(e) => {
                announce("error", json!({"message": e.to_string()}));
                self.error
                    .set(Some(format!("The template was not loaded: {e}")));
                false
            }
        }
    }

    /// Sets the template (from a link or the built-in example) and loads it.
    pub fn open(&self, text: String) {
        self.template.set(text);
        self.apply_template();
    }

    /// Whether the editor holds work of the user's own: neither an untouched gallery
    /// example nor one of the scenarios saved in this browser.
    pub fn holds_own_work(&self) -> bool {
        self.template.with_untracked(|t| {
            example_of(t).is_none() && !crate::storage::scenarios().iter().any(|(_, s)| s == t)
        })
    }

    /// Opens gallery example `id`: its text is fetched from `examples/` beside the page
    /// (the service worker keeps a copy for offline use). Work of the user's own is
    /// replaced only after they agree.
    pub fn open_example(&self, id: &str) {
        let pg = *self;
        let url = format!("./examples/{id}.yaml");
        let id = id.to_string();
        leptos::task::spawn_local(async move {
            match crate::files::fetch_text(&url).await {
                Ok(text) => {
                    if !pg.holds_own_work()
                        || crate::storage::confirm("Replace your scenario in the editor?")
                    {
                        pg.open(text);
                    }
                }
                Err(e) => pg
                    .error
                    .set(Some(format!("The example {id} could not be loaded: {e}"))),
            }
        });
    }

    pub fn reset(&self) {
        self.max_clock.set(0.0);
        self.restart();
        announce("reset", json!({}));
    }

    /// Loads the scenario afresh into the engine at time 0 (the run is deterministic, so
    /// running it again to any time shows exactly what was seen then).
    fn restart(&self) {
        self.playing.set(false);
        self.clock_ms.set(0.0);
        // Another scenario (or the same one again) is measured afresh.
        self.clear_pace();
        self.metrics.set(Default::default());
        self.trace_rows.set(Vec::new());
        self.last_counters.set_value(Default::default());
        self.logs.set(Vec::new());
        self.dots.set(Vec::new());
        self.snapshot.set(Value::Null);
        self.selected_exec.set(None);
        self.history.set(None);
        engine::send(
            json!({"type": "load", "template": self.loaded.get_untracked(), "seed": null}),
        );
        engine::send(json!({"type": "advance", "to_ms": 0}));
    }

    /// Runs to the engine's next event and stops there.
    pub fn step(&self) {
        self.pause();
        if engine::busy() {
            return;
        }
        if let Some(next) = self.next_ms.get_untracked() {
            engine::send(json!({"type": "advance", "to_ms": next.ceil()}));
        }
    }

    /// Shows the run as it was at virtual time `t_ms` (any time up to the furthest
    /// reached): an earlier time replays the run from the start, without animation.
    pub fn seek(&self, t_ms: f64) {
        self.pause();
        let t = t_ms.clamp(0.0, self.max_clock.get_untracked()).floor();
        if t < self.clock_ms.get_untracked() {
            self.restart();
        }
        self.quiet.set_value(true);
        engine::send(json!({"type": "advance", "to_ms": t}));
    }

    pub fn play(&self) {
        self.last_tick.set_value(now_real_ms());
        self.playing.set(true);
        announce("play", json!({"clockMs": self.clock_ms.get_untracked()}));
    }

    pub fn pause(&self) {
        self.playing.set(false);
        announce("pause", json!({"clockMs": self.clock_ms.get_untracked()}));
    }

    /// An embedded page's template cannot be changed when the host asked for readOnly.
    pub fn read_only(&self) -> bool {
        self.embed
            .with_untracked(|e| e.as_ref().is_some_and(|e| e.read_only))
    }

    /// Puts the loaded scenario in the URL fragment and shows the link.
    pub fn share(&self) {
        let encoded = playground_core::share::encode(&self.template.get_untracked());
        self.share_url.set(crate::url::set_share_fragment(
            &encoded,
            self.tab.get_untracked().name(),
        ));
    }

    /// Called about 30 times a second: moves the animation and asks the engine for the
    /// next stretch of virtual time while playing.
    pub fn tick(&self) {
        let now = now_real_ms();
        self.now_real.set(now);
        if engine::watchdog() {
            self.playing.set(false);
            self.engine_ready.set(false);
            self.notice.set(Some(
                "The engine stopped answering for 10 s and was restarted. Your scenario is kept; press Reset to run it again.".into(),
            ));
            return;
        }
        let last = self.last_tick.get_value();
        self.last_tick.set_value(now);
        if !self.playing.get_untracked() {
            self.clear_pace();
            return;
        }
        if engine::busy() {
            return;
        }
        let clock = self.clock_ms.get_untracked();
        let target = match self.speed.get_untracked() {
            Speed::Times(x) => clock + ((now - last).clamp(0.0, 250.0) * x).max(1.0),
            Speed::Max => clock + 60_000.0,
        };
        engine::send(json!({"type": "advance", "to_ms": target.floor()}));
    }

    /// Forgets the pace measured so far (paused, reset, or no speed asked for).
    fn clear_pace(&self) {
        self.pace_from.set_value(None);
        if self.pace.get_untracked().is_some() {
            self.pace.set(None);
        }
    }

    /// The speed the run makes over each second of play, shown when a scenario too heavy
    /// for the engine at the chosen speed runs slower than it (the run is the same).
    fn measure_pace(&self, clock: f64) {
        let now = now_real_ms();
        let Speed::Times(x) = self.speed.get_untracked() else {
            self.clear_pace();
            return;
        };
        match self.pace_from.get_value() {
            None => self.pace_from.set_value(Some((now, clock))),
            Some((t0, c0)) if now - t0 >= 1_000.0 => {
                let made = (clock - c0) / (now - t0);
                let slow = (made < 0.8 * x).then_some(made);
                if self.pace.get_untracked() != slow {
                    self.pace.set(slow);
                }
                self.pace_from.set_value(Some((now, clock)));
            }
            Some(_) => {}
        }
    }

    /// Runs a console line (an `aws …` command or `service:Action {json}`) against the
    /// running scenario. A line that does not parse is answered here.
    pub fn console_send(&self, line: String) {
        let id = self.next_id();
        match playground_core::console::parse(&line) {
            Ok((action, params)) => {
                self.console.update(|c| {
                    c.push(ConsoleEntry {
                        id,
                        command: line,
                        action: action.clone(),
                        ok: true,
                        text: "…".into(),
                    })
                });
                engine::send(
                    json!({"type": "call", "id": id, "purpose": "console", "action": action, "params": params}),
                );
            }
            Err(e) => self.console.update(|c| {
                c.push(ConsoleEntry {
                    id,
                    command: line,
                    action: String::new(),
                    ok: false,
                    text: e,
                })
            }),
        }
    }

    /// The inspector's Test button: a synchronous Invoke with the event, as the Lambda
    /// console does; the run's view catches up with what it caused.
    pub fn invoke_test(&self, function: &str, payload: String) {
        self.invoke_result.set(Some((true, "Invoking…".into())));
        engine::send(json!({"type": "call", "id": 0, "purpose": "invoke",
            "action": "lambda:Invoke",
            "params": {"FunctionName": function, "Payload": payload, "LogType": "Tail"}}));
        engine::send(json!({"type": "advance", "to_ms": self.clock_ms.get_untracked().floor()}));
    }

    /// The activity worker (inspector of an `AWS::StepFunctions::Activity`): a
    /// GetActivityTask or SendTask* call as a worker process would make it.
    pub fn worker_call(&self, action: &str, params: Value) {
        self.worker_result.set(Some((true, format!("{action}…"))));
        engine::send(json!({"type": "call", "id": 0, "purpose": "worker",
            "action": action, "params": params}));
        engine::send(json!({"type": "advance", "to_ms": self.clock_ms.get_untracked().floor()}));
    }

    /// Runs TestState on one state in the engine worker (`states:TestState`).
    pub fn test_state(&self, state: &Value, input: Value, mock: Option<Value>) {
        let id = self.next_id();
        self.test_state_id.set_value(id);
        let mut params = json!({"definition": state, "input": input});
        if let Some(m) = mock {
            params["mock"] = m;
        }
        engine::send(json!({"type": "call", "id": id, "purpose": "teststate",
            "action": "states:TestState", "params": params}));
    }

    /// Shows an execution in the executions panel and fetches its history.
    pub fn select_execution(&self, arn: String) {
        self.selected_exec.set(Some(arn.clone()));
        self.fetch_history(&arn);
    }

    fn fetch_history(&self, arn: &str) {
        engine::send(json!({"type": "call", "id": 0, "purpose": "history",
            "action": "states:GetExecutionHistory", "params": {"executionArn": arn}}));
    }

    /// After each stretch of the run: fetch the selected execution's history again if
    /// it grew.
    fn refresh_history(&self) {
        let Some(arn) = self.selected_exec.get_untracked() else {
            return;
        };
        let events = self.snapshot.with_untracked(|s| {
            s["resources"].as_object().and_then(|r| {
                r.values().find_map(|m| {
                    m["executions"]
                        .as_array()?
                        .iter()
                        .find(|e| e["executionArn"] == arn.as_str())?["events"]
                        .as_u64()
                })
            })
        });
        let have = self.history.with_untracked(|h| {
            h.as_ref()
                .filter(|(a, _)| *a == arn)
                .map(|(_, e)| e.len() as u64)
        });
        if events.is_some() && events != have {
            self.fetch_history(&arn);
        }
    }

    fn on_called(&self, msg: &Value) {
        let answer = match (msg.get("result"), msg.get("error")) {
            (Some(r), _) => Ok(r.clone()),
            (_, Some(e)) => Err(e.clone()),
            _ => Err(json!({"message": "no answer"})),
        };
        match msg["purpose"].as_str() {
            Some("invoke") => {
                let text = match &answer {
                    Ok(r) => {
                        let mut r = r.clone();
                        // The log tail, decoded as the console shows it.
                        if let Some(tail) = r["LogResult"].as_str() {
                            if let Some(bytes) = playground_core::util::base64_decode(tail) {
                                r["LogResult"] = json!(String::from_utf8_lossy(&bytes));
                            }
                        }
                        serde_json::to_string_pretty(&r).unwrap_or_default()
                    }
                    Err(e) => serde_json::to_string_pretty(e).unwrap_or_default(),
                };
                let ok = answer
                    .as_ref()
                    .is_ok_and(|r| r.get("FunctionError").is_none());
                self.invoke_result.set(Some((ok, text)));
            }
            Some("teststate") => {
                if msg["id"].as_u64() == Some(self.test_state_id.get_value()) {
                    self.test_state_result.set(Some(answer.map_err(|e| {
                        format!(
                            "{}: {}",
                            e["code"].as_str().unwrap_or(""),
                            e["message"].as_str().unwrap_or("")
                        )
                    })));
                }
            }
            Some("worker") => {
                let action = msg["action"].as_str().unwrap_or("");
                match &answer {
                    Ok(r) if action == "states:GetActivityTask" => {
                        let token = r["taskToken"].as_str().unwrap_or("");
                        if token.is_empty() {
                            self.worker_task.set(None);
                            self.worker_result.set(Some((true, "No task was waiting: GetActivityTask returned an empty token after its 60-second long poll.".into())));
                        } else {
                            let input = r["input"].as_str().unwrap_or("{}").to_string();
                            self.worker_task.set(Some((token.to_string(), input)));
                            self.worker_result
                                .set(Some((true, "Got a task: send its result.".into())));
                        }
                    }
                    Ok(_) => {
                        self.worker_result
                            .set(Some((true, format!("{action}: done"))));
                        if action != "states:SendTaskHeartbeat" {
                            self.worker_task.set(None);
                        }
                    }
                    Err(e) => self.worker_result.set(Some((
                        false,
                        format!(
                            "{action}: {}: {}",
                            e["code"].as_str().unwrap_or(""),
                            e["message"].as_str().unwrap_or("")
                        ),
                    ))),
                }
            }
            Some("history") => {
                if let Ok(r) = answer {
                    let arn = msg["params"]["executionArn"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    let events = r["events"].as_array().cloned().unwrap_or_default();
                    self.history.set(Some((arn, events)));
                }
            }
            _ => {
                let id = msg["id"].as_u64().unwrap_or(0);
                let (ok, v) = match answer {
                    Ok(v) => (true, v),
                    Err(e) => (false, e),
                };
                let text = serde_json::to_string_pretty(&v).unwrap_or_default();
                self.console.update(|c| {
                    if let Some(e) = c.iter_mut().find(|e| e.id == id) {
                        e.ok = ok;
                        e.text = text;
                    }
                });
            }
        }
    }

    /// One metric sample per resource from a snapshot (when virtual time moved).
    fn sample_metrics(&self, snap: &Value) {
        const KEEP: usize = 120;
        let Some(t) = snap["clock_ms"].as_f64() else {
            return;
        };
        let Some(res) = snap["resources"].as_object() else {
            return;
        };
        let moved = self.metrics.with_untracked(|m| {
            m.values()
                .next()
                .and_then(|s| s.last())
                .is_none_or(|last| t > last.0)
        });
        if !moved {
            return;
        }
        let mut samples: Vec<((String, &'static str), f64)> = Vec::new();
        let mut counters: Vec<((String, &'static str), f64)> = Vec::new();
        for (id, r) in res {
            let n = |k: &str| r[k].as_f64().unwrap_or(0.0);
            if r.get("visible").is_some() {
                samples.push((
                    (id.clone(), "ApproximateNumberOfMessagesVisible"),
                    n("visible"),
                ));
                samples.push((
                    (id.clone(), "ApproximateNumberOfMessagesNotVisible"),
                    n("inflight"),
                ));
                counters.push(((id.clone(), "NumberOfMessagesSent"), n("sent")));
            } else if r.get("busy").is_some() {
                samples.push(((id.clone(), "ConcurrentExecutions"), n("busy")));
                counters.push(((id.clone(), "Invocations"), n("invocations")));
                counters.push(((id.clone(), "Errors"), n("errors")));
                counters.push(((id.clone(), "Throttles"), n("throttles")));
            } else if r.get("running").is_some() {
                samples.push(((id.clone(), "ExecutionsRunning"), n("running")));
            }
        }
        self.last_counters.update_value(|last| {
            for (key, v) in counters {
                let prev = last.insert(key.clone(), v).unwrap_or(0.0);
                samples.push((key, (v - prev).max(0.0)));
            }
        });
        self.metrics.update(|m| {
            for (key, v) in samples {
                let s = m.entry(key).or_default();
                s.push((t, v));
                if s.len() > KEEP {
                    s.remove(0);
                }
            }
        });
    }

    /// A reply from the engine worker.
    pub fn on_reply(&self, mut msg: Value) {
        match msg["type"].as_str() {
            Some("loaded") => {
                if !self.engine_ready.get_untracked() {
                    announce("ready", json!({}));
                }
                self.engine_ready.set(true);
                let resources: Vec<String> = self.graph.with_untracked(|g| {
                    g.as_ref()
                        .map(|g| g.nodes.iter().map(|n| n.id.clone()).collect())
                        .unwrap_or_default()
                });
                announce("loaded", json!({"resources": resources}));
            }
            Some("error") => {
                self.error.set(
                    msg["message"]
                        .as_str()
                        .map(|m| format!("The engine refused the template: {m}")),
                );
                self.playing.set(false);
            }
            Some("progress") => {
                self.next_ms.set(msg["next_ms"].as_f64());
                if let Some(c) = msg["clock_ms"].as_f64() {
                    self.measure_pace(c);
                    self.clock_ms.set(c);
                    if c > self.max_clock.get_untracked() {
                        self.max_clock.set(c);
                    }
                    let now = now_real_ms();
                    if now - self.last_announce.get_value() >= 1000.0 {
                        self.last_announce.set_value(now);
                        announce("progress", json!({"clockMs": c}));
                    }
                }
                self.sample_metrics(&msg["snapshot"]);
                self.snapshot.set(msg["snapshot"].take());
                let skipped = msg["skipped"].as_u64().unwrap_or(0);
                if skipped > 0 {
                    let line = LogLine {
                        id: self.next_id(),
                        at_ms: msg["clock_ms"].as_f64().unwrap_or(0.0),
                        resource: "playground".into(),
                        text: format!("… {skipped} earlier trace entries of this stretch are not shown (too many to draw at this speed; the run itself is complete)"),
                    };
                    append_capped(self.logs, vec![line], MAX_LOG_LINES);
                }
                if let Value::Array(entries) = msg["trace"].take() {
                    self.absorb(entries);
                }
                self.quiet.set_value(false);
                self.refresh_history();
            }
            Some("called") => self.on_called(&msg),
            _ => {}
        }
    }

    /// Takes a progress message's trace entries: log lines and the dots to animate are
    /// read from them, then they become trace rows (moved, not copied).
    fn absorb(&self, entries: Vec<Value>) {
        let Some(graph) = self.graph.get_untracked() else {
            return;
        };
        let corner = |id: &str| graph.nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y));
        let now = now_real_ms();
        let mut new_logs = Vec::new();
        let mut new_dots = Vec::new();
        for e in &entries {
            let kind = e["kind"].as_str().unwrap_or("");
            let from = e["from"].as_str().unwrap_or("");
            let to = e["to"].as_str().unwrap_or("");
            // A call the caller's role does not allow: the error and the policy that
            // would grant it, in the logs where the learner looks.
            if let Some(hint) = e["detail"]["hint"].as_str() {
                new_logs.push(LogLine {
                    id: self.next_id(),
                    at_ms: e["at_ms"].as_f64().unwrap_or(0.0),
                    resource: from.to_string(),
                    text: format!("IAM: {} — {hint}", e["summary"].as_str().unwrap_or("")),
                });
            }
            if kind == "log" {
                new_logs.push(LogLine {
                    id: self.next_id(),
                    at_ms: e["at_ms"].as_f64().unwrap_or(0.0),
                    resource: from.to_string(),
                    text: e["summary"].as_str().unwrap_or("").to_string(),
                });
                continue;
            }
            if new_dots.len() >= MAX_DOTS || self.quiet.get_value() {
                continue;
            }
            let ends = match (from, corner(to)) {
                // From the driver stub's right edge (see the canvas's driver wire).
                ("driver", Some((x, y))) => Some(((x - 59.0, y + 32.0), (x, y + 32.0))),
                (_, Some(b)) => corner(from).filter(|a| *a != b).map(|a| anchors(a, b)),
                _ => None,
            };
            if let Some((a, b)) = ends {
                if a != b {
                    // Dots from one batch start a little apart so each is visible.
                    let stagger = (new_dots.len() % 8) as f64 * 40.0;
                    new_dots.push(Dot {
                        id: self.next_id(),
                        from: a,
                        to: b,
                        kind: crate::components::canvas::dot_kind(kind),
                        start_real: now + stagger,
                    });
                }
            }
        }
        let text = |v: &mut Value| match v.take() {
            Value::String(s) => s,
            _ => String::new(),
        };
        let rows: Vec<TraceRow> = entries
            .into_iter()
            .map(|mut e| TraceRow {
                id: self.next_id(),
                at_ms: e["at_ms"].as_f64().unwrap_or(0.0),
                kind: text(&mut e["kind"]),
                from: text(&mut e["from"]),
                to: text(&mut e["to"]),
                summary: text(&mut e["summary"]),
                detail: e["detail"].take(),
            })
            .collect();
        append_capped(self.trace_rows, rows, MAX_TRACE_ROWS);
        append_capped(self.logs, new_logs, MAX_LOG_LINES);
        append_capped(self.dots, new_dots, MAX_DOTS);
    }
}

/// Appends to a list signal, keeping only the newest `cap` items.
fn append_capped<T: Send + Sync + 'static>(list: RwSignal<Vec<T>>, new: Vec<T>, cap: usize) {
    if new.is_empty() {
        return;
    }
    list.update(|l| {
        l.extend(new);
        if l.len() > cap {
            let cut = l.len() - cap;
            l.drain(..cut);
        }
    });
}
