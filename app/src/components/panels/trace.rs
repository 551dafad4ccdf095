//! Following one request across services, X-Ray style: every trace entry of the run
//! (calls, deliveries, invocations, replies, failures, retries, log lines) that mentions
//! one of the followed ids or words, in time order, with a waterfall bar at its moment.
//! Pressing an entry follows its ids too (a message's MessageId leads to the invocation
//! that received it, whose RequestId leads to its log lines, and so on).

use crate::state::Playground;
use leptos::prelude::*;
use serde_json::Value;

/// The ids in an entry's detail worth following.
fn ids_of(v: &Value) -> Vec<String> {
    const KEYS: &[&str] = &[
        "MessageId",
        "messageId",
        "RequestId",
        "requestId",
        "executionArn",
        "name",
        "EventId",
        "id",
    ];
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 3 {
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if KEYS.contains(&k.as_str()) && s.len() >= 6 => {
                            out.push(s.clone())
                        }
                        _ => walk(x, out, depth + 1),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out, depth + 1)),
            _ => {}
        }
    }
    walk(v, &mut out, 0);
    out.sort();
    out.dedup();
    out
}

#[component]
pub fn TracePanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let terms = RwSignal::new(Vec::<String>::new());
    let input = RwSignal::new(String::new());
    let rows = move || {
        let t = terms.get();
        pg.trace_rows.with(|rows| {
            let picked: Vec<_> = if t.is_empty() {
                rows.iter().rev().take(100).rev().cloned().collect()
            } else {
                rows.iter()
                    .filter(|r| {
                        let detail = if r.detail.is_null() {
                            String::new()
                        } else {
                            r.detail.to_string()
                        };
                        t.iter()
                            .any(|w| r.summary.contains(w.as_str()) || detail.contains(w.as_str()))
                    })
                    .take(400)
                    .cloned()
                    .collect()
            };
            picked
        })
    };
    let span = move || {
        let r = rows();
        let t0 = r.first().map_or(0.0, |x| x.at_ms);
        let t1 = r.last().map_or(0.0, |x| x.at_ms);
        (t0, (t1 - t0).max(1.0))
    };
    let follow = move |w: String| {
        let w = w.trim().to_string();
        if !w.is_empty() {
            terms.update(|t| {
                if !t.contains(&w) {
                    t.push(w)
                }
            });
        }
    };
    view! {
        <div class="panel trace">
            <header>
                <input id="trace-input" type="search" placeholder="Follow a MessageId, RequestId, execution or any text — Enter"
                    aria-label="Follow a request" prop:value=move || input.get()
                    on:input=move |ev| input.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            follow(input.get_untracked());
                            input.set(String::new());
                        }
                    }/>
                <span class="terms">
                    <For each=move || terms.get() key=|t| t.clone() children=move |t| {
                        let t2 = t.clone();
                        view! {
                            <span class="term">{t.clone()}
                                <button aria-label=format!("Stop following {t}") on:click=move |_| terms.update(|x| x.retain(|y| *y != t2))>"×"</button>
                            </span>
                        }
                    }/>
                </span>
                <span class="count">{move || {
                    let n = rows().len();
                    if terms.with(Vec::is_empty) { format!("newest {n} entries") } else { format!("{n} entries") }
                }}</span>
            </header>
            <div class="trace-rows" role="list">
                {move || {
                    let (t0, width) = span();
                    rows().into_iter().map(|r| {
                        let ids = ids_of(&r.detail);
                        let left = (r.at_ms - t0) / width * 100.0;
                        let title = if r.detail.is_null() { r.summary.clone() } else { r.detail.to_string() };
                        view! {
                            <div class=format!("trace-row {}", r.kind) role="listitem" data-kind=r.kind.clone() title=title
                                on:click=move |_| ids.iter().for_each(|i| follow(i.clone()))>
                                <span class="t">{format!("{:.3}s", r.at_ms / 1000.0)}</span>
                                <span class="k">{r.kind.clone()}</span>
                                <span class="ft">{format!("{} → {}", r.from, r.to)}</span>
                                <span class="s">{r.summary.clone()}</span>
                                <span class="bar"><i style=format!("left: {left:.2}%")></i></span>
                            </div>
                        }
                    }).collect_view()
                }}
            </div>
        </div>
    }
}
