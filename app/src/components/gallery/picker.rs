//! Opens a gallery example. If the editor holds a scenario of the user's own, it asks
//! first: nothing the user made is replaced without consent.

use crate::state::{Playground, EXAMPLES};
use leptos::prelude::*;

#[component]
pub fn ExamplePicker() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let choose = move |id: String| {
        let Some((_, _, text)) = EXAMPLES.iter().find(|(i, _, _)| *i == id) else {
            return;
        };
        let own_work = pg
            .template
            .with_untracked(|t| !EXAMPLES.iter().any(|(_, _, e)| e == t));
        let confirmed = !own_work
            || web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("Replace your scenario in the editor with this example?")
                        .ok()
                })
                .unwrap_or(false);
        if confirmed {
            pg.open(text.to_string());
        }
    };
    view! {
        <label class="examples">
            "Example "
            <select id="example" aria-label="Open an example"
                on:change=move |ev| choose(event_target_value(&ev))
                prop:value=move || {
                    pg.loaded.with(|l| EXAMPLES.iter().find(|(_, _, t)| t == l).map(|(i, _, _)| i.to_string()).unwrap_or_default())
                }>
                <option value="" disabled=true>"your scenario"</option>
                {EXAMPLES.iter().map(|(id, title, _)| view! { <option value=*id>{*title}</option> }).collect_view()}
            </select>
        </label>
    }
}
