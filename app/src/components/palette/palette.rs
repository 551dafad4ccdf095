//! The palette of resource types. Type to filter (label, AWS type or description); drag
//! an entry onto the canvas to add it there, or press its entry (click, Enter) to add it
//! where the automatic layout puts it. Types the engine does not run yet are listed and
//! can be drawn, and say so.

use crate::components::canvas::KIND_MIME;
use crate::state::Playground;
use leptos::prelude::*;
use playground_core::edit::PALETTE;

#[component]
pub fn Palette() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let query = RwSignal::new(String::new());
    let shown = move || {
        let q = query.get().to_lowercase();
        PALETTE
            .iter()
            .filter(|k| {
                q.is_empty()
                    || k.label.to_lowercase().contains(&q)
                    || k.resource_type.to_lowercase().contains(&q)
                    || k.about.to_lowercase().contains(&q)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <nav class="palette" aria-label="Resource palette">
            <input id="palette-search" type="search" placeholder="Search resources…" aria-label="Search resource types"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            <ul>
                <For each=shown key=|k| k.key children=move |k| {
                    let key = k.key;
                    view! {
                        <li>
                            <button class=if k.runs { "kind" } else { "kind not-run" } data-kind=key draggable="true"
                                title=format!("{} — {}. Drag onto the canvas, or press to add.", k.resource_type, k.about)
                                aria-label=format!("Add {} ({})", k.label, k.resource_type)
                                on:dragstart=move |ev: web_sys::DragEvent| {
                                    if let Some(dt) = ev.data_transfer() {
                                        let _ = dt.set_data(KIND_MIME, key);
                                        dt.set_effect_allowed("copy");
                                    }
                                }
                                on:click=move |_| pg.add_resource(key, None)>
                                <span class="label">{k.label}</span>
                                <span class="about">{k.about}</span>
                            </button>
                        </li>
                    }
                }/>
            </ul>
            <p class="empty" hidden=move || !shown().is_empty()>"No resource type matches."</p>
        </nav>
    }
}
