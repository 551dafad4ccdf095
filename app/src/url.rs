//! The page's URL: the share fragment (`#s=1.<base64url(deflate(template))>`) in and out.

use wasm_bindgen::JsValue;

/// The `s=` share payload in the current URL fragment, if any.
pub fn share_fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    hash.split('&')
        .find(|p| p.starts_with("s="))
        .map(|p| p.to_string())
}

/// Writes the share fragment into the address bar without reloading or adding history.
pub fn set_share_fragment(encoded: &str) -> Option<String> {
    let window = web_sys::window()?;
    let loc = window.location();
    let base = format!(
        "{}{}{}",
        loc.origin().ok()?,
        loc.pathname().ok()?,
        loc.search().ok()?
    );
    let url = format!("{base}#s={encoded}");
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
