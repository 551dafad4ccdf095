//! The app shell: creates the state, starts the engine worker, opens the scenario (from
//! a share link, or the built-in example), drives the animation clock and lays out the
//! page.

use crate::components::{
    Banner, BottomPanels, Canvas, Controls, ExamplePicker, ShareBar, TemplateEditor,
};
use crate::state::{Playground, BUILTIN_EXAMPLE};
use crate::{engine, url};
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
    match url::share_fragment().map(|f| playground_core::share::decode(&f)) {
        Some(Ok(text)) => pg.open(text),
        Some(Err(message)) => {
            pg.open(BUILTIN_EXAMPLE.to_string());
            pg.error.set(Some(format!(
                "{message} The built-in example is shown instead."
            )));
        }
        None => pg.open(BUILTIN_EXAMPLE.to_string()),
    }
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
            <Canvas/>
            <aside class="side">
                <TemplateEditor/>
            </aside>
        </main>
        <BottomPanels/>
    }
}
