//! The binding to the CodeMirror bundle (`app/editor/index.js`, loaded as `editor.js`):
//! create an editor in an element, read and replace its text. The bundle is loaded the
//! first time an editor is mounted (it is not part of the first visit: the page is
//! usable without it, and the service worker caches it for offline use). When the
//! bundle is missing (a build without it), `available()` stays false and callers keep a
//! textarea.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// One editor, as `PlaygroundEditor.create` returns it.
    pub type EditorHandle;

    #[wasm_bindgen(js_namespace = PlaygroundEditor, js_name = create)]
    fn cm_create(
        parent: &web_sys::HtmlElement,
        language: &str,
        doc: &str,
        on_change: &js_sys::Function,
        read_only: bool,
    ) -> EditorHandle;

    #[wasm_bindgen(method, js_name = getDoc)]
    pub fn get_doc(this: &EditorHandle) -> String;

    #[wasm_bindgen(method, js_name = setDoc)]
    pub fn set_doc(this: &EditorHandle, text: &str);

    /// Focuses the editor with the caret at `pos` (UTF-16 offset, as a textarea counts).
    #[wasm_bindgen(method, js_name = focusAt)]
    pub fn focus_at(this: &EditorHandle, pos: u32);

    #[wasm_bindgen(method)]
    pub fn destroy(this: &EditorHandle);
}

/// Whether the editor bundle has loaded.
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("PlaygroundEditor")).ok())
        .is_some_and(|v| !v.is_undefined())
}

/// Creates an editor; `on_change` gets the whole text after each edit.
pub fn create(
    parent: &web_sys::HtmlElement,
    language: &str,
    doc: &str,
    read_only: bool,
    on_change: impl FnMut(String) + 'static,
) -> EditorHandle {
    let cb = Closure::<dyn FnMut(String)>::new(on_change);
    let handle = cm_create(
        parent,
        language,
        doc,
        cb.as_ref().unchecked_ref(),
        read_only,
    );
    // The editor calls it for as long as it lives.
    cb.forget();
    handle
}

/// Mounts an editor in `host` once the element exists (when the bundle is loaded),
/// showing `text` and writing each edit back to it; later changes to `text` made
/// elsewhere (the canvas, undo, an import) are put into the editor. The editor is
/// destroyed with the component.
pub fn mount(
    host: leptos::prelude::NodeRef<leptos::html::Div>,
    language: &'static str,
    read_only: bool,
    text: leptos::prelude::RwSignal<String>,
) {
    mount_when(
        host,
        language,
        read_only,
        text,
        || true,
        None::<fn() -> u32>,
    );
}

/// As [`mount`], but the bundle is fetched and the editor made only once `enabled`
/// turns true (the template view upgrades its textarea on the first click, so the
/// first visit does not download the editor). With `caret`, the new editor takes the
/// focus with the caret at that offset. The returned signal turns true when it exists.
pub fn mount_when(
    host: leptos::prelude::NodeRef<leptos::html::Div>,
    language: &'static str,
    read_only: bool,
    text: leptos::prelude::RwSignal<String>,
    enabled: impl Fn() -> bool + Send + Sync + 'static,
    caret: Option<impl Fn() -> u32 + Send + Sync + 'static>,
) -> leptos::prelude::ReadSignal<bool> {
    use leptos::prelude::*;
    let handle = StoredValue::new_local(None::<EditorHandle>);
    let ready = RwSignal::new(available());
    let requested = StoredValue::new(false);
    let (mounted, set_mounted) = signal(false);
    Effect::new(move |_| {
        if !enabled() {
            return;
        }
        if !ready.get() {
            if !requested.get_value() {
                requested.set_value(true);
                load_bundle(move || {
                    ready.try_set(true);
                });
            }
            return;
        }
        let Some(el) = host.get() else { return };
        if available() && handle.with_value(Option::is_none) {
            let doc = text.get_untracked();
            let h = create(&el, language, &doc, read_only, move |t| {
                if text.with_untracked(|old| *old != t) {
                    text.set(t);
                }
            });
            if let Some(at) = &caret {
                h.focus_at(at());
            }
            handle.set_value(Some(h));
            set_mounted.set(true);
        }
    });
    // Edits made outside the editor reach it (its own edits are already there).
    Effect::new(move |_| {
        text.with(|t| {
            handle.with_value(|h| {
                if let Some(h) = h {
                    if h.get_doc() != *t {
                        h.set_doc(t);
                    }
                }
            })
        })
    });
    on_cleanup(move || {
        handle.try_update_value(|h| {
            if let Some(h) = h.take() {
                h.destroy();
            }
        });
    });
    mounted
}

/// Adds the bundle's `<script>` once; `done` runs when it has loaded.
fn load_bundle(done: impl FnOnce() + 'static) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let script = match doc.get_element_by_id("pg-editor-js") {
        Some(s) => s,
        None => {
            let Ok(s) = doc.create_element("script") else {
                return;
            };
            let _ = s.set_attribute("id", "pg-editor-js");
            let _ = s.set_attribute("src", "./editor.js");
            if let Some(body) = doc.body() {
                let _ = body.append_child(&s);
            }
            s
        }
    };
    let cb = Closure::once_into_js(done);
    let _ = script.add_event_listener_with_callback("load", cb.unchecked_ref());
}
