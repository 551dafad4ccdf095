//! Opens a gallery example or one of the user's named scenarios (saved in this
//! browser); saves the editor's scenario under a name, and deletes a saved one. If the
//! editor holds a scenario of the user's own, opening asks first: nothing the user made
//! is replaced without consent.

use crate::state::{example_of, Playground, EXAMPLES};
use crate::storage;
use leptos::prelude::*;

#[component]
pub fn ExamplePicker() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let saved = RwSignal::new(storage::scenarios());
    let choose = move |value: String| {
        let Some(name) = value.strip_prefix("saved:") else {
            if EXAMPLES.iter().any(|(i, _)| *i == value) {
                pg.open_example(&value);
            }
            return;
        };
        let Some(text) = storage::scenarios()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
        else {
            return;
        };
        if !pg.holds_own_work() || storage::confirm("Replace your scenario in the editor?") {
            pg.open(text);
        }
    };
    let save_as = move |_| {
        let Some(name) = storage::prompt("Save this scenario in this browser as:", "my scenario")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
        else {
            return;
        };
        match storage::save_scenario(&name, &pg.template.get_untracked()) {
            Ok(()) => {
                saved.set(storage::scenarios());
                pg.notice
                    .set(Some(format!("Saved as “{name}” in this browser.")));
            }
            Err(e) => pg.error.set(Some(format!("Not saved: {e}"))),
        }
    };
    let current = move || {
        pg.loaded.with(|l| {
            example_of(l)
                .map(str::to_string)
                .or_else(|| {
                    saved.with(|s| {
                        s.iter()
                            .find(|(_, t)| t == l)
                            .map(|(n, _)| format!("saved:{n}"))
                    })
                })
                .unwrap_or_default()
        })
    };
    let delete = move |_| {
        let value = current();
        if let Some(name) = value.strip_prefix("saved:") {
            if storage::confirm(&format!(
                "Delete the saved scenario “{name}” from this browser?"
            )) {
                if let Err(e) = storage::delete_scenario(name) {
                    pg.error.set(Some(e));
                }
                saved.set(storage::scenarios());
            }
        }
    };
    view! {
        <label class="examples">
            "Example "
            <select id="example" aria-label="Open an example or a saved scenario"
                on:change=move |ev| choose(event_target_value(&ev))
                prop:value=current>
                <option value="" disabled=true>"your scenario"</option>
                <optgroup label="Gallery">
                    {EXAMPLES.iter().map(|(id, title)| view! { <option value=*id>{*title}</option> }).collect_view()}
                </optgroup>
                <optgroup label="Saved in this browser">
                    <For each=move || saved.get() key=|(n, t)| (n.clone(), t.len()) children=move |(n, _)| {
                        view! { <option value=format!("saved:{n}")>{n.clone()}</option> }
                    }/>
                </optgroup>
            </select>
        </label>
        <button id="save-as" title="Save this scenario in this browser under a name" on:click=save_as>"Save as…"</button>
        <Show when=move || current().starts_with("saved:")>
            <button id="delete-saved" title="Delete this saved scenario from this browser" on:click=delete>"Delete saved"</button>
        </Show>
    }
}
