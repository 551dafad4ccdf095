//! Autosave: the scenario in the editor is kept in the browser's local storage as the
//! user types, and restored when the page opens without a link. A share link never
//! replaces saved work of the user's own without asking (`App`).

const KEY: &str = "serverless-playground.autosave.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The scenario saved by an earlier visit, if any.
pub fn load() -> Option<String> {
    storage()?
        .get_item(KEY)
        .ok()?
        .filter(|t| !t.trim().is_empty())
}

/// Saves the scenario (quietly does nothing where storage is unavailable or full).
pub fn save(text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, text);
    }
}

/// Asks the user a yes/no question (window.confirm).
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
