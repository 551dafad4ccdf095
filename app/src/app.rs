//! The app shell: creates the state, starts the engine worker, opens the scenario (a
//! share link, the user's autosaved work — asking before a link replaces it — or the
//! built-in example), keeps the address bar a link to what is in the editor, drives the
//! animation clock and lays out the page. Embedded (`?embed`), it opens the link's
//! scenario without touching the visitor's autosave and talks to the host page.

use crate::components::{
    Banner, BottomPanels, Canvas, CommandPalette, Controls, ExamplePicker, Inspector,
    LastChangeView, Palette, ShareBar, TemplateEditor, ThemeToggle,
};
use crate::state::{example_of, Playground, Tab, BUILTIN_EXAMPLE};
use crate::{embed, engine, storage, url};
use leptos::prelude::*;
use std::time::Duration;

/// Whether a key press is meant for a text field or a code editor (where the page's
/// own shortcuts must not act).
pub fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT")
                || el.is_content_editable()
        })
}

/// Opens what the link, the saved work and the built-in example say (not embedded).
fn open_standalone(pg: Playground) {
    // Saved work of the user's own (not an untouched example) is never replaced silently.
    let saved = storage::load().filter(|t| example_of(t).is_none());
    match (
        url::share_fragment().map(|f| playground_core::share::decode(&f)),
        saved,
    ) {
        (Some(Ok(text)), Some(mine)) if mine != text => {
            if storage::confirm("This link opens a shared scenario. Replace the scenario you were working on (saved in this browser)? Cancel keeps yours.") {
                pg.open(text);
            } else {
                pg.open(mine);
                pg.notice.set(Some(
                    "Your saved scenario was kept; the shared link was not opened.".into(),
                ));
            }
        }
        (Some(Ok(text)), Some(mine)) => {
            // The address bar follows the editor: a reload brings back the same work.
            pg.open(mine);
            drop(text);
            pg.notice.set(Some(
                "Your last scenario was restored from this browser.".into(),
            ));
        }
        (Some(Ok(text)), None) => pg.open(text),
        (Some(Err(message)), saved) => {
            let kept = saved.is_some();
            pg.open(saved.unwrap_or_else(|| BUILTIN_EXAMPLE.to_string()));
            pg.error.set(Some(format!(
                "{message} {} is shown instead.",
                if kept { "Your saved scenario" } else { "The built-in example" }
            )));
        }
        (None, Some(mine)) => {
            pg.open(mine);
            pg.notice.set(Some(
                "Your last scenario was restored from this browser.".into(),
            ));
        }
        (None, None) => pg.open(BUILTIN_EXAMPLE.to_string()),
    }
}

/// Embedded: the link's scenario (or the built-in example), the host's options, and
/// the host's commands.
fn open_embedded(pg: Playground, e: &embed::Embed) {
    match url::share_fragment().map(|f| playground_core::share::decode(&f)) {
        Some(Ok(text)) => pg.open(text),
        Some(Err(message)) => {
            pg.open(BUILTIN_EXAMPLE.to_string());
            pg.error.set(Some(message));
        }
        None => pg.open(BUILTIN_EXAMPLE.to_string()),
    }
    if let Some(t) = e.panel {
        pg.tab.set(t);
    }
    if let Some(body) = document().body() {
        let list = body.class_list();
        let _ = list.add_2("embed", &format!("mode-{}", e.mode));
        if e.read_only {
            let _ = list.add_1("read-only");
        }
        if !e.controls {
            let _ = list.add_1("no-controls");
        }
        if e.panel.is_none() {
            let _ = list.add_1("no-panel");
        }
    }
    let handle = window_event_listener(leptos::ev::message, move |ev| {
        let Some(msg) = embed::message_json(&ev.data()) else {
            return;
        };
        match msg["type"].as_str() {
            Some("play") => pg.play(),
            Some("pause") => pg.pause(),
            Some("reset") => pg.reset(),
            Some("load") => {
                if let Some(t) = msg["template"].as_str() {
                    pg.open(t.to_string());
                }
            }
            _ => {}
        }
    });
    std::mem::forget(handle);
}

#[component]
pub fn App() -> impl IntoView {
    let pg = Playground::new();
    provide_context(pg);
    if let Err(e) = engine::start(move |msg| pg.on_reply(msg)) {
        pg.error.set(Some(format!(
            "The engine could not start in a Web Worker: {e}"
        )));
    }
    if let Some(t) = url::fragment_param("tab").and_then(|t| Tab::from_name(&t)) {
        pg.tab.set(t);
    }
    let embedded = embed::current();
    pg.embed.set(embedded.clone());
    match &embedded {
        Some(e) => {
            open_embedded(pg, e);
            if e.autoplay {
                // Play once the engine has the scenario.
                Effect::new(move |done: Option<bool>| {
                    if done == Some(true) {
                        return true;
                    }
                    if pg.engine_ready.get() {
                        pg.play();
                        return true;
                    }
                    false
                });
            }
        }
        None => {
            open_standalone(pg);
            // Autosave, and the address bar kept a link to the editor's text and panel.
            Effect::new(move |_| {
                let tab = pg.tab.get();
                pg.template.with(|t| {
                    storage::save(t);
                    url::set_share_fragment(&playground_core::share::encode(t), tab.name());
                });
            });
        }
    }
    let _ = set_interval_with_handle(move || pg.tick(), Duration::from_millis(33));
    let full = embedded.is_none();
    let open_link = move || {
        let fragment = url::share_fragment().unwrap_or_default();
        format!("{}#{fragment}", url::base().unwrap_or_default())
    };

    view! {
        <header class="top">
            <h1>"Serverless Playground"</h1>
            {full.then(|| view! { <ExamplePicker/> })}
            <Controls/>
            {if full {
                view! { <ShareBar/> <ThemeToggle/> }.into_any()
            } else {
                view! {
                    <a id="open-full" class="open-full" href=open_link target="_blank" rel="noopener">
                        "Open in Serverless Playground ↗"
                    </a>
                }.into_any()
            }}
        </header>
        <Banner/>
        <main class="workspace">
            <Palette/>
            <Canvas/>
            <aside class="side">
                <Inspector/>
                <TemplateEditor/>
                <LastChangeView/>
            </aside>
        </main>
        <BottomPanels/>
        <CommandPalette/>
    }
}
