//! The engine worker: runs the simulation off the page's thread, so nothing a handler
//! does can freeze the page. It owns one `Sim` and answers the page's messages:
//!
//! - `{"type":"load","template":TEXT,"seed":N|null}` → `{"type":"loaded"}` or
//!   `{"type":"error","message":…}`
//! - `{"type":"advance","to_ms":T}` → `{"type":"progress","clock_ms":…,"trace":[…new
//!   entries, the newest 3,000 at most…],"skipped":N,"snapshot":{…},"next_ms":…}`
//! - `{"type":"report"}` → `{"type":"report","report":{…}}`
//! - `{"type":"call","id":N,"purpose":P,"action":"sqs:SendMessage","params":{…}}` →
//!   `{"type":"called","id":N,"purpose":P,"action":…,"params":…,"result":{…}}` or `"error"`
//!   (an API call from the console; a call that takes virtual time runs the clock on)
//!
//! The page restarts the worker if it stops answering; the scenario lives in the page.

#[cfg(target_arch = "wasm32")]
mod worker {
    use playground_core::Sim;
    use serde_json::{json, Value};
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// At most this many trace entries go to the page with one progress message.
    const MAX_TRACE_PER_PROGRESS: usize = 3_000;

    struct State {
        sim: Option<Sim>,
        sent: usize,
    }

    thread_local! {
        static STATE: RefCell<State> = const { RefCell::new(State { sim: None, sent: 0 }) };
    }

