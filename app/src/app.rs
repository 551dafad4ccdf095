//! The app shell: creates the state, starts the engine worker, opens the scenario (a
//! share link, the user's autosaved work — asking before a link replaces it — or the
//! built-in example), drives the animation clock and lays out the page.

use crate::components::{
    Banner, BottomPanels, Canvas, Controls, ExamplePicker, LastChangeView, Palette, ShareBar,
    TemplateEditor,
};
use crate::state::{Playground, BUILTIN_EXAMPLE, EXAMPLES};
use crate::{engine, storage, url};
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn App() -> impl IntoView {
    let pg = Playground::new();
    provide_context(pg);
    if let Err(e) = engine::start(move |msg| pg.on_reply(msg)) {
        pg.error.set(Some(format!(
            "The engine could not start in a Web Worker: {e}"
        )));
    }
    // Saved work of the user's own (not an untouched example) is never replaced silently.
    let saved = storage::load().filter(|t| !EXAMPLES.iter().any(|(_, _, e)| e == t));
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
        (Some(Ok(text)), _) => pg.open(text),
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
    // Autosave: every change to the editor's text.
    Effect::new(move |_| pg.template.with(|t| storage::save(t)));
    let _ = set_interval_with_handle(move || pg.tick(), Duration::from_millis(33));

    view! {
        <header class="top">
            <h1>"Serverless Playground"</h1>
            <ExamplePicker/>
            <Controls/>
            <ShareBar/>
        </header>
        <Banner/>
        <main class="workspace">
            <Palette/>
            <Canvas/>
            <aside class="side">
                <TemplateEditor/>
                <LastChangeView/>
            </aside>
        </main>
        <BottomPanels/>
    }
}
