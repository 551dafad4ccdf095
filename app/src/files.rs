//! Template files in and out: download the editor's text (export, and the alternative
//! to a link too long for chat), read a chosen file (import), and fetch a file beside
//! the page (the gallery's examples).

use wasm_bindgen::JsCast;

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let href = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|_| "no document")?
        .dyn_into()
        .map_err(|_| "no anchor")?;
    a.set_href(&href);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&href);
    Ok(())
}

/// The file name and type for the editor's text: JSON if it is JSON, else YAML.
pub fn template_file(text: &str) -> (&'static str, &'static str) {
    if text.trim_start().starts_with('{') {
        ("template.json", "application/json")
    } else {
        ("template.yaml", "application/yaml")
    }
}

/// Reads the first file chosen in a file input.
pub async fn read_chosen(input: &web_sys::HtmlInputElement) -> Option<(String, String)> {
    let file = input.files()?.get(0)?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?;
    Some((file.name(), text.as_string()?))
}

/// The text of a file beside the page (`./examples/…`), or why it could not be had.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(|_| "the browser is offline and has no copy".to_string())?
            .dyn_into()
            .map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = response.text().map_err(|_| "no body".to_string())?;
    wasm_bindgen_futures::JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| "the body is not text".to_string())
}
