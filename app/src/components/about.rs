//! "What to watch": the scenario's own explanation (the template's `Description`), a
//! small fold over the canvas's corner that opens with a click (folded, it never hides
//! a box).

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn About() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let text = Memo::new(move |_| {
        pg.loaded.with(|t| {
            playground_core::template::load(t)
                .ok()
                .and_then(|m| {
                    m.raw
                        .get("Description")?
                        .as_str()
                        .map(|s| s.trim().to_string())
                })
                .filter(|s| !s.is_empty())
        })
    });
    view! {
        {move || text.get().map(|t| view! {
            <details id="about" class="watch">
                <summary>"What to watch"</summary>
                <p>{t}</p>
            </details>
        })}
    }
}
