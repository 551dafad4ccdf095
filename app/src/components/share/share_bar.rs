//! The share button: puts the template in the URL fragment (never sent to a server) and
//! shows the link to copy.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn ShareBar() -> impl IntoView {
    let pg = expect_context::<Playground>();
    view! {
        <div class="share">
            <button id="share" on:click=move |_| pg.share()>"Share link"</button>
            <Show when=move || pg.share_url.with(Option::is_some)>
                <input id="share-url" readonly aria-label="Share link" prop:value=move || pg.share_url.get().unwrap_or_default()
                    on:focus=move |ev| {
                        if let Some(el) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                            el.select();
                        }
                    }/>
            </Show>
        </div>
    }
}
