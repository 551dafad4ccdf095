//! The page's URL: the share fragment (`#s=1.<base64url(deflate(template))>&tab=…`) in
//! and out. The fragment follows the editor as the user types (`App`), so the address
//! bar is always a link to what is on screen; it is never sent to a server.

use wasm_bindgen::JsValue;

fn fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    Some(hash.trim_start_matches('#').to_string())
}

/// A `name=value` parameter of the fragment.
pub fn fragment_param(name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    fragment()?
        .split('&')
        .find_map(|p| p.strip_prefix(&prefix).map(str::to_string))
}

/// The `s=` share payload in the current URL fragment, if any.
pub fn share_fragment() -> Option<String> {
    fragment_param("s").map(|p| format!("s={p}"))
}

/// The page's address without query or fragment.
pub fn base() -> Option<String> {
    let loc = web_sys::window()?.location();
    Some(format!("{}{}", loc.origin().ok()?, loc.pathname().ok()?))
}

/// Writes the share fragment (and the chosen panel) into the address bar without
/// reloading or adding history; returns the whole link.
pub fn set_share_fragment(encoded: &str, tab: &str) -> Option<String> {
    let window = web_sys::window()?;
    let search = window.location().search().ok()?;
    let url = format!("{}{search}#s={encoded}&tab={tab}", base()?);
    window
        .history()
        .ok()?
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .ok()?;
    Some(url)
}

/// Milliseconds since the page started (real time, for animation only).
pub fn now_real_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
