//! Autosave: the scenario in the editor is kept in the browser's local storage as the
//! user types, and restored when the page opens without a link. A share link never
//! replaces saved work of the user's own without asking (`App`). Named scenarios: the
//! user's own list of saved templates, kept in this browser.

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

const NAMED: &str = "serverless-playground.scenarios.v1";

/// The user's named scenarios, by name.
pub fn scenarios() -> Vec<(String, String)> {
    let Some(text) = storage().and_then(|s| s.get_item(NAMED).ok().flatten()) else {
        return Vec::new();
    };
    serde_json::from_str::<Vec<(String, String)>>(&text).unwrap_or_default()
}

fn store(list: &[(String, String)]) -> Result<(), String> {
    let s = storage().ok_or("this browser keeps no local storage")?;
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    s.set_item(NAMED, &text)
        .map_err(|_| "the browser's storage is full".to_string())
}

/// Saves (or replaces) a named scenario.
pub fn save_scenario(name: &str, text: &str) -> Result<(), String> {
    let mut list = scenarios();
    list.retain(|(n, _)| n != name);
    list.push((name.to_string(), text.to_string()));
    list.sort();
    store(&list)
}

pub fn delete_scenario(name: &str) -> Result<(), String> {
    let mut list = scenarios();
    list.retain(|(n, _)| n != name);
    store(&list)
}

const CLIPBOARD: &str = "serverless-playground.clipboard.v1";

/// The playground's clipboard (copied resources as JSON), shared by this browser's tabs.
pub fn clipboard() -> Option<String> {
    storage()?.get_item(CLIPBOARD).ok()?
}

pub fn set_clipboard(text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(CLIPBOARD, text);
    }
}

/// Asks the user for a line of text (window.prompt).
pub fn prompt(question: &str, default: &str) -> Option<String> {
    web_sys::window()?
        .prompt_with_message_and_default(question, default)
        .ok()
        .flatten()
}