    fn handle(msg: &Value) -> Value {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            match msg["type"].as_str() {
                Some("load") => {
                    let text = msg["template"].as_str().unwrap_or("");
                    let seed = msg["seed"].as_u64();
                    match Sim::load_with_seed(text, seed) {
                        Ok(sim) => {
                            s.sim = Some(sim);
                            s.sent = 0;
                            json!({"type": "loaded"})
                        }
                        Err(e) => {
                            s.sim = None;
                            json!({"type": "error", "message": e.to_string()})
                        }
                    }
                }
                Some("advance") => {
                    let State { sim, sent } = &mut *s;
                    let Some(sim) = sim.as_mut() else {
                        return json!({"type": "error", "message": "no scenario is loaded"});
                    };
                    let to = msg["to_ms"].as_f64().unwrap_or(0.0).max(0.0) as u64;
                    // Events due now (at 0 after a load) run too, so Step can start.
                    if to >= sim.now_ms() {
                        sim.run_until(to);
                    }
                    // A long stretch at high speed makes more trace than a page can
                    // show: the newest entries go (the logs panel keeps 2,000 lines
                    // anyway), with how many were left out.
                    let all = &sim.trace()[*sent..];
                    let skipped = all.len().saturating_sub(MAX_TRACE_PER_PROGRESS);
                    let new: Vec<Value> = all[skipped..]
                        .iter()
                        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                        .collect();
                    *sent = sim.trace().len();
                    json!({
                        "type": "progress",
                        "clock_ms": sim.now_ms(),
                        "trace": new,
                        "skipped": skipped,
                        "snapshot": sim.snapshot(),
                        "next_ms": sim.next_event_ms(),
                    })
                }
                Some("call") => {
                    let Some(sim) = s.sim.as_mut() else {
                        return json!({"type": "error", "message": "no scenario is loaded"});
                    };
                    let action = msg["action"].as_str().unwrap_or("");
                    let mut out = json!({"type": "called", "id": msg["id"], "purpose": msg["purpose"], "action": action, "params": msg["params"]});
                    match sim.call("console", action, msg["params"].clone()) {
                        Ok(v) => out["result"] = v,
                        Err(e) => out["error"] = e.to_json(),
                    }
                    out
                }
                Some("bench") => bench(msg),
                Some("report") => match s.sim.as_ref() {
                    Some(sim) => json!({"type": "report", "report": sim.report()}),
                    None => json!({"type": "error", "message": "no scenario is loaded"}),
                },
                other => json!({"type": "error", "message": format!("unknown message {other:?}")}),
            }
        })
    }

    /// Runs the shared benchmark scenarios here, in wasm, timed with the worker's clock:
    /// the SQS → Lambda pipeline, warm invocations and the two Step Functions machines.
    fn bench(msg: &Value) -> Value {
        use playground_core::bench;
        let now = || js_sys::Date::now();
        let messages = msg["messages"].as_u64().unwrap_or(10_000);
        let invocations = msg["invocations"].as_u64().unwrap_or(2_000);
        let t0 = now();
        let pipeline = bench::run_pipeline(messages);
        let pipeline_ms = now() - t0;
        let result = pipeline.and_then(|_| {
            let mut sim = bench::trivial_function()?;
            let t1 = now();
            for i in 0..invocations {
                bench::invoke_trivial(&mut sim, i)?;
            }
            Ok((messages, now() - t1))
        });
        let sqs_call_ms = (|| -> Result<f64, String> {
            let mut sim = bench::sqs_caller_function()?;
            let t = now();
            for i in 0..invocations {
                bench::invoke_sqs_caller(&mut sim, i)?;
            }
            Ok(now() - t)
        })();
        let t = now();
        let roundtrip = bench::sqs_roundtrip(messages).map(|n| (n, now() - t));
        let burst = (|| -> Result<(f64, u64), String> {
            let mut sim =
                playground_core::Sim::load(bench::burst_template()).map_err(|e| e.to_string())?;
            let t = now();
            bench::run_burst(&mut sim, 1_000)?;
            let ms = now() - t;
            let (sent, throttles) = bench::burst_result(&sim);
            if sent != 1_000 {
                return Err(format!("burst: {sent} of 1000 handlers finished"));
            }
            Ok((ms, throttles))
        })();
        let executions = msg["executions"].as_u64().unwrap_or(2_000);
        let result = result.and_then(|(deleted, invoke_ms)| {
            let mut sfn = Vec::new();
            for (def, map, n) in [
                (bench::SFN_CHAIN, false, executions),
                (bench::SFN_MAP, true, (executions / 100).max(1)),
            ] {
                // The median of five rounds, as the native and Node benchmarks report.
                let input = bench::sfn_input(map);
                let mut rounds = Vec::new();
                for _ in 0..5 {
                    let mut sim = bench::sfn_machine(def)?;
                    let t = now();
                    bench::sfn_run(&mut sim, &input, n)?;
                    rounds.push(now() - t);
                    if bench::sfn_succeeded(&sim) != n {
                        return Err("a benchmark execution failed".to_string());
                    }
                }
                rounds.sort_by(f64::total_cmp);
                sfn.push(json!({"executions": n, "ms": rounds[2]}));
            }
            Ok((deleted, invoke_ms, sfn))
        });
        match result {
            Ok((deleted, invoke_ms, sfn)) => json!({
                "type": "bench",
                "messages": deleted,
                "pipeline_ms": pipeline_ms,
                "invocations": invocations,
                "invoke_ms": invoke_ms,
                "sqs_call_ms": sqs_call_ms.as_ref().ok(),
                "sfn_chain": sfn[0],
                "sfn_map": sfn[1],
                "roundtrip_messages": roundtrip.as_ref().map(|r| r.0).ok(),
                "roundtrip_ms": roundtrip.as_ref().map(|r| r.1).ok(),
                "burst_ms": burst.as_ref().map(|b| b.0).ok(),
                "burst_throttles": burst.as_ref().map(|b| b.1).ok(),
            }),
            Err(e) => json!({"type": "error", "message": e}),
        }
    }

    pub fn start() {
        console_error_panic_hook::set_once();
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply_scope = scope.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let text = ev.data().as_string().unwrap_or_default();
            let reply = match serde_json::from_str::<Value>(&text) {
                Ok(msg) => {
                    let mut r = handle(&msg);
                    r["id"] = msg["id"].clone();
                    r
                }
                Err(e) => json!({"type": "error", "message": format!("bad message: {e}")}),
            };
            let _ = reply_scope.post_message(&JsValue::from_str(&reply.to_string()));
        });
        scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        let _ = scope.post_message(&JsValue::from_str(r#"{"type":"ready"}"#));
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
