//! The scenario as text (SAM / CloudFormation YAML or JSON). Apply (Ctrl+Enter) loads
//! it; an error names the template path or line and keeps the text untouched. Import
//! reads a template file (one undo step); export downloads the text as it is, or the
//! template as CloudFormation JSON.
//!
//! The text starts as a plain textarea (the first visit does not download the editor
//! bundle); the first click into it swaps in CodeMirror with YAML highlighting and
//! syntax errors marked, keeping the caret where the click put it. Both edit the same
//! text, so canvas edits, undo and imports show in whichever is on screen.

use crate::code_editor;
use crate::files;
use crate::state::Playground;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn TemplateEditor() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let dirty = move || pg.template.with(|t| pg.loaded.with(|l| t != l));
    let export = move |json: bool| {
        let text = pg.template.get_untracked();
        let result = if json {
            playground_core::template::load(&text)
                .map_err(|e| format!("Fix the template before exporting JSON: {e}"))
                .and_then(|m| {
                    let mut s = serde_json::to_string_pretty(&m.raw).map_err(|e| e.to_string())?;
                    s.push('\n');
                    files::download("template.json", &s, "application/json")
                })
        } else {
            let (name, mime) = files::template_file(&text);
            files::download(name, &text, mime)
        };
        if let Err(e) = result {
            pg.error.set(Some(e));
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some((name, text)) = files::read_chosen(&input).await {
                pg.import(&name, text);
            }
            input.set_value("");
        });
    };
    let rich = RwSignal::new(false);
    let host = NodeRef::<leptos::html::Div>::new();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let caret = move || {
        area.get_untracked()
            .and_then(|a| a.selection_start().ok().flatten())
            .unwrap_or(0)
    };
    let mounted = code_editor::mount_when(
        host,
        "yaml",
        false,
        pg.template,
        move || rich.get(),
        Some(caret),
    );
    let apply_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            pg.apply_edited();
        }
    };
    view! {
        <section class="editor" aria-label="Template">
            <header>
                <h2>"Template"</h2>
                <button id="apply" aria-keyshortcuts="Control+Enter" disabled=move || !dirty() on:click=move |_| pg.apply_edited()>
                    "Apply"
                </button>
                <span class="file-actions">
                    <label class="button" title="Open a template file (YAML or JSON)">
                        "Import…"
                        <input id="import" type="file" accept=".yaml,.yml,.json,.template,text/yaml,application/json" on:change=import/>
                    </label>
                    <button id="export" title="Download the template as written" on:click=move |_| export(false)>"Export"</button>
                    <button id="export-json" title="Download the template as CloudFormation JSON" on:click=move |_| export(true)>"JSON"</button>
                </span>
            </header>
            <textarea id="template" spellcheck="false" aria-label="Template YAML" node_ref=area
                readonly=move || pg.read_only()
                hidden=move || mounted.get()
                prop:value=move || pg.template.get()
                on:input=move |ev| pg.template.set(event_target_value(&ev))
                on:pointerdown=move |_| {
                    if !pg.read_only() {
                        rich.set(true);
                    }
                }
                on:keydown=apply_key></textarea>
            <div id="template-host" class="template-host" node_ref=host
                data-syntax-errors="0" on:keydown=apply_key></div>
        </section>
    }
}
