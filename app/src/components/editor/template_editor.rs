//! The scenario as text (SAM / CloudFormation YAML or JSON). Apply (Ctrl+Enter) loads
//! it; an error names the template path or line and keeps the text untouched.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn TemplateEditor() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let dirty = move || pg.template.with(|t| pg.loaded.with(|l| t != l));
    view! {
        <section class="editor" aria-label="Template">
            <header>
                <h2>"Template"</h2>
                <button id="apply" aria-keyshortcuts="Control+Enter" disabled=move || !dirty() on:click=move |_| pg.apply_edited()>
                    "Apply"
                </button>
            </header>
            <textarea id="template" spellcheck="false" aria-label="Template YAML"
                prop:value=move || pg.template.get()
                on:input=move |ev| pg.template.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        pg.apply_edited();
                    }
                }></textarea>
        </section>
    }
}
