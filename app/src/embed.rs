//! Embed mode for course pages: `?embed` with options (`mode=canvas|template|full`,
//! `panel=logs|metrics|queues|executions|console|none`, `readOnly`, `controls=0`, `zoom=1.5`,
//! `autoplay`), and the `postMessage` API. The page announces `ready`, `loaded`,
//! `play`, `pause`, `reset`, `progress` (virtual time, about once a second while
//! playing) and `error` to the host page as `{source: "serverless-playground", type,
//! …}`; the host may send `{type: "play" | "pause" | "reset"}` or `{type: "load",
//! template}` back. An embedded page never reads or writes the visitor's autosave.

use crate::state::Tab;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

pub const SOURCE: &str = "serverless-playground";

/// What the host page asked for in the query string.
#[derive(Clone, Debug, PartialEq)]
pub struct Embed {
    /// `full` (canvas and template), `canvas`, or `template`.
    pub mode: String,
    /// The bottom panel shown, or none.
    pub panel: Option<Tab>,
    pub read_only: bool,
    pub controls: bool,
    pub zoom: f64,
    pub autoplay: bool,
}

fn flag(v: Option<&str>) -> bool {
    matches!(v, Some("" | "1" | "true" | "yes"))
}

/// Reads the embed options from a query string (`?embed&panel=logs…`).
pub fn parse(search: &str) -> Option<Embed> {
    let pairs: Vec<(String, String)> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                k.to_string(),
                js_sys::decode_uri_component(v)
                    .map(String::from)
                    .unwrap_or_default(),
            )
        })
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if !flag(get("embed")) {
        return None;
    }
    Some(Embed {
        mode: match get("mode") {
            Some(m @ ("canvas" | "template")) => m.to_string(),
            _ => "full".into(),
        },
        panel: match get("panel") {
            Some("none") => None,
            Some(name) => Some(Tab::from_name(name).unwrap_or(Tab::Logs)),
            None => Some(Tab::Logs),
        },
        read_only: flag(get("readOnly")),
        controls: !matches!(get("controls"), Some("0" | "false" | "no")),
        zoom: get("zoom")
            .and_then(|z| z.parse::<f64>().ok())
            .filter(|z| z.is_finite())
            .map_or(1.0, |z| z.clamp(0.25, 4.0)),
        autoplay: flag(get("autoplay")),
    })
}

/// The options as a query string (for the snippet generator).
pub fn query(e: &Embed) -> String {
    let mut q = vec!["embed".to_string()];
    if e.mode != "full" {
        q.push(format!("mode={}", e.mode));
    }
    q.push(format!("panel={}", e.panel.map_or("none", Tab::name)));
    if e.read_only {
        q.push("readOnly".into());
    }
    if !e.controls {
        q.push("controls=0".into());
    }
    if (e.zoom - 1.0).abs() > 1e-9 {
        q.push(format!("zoom={}", e.zoom));
    }
    if e.autoplay {
        q.push("autoplay".into());
    }
    format!("?{}", q.join("&"))
}

/// The options of this page, if it is embedded.
pub fn current() -> Option<Embed> {
    parse(&web_sys::window()?.location().search().ok()?)
}

/// Tells the host page (if any) what happened.
pub fn announce(kind: &str, mut detail: Value) {
    let Some(w) = web_sys::window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    if js_sys::Object::is(&parent, &w) {
        return;
    }
    if let Value::Object(m) = &mut detail {
        m.insert("source".into(), json!(SOURCE));
        m.insert("type".into(), json!(kind));
    }
    let text = detail.to_string();
    if let Ok(v) = js_sys::JSON::parse(&text) {
        let _ = parent.post_message(&v, "*");
    }
}

/// A message from the host page, as JSON.
pub fn message_json(data: &JsValue) -> Option<Value> {
    let text = js_sys::JSON::stringify(data).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}
