//! Light and dark themes: the system's preference until the user picks one, which is
//! remembered in this browser. The theme is `data-theme` on the root element.

use leptos::prelude::*;

const KEY: &str = "serverless-playground.theme";

fn apply(theme: &str) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme);
    }
}

fn initial() -> String {
    let w = window();
    let saved = w
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(KEY).ok().flatten());
    saved.unwrap_or_else(|| {
        let dark = w
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        if dark { "dark" } else { "light" }.to_string()
    })
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(initial());
    Effect::new(move |_| apply(&theme.get()));
    let toggle = move |_| {
        let next = if theme.get_untracked() == "dark" {
            "light"
        } else {
            "dark"
        };
        theme.set(next.to_string());
        if let Ok(Some(s)) = window().local_storage() {
            let _ = s.set_item(KEY, next);
        }
    };
    view! {
        <button id="theme" aria-label=move || format!("Switch to the {} theme", if theme.get() == "dark" { "light" } else { "dark" })
            on:click=toggle>{move || if theme.get() == "dark" { "☀ Light" } else { "☾ Dark" }}</button>
    }
}
