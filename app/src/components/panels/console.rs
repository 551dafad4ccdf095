//! The API console: type an AWS CLI command (`aws sqs send-message --queue-url …
//! --message-body hi`) or `service:Action {json}` and see the engine's answer, as the
//! AWS CLI would print it. Up and Down recall earlier commands.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn ConsolePanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let line = RwSignal::new(String::new());
    let recall = RwSignal::new(0usize);
    let send = move || {
        let text = line.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        pg.console_send(text);
        line.set(String::new());
        recall.set(0);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let past: Vec<String> = pg
            .console
            .with_untracked(|c| c.iter().map(|e| e.command.clone()).collect());
        match ev.key().as_str() {
            "Enter" => send(),
            "ArrowUp" if recall.get_untracked() < past.len() => {
                recall.update(|r| *r += 1);
                line.set(past[past.len() - recall.get_untracked()].clone());
            }
            "ArrowDown" if recall.get_untracked() > 0 => {
                recall.update(|r| *r -= 1);
                let r = recall.get_untracked();
                line.set(if r == 0 {
                    String::new()
                } else {
                    past[past.len() - r].clone()
                });
            }
            _ => {}
        }
    };
    view! {
        <section class="panel console" aria-label="API console">
            <div class="console-out" role="log">
                <For each=move || pg.console.get() key=|e| (e.id, e.text.clone()) children=move |e| {
                    view! {
                        <div class=if e.ok { "entry" } else { "entry bad" }>
                            <div class="cmd">{format!("$ {}", e.command)}</div>
                            {(!e.action.is_empty()).then(|| view! { <div class="act">{e.action.clone()}</div> })}
                            <pre>{e.text.clone()}</pre>
                        </div>
                    }
                }/>
            </div>
            <div class="console-in">
                <input id="console-input" type="text" spellcheck="false" aria-label="API command"
                    placeholder="aws sqs list-queues   ·   lambda:Invoke {\"FunctionName\": \"…\"}"
                    prop:value=move || line.get() on:input=move |ev| line.set(event_target_value(&ev))
                    on:keydown=on_key/>
                <button on:click=move |_| send()>"Send"</button>
            </div>
        </section>
    }
}
