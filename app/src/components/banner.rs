//! Errors (a template that did not load, a damaged link) and notices, each dismissable,
//! plus the template's warnings about resource types that are drawn but not run.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn Banner() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let warnings = move || {
        pg.graph
            .with(|g| g.as_ref().map(|g| g.warnings.clone()).unwrap_or_default())
    };
    view! {
        <Show when=move || pg.error.with(Option::is_some)>
            <div id="error" class="banner error" role="alert">
                <span>{move || pg.error.get().unwrap_or_default()}</span>
                <button aria-label="Dismiss error" on:click=move |_| pg.error.set(None)>"×"</button>
            </div>
        </Show>
        <Show when=move || pg.notice.with(Option::is_some)>
            <div id="notice" class="banner notice" role="status">
                <span>{move || pg.notice.get().unwrap_or_default()}</span>
                <button aria-label="Dismiss notice" on:click=move |_| pg.notice.set(None)>"×"</button>
            </div>
        </Show>
        <ul class="warnings">
            <For each=warnings key=|w| w.clone() children=move |w| view! { <li class="warning">{w}</li> }/>
        </ul>
    }
}
