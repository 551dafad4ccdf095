//! The bridge to the engine worker: starts it, queues messages until it says `ready`,
//! sends one request at a time, and restarts it when it stops answering (a watchdog),
//! so a runaway handler can never take the page with it. The scenario itself lives in
//! the page's state, so a restart loses nothing the user made.

use serde_json::Value;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// How long a request may go unanswered before the worker is restarted.
pub const WATCHDOG_MS: f64 = 10_000.0;

type Handler = Rc<dyn Fn(Value)>;

struct Bridge {
    worker: Worker,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    ready: bool,
    queue: VecDeque<String>,
    in_flight: Option<f64>,
    handler: Handler,
}

thread_local! {
    static BRIDGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
}

fn spawn(handler: Handler) -> Result<Bridge, JsValue> {
    let worker = Worker::new("./worker_loader.js")?;
    let h = handler.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let text = ev.data().as_string().unwrap_or_default();
        let Ok(msg) = serde_json::from_str::<Value>(&text) else {
            return;
        };
        let ready = msg["type"] == "ready";
        let next = BRIDGE.with(|b| {
            let mut b = b.borrow_mut();
            let b = b.as_mut()?;
            if ready {
                b.ready = true;
            } else {
                b.in_flight = None;
            }
            b.queue.pop_front().map(|m| (b.worker.clone(), m))
        });
        if let Some((worker, m)) = next {
            BRIDGE.with(|b| {
                if let Some(b) = b.borrow_mut().as_mut() {
                    b.in_flight = Some(crate::url::now_real_ms());
                }
            });
            let _ = worker.post_message(&JsValue::from_str(&m));
        }
        if !ready {
            h(msg);
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    Ok(Bridge {
        worker,
        _onmessage: onmessage,
        ready: false,
        queue: VecDeque::new(),
        in_flight: None,
        handler,
    })
}

/// Starts the worker; `handler` receives every reply.
pub fn start(handler: impl Fn(Value) + 'static) -> Result<(), String> {
    let bridge = spawn(Rc::new(handler)).map_err(|e| format!("{e:?}"))?;
    BRIDGE.with(|b| *b.borrow_mut() = Some(bridge));
    Ok(())
}

/// Sends a request now, or when the worker is ready and free.
pub fn send(msg: Value) {
    let text = msg.to_string();
    BRIDGE.with(|b| {
        let mut b = b.borrow_mut();
        let Some(b) = b.as_mut() else { return };
        if b.ready && b.in_flight.is_none() {
            b.in_flight = Some(crate::url::now_real_ms());
            let _ = b.worker.post_message(&JsValue::from_str(&text));
        } else {
            b.queue.push_back(text);
        }
    });
}

/// True while a request is unanswered (the page sends no more ticks meanwhile).
pub fn busy() -> bool {
    BRIDGE.with(|b| {
        b.borrow()
            .as_ref()
            .is_some_and(|b| !b.ready || b.in_flight.is_some() || !b.queue.is_empty())
    })
}

/// Restarts a worker that has not answered for `WATCHDOG_MS`. Returns true if it did.
pub fn watchdog() -> bool {
    let stuck = BRIDGE.with(|b| {
        b.borrow()
            .as_ref()
            .and_then(|b| b.in_flight)
            .is_some_and(|t| crate::url::now_real_ms() - t > WATCHDOG_MS)
    });
    if stuck {
        restart();
    }
    stuck
}

/// Terminates the worker and starts a fresh one with the same reply handler.
pub fn restart() {
    let handler = BRIDGE.with(|b| {
        let old = b.borrow_mut().take()?;
        old.worker.terminate();
        Some(old.handler)
    });
    if let Some(handler) = handler {
        if let Ok(bridge) = spawn(handler) {
            BRIDGE.with(|b| *b.borrow_mut() = Some(bridge));
        }
    }
}
