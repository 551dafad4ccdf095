//! The queue browser: each queue's messages as they are now — visible, in flight or
//! delayed, with their receive counts — read without receiving them, its counters, and
//! for a dead-letter queue a Redrive button that calls `sqs:StartMessageMoveTask` (as the
//! console's "Start DLQ redrive" does) and shows the task's progress.

use crate::state::Playground;
use leptos::prelude::*;
use serde_json::Value;

#[component]
pub fn QueuesPanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let queues = move || {
        pg.snapshot.with(|s| {
            s["resources"]
                .as_object()
                .map(|r| {
                    r.iter()
                        .filter(|(_, v)| v.get("messages").is_some())
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <div class="panel queues">
            <Show when=move || !queues().is_empty() fallback=|| view! {
                <p class="empty">"No queues yet: add an SQS queue and press Play."</p>
            }>
                <For each=queues key=|(id, v)| (id.clone(), v.to_string()) children=move |(id, q)| {
                    let arn = q["arn"].as_str().unwrap_or("").to_string();
                    let task = q["moveTask"].clone();
                    let running = task["Status"] == "RUNNING";
                    let redrive = {
                        let arn = arn.clone();
                        move |_| {
                            pg.console_send(format!(
                                "aws sqs start-message-move-task --source-arn {arn}"
                            ));
                            pg.notice.set(Some(format!(
                                "Redrive started: aws sqs start-message-move-task --source-arn {arn} (the API console shows the answer)"
                            )));
                        }
                    };
                    let visible = q["visible"].as_u64().unwrap_or(0);
                    view! {
                        <section class="queue" data-queue=id.clone()>
                            <header>
                                <h3>{id.clone()}</h3>
                                <span class="counts">
                                    {format!("{} visible · {} in flight · {} delayed — sent {}, received {}, deleted {}",
                                        visible, q["inflight"], q["delayed"], q["sent"], q["received"], q["deleted"])}
                                </span>
                                {q["dlq"].as_bool().unwrap_or(false).then(|| view! {
                                    <span class="dlq-tag">"dead-letter queue"</span>
                                    <button class="redrive" data-redrive=id.clone() disabled=running || visible == 0 on:click=redrive>
                                        "Redrive to source queues"
                                    </button>
                                })}
                                {(!task.is_null()).then(|| view! {
                                    <span class="move-task">{format!("redrive {}: {} of {} moved",
                                        task["Status"].as_str().unwrap_or(""), task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"])}</span>
                                })}
                            </header>
                            <table>
                                <thead><tr><th>"MessageId"</th><th>"Body"</th><th>"State"</th><th>"Receives"</th><th>"Sent"</th></tr></thead>
                                <tbody>
                                    {q["messages"].as_array().cloned().unwrap_or_default().into_iter().map(|m: Value| view! {
                                        <tr class=m["State"].as_str().unwrap_or("").to_string()>
                                            <td class="mono">{m["MessageId"].as_str().unwrap_or("").chars().take(8).collect::<String>()}</td>
                                            <td class="mono">{m["Body"].as_str().unwrap_or("").to_string()}</td>
                                            <td>{m["State"].as_str().unwrap_or("").to_string()}</td>
                                            <td>{m["ApproximateReceiveCount"].to_string()}</td>
                                            <td>{format!("{:.3} s", m["SentTimestamp"].as_f64().unwrap_or(0.0) / 1000.0)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }
                }/>
            </Show>
        </div>
    }
}
