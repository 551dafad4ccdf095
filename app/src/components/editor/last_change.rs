//! The last change to the template as a diff: what the canvas (or Apply, undo, redo)
//! changed, line by line, with the undo and redo buttons beside it.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn LastChangeView() -> impl IntoView {
    let pg = expect_context::<Playground>();
    view! {
        <section class="last-change" aria-label="Last change">
            <header>
                <h2>"Last change"</h2>
                <span id="change-summary" class="summary">
                    {move || pg.last_change.with(|c| c.as_ref().map(|c| c.summary.clone()).unwrap_or_else(|| "none yet".into()))}
                </span>
                <button id="undo" aria-keyshortcuts="Control+Z" aria-label="Undo"
                    disabled=move || pg.undo_stack.with(Vec::is_empty) on:click=move |_| pg.undo()>"↶ Undo"</button>
                <button id="redo" aria-keyshortcuts="Control+Shift+Z" aria-label="Redo"
                    disabled=move || pg.redo_stack.with(Vec::is_empty) on:click=move |_| pg.redo()>"↷ Redo"</button>
            </header>
            <pre id="diff" class="diff">
                {move || pg.last_change.with(|c| c.as_ref().map(|c| c.lines.iter().map(|(sign, text)| {
                    let class = match sign { '+' => "add", '-' => "del", _ => "ctx" };
                    view! { <div class=class>{format!("{sign} {text}")}</div> }
                }).collect_view()))}
            </pre>
        </section>
    }
}
