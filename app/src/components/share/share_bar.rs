//! Sharing: the link (the template compressed in the URL fragment, never sent to a
//! server) with a warning and a file download when it is too long for chat, and the
//! embed snippet generator for course pages.

use crate::embed::{self, Embed};
use crate::files;
use crate::state::{Playground, Tab};
use leptos::prelude::*;

/// Links longer than this are cut or refused by common chat apps and forums.
pub const LONG_LINK: usize = 2_000;

#[component]
pub fn ShareBar() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let embed_open = RwSignal::new(false);
    let options = RwSignal::new(Embed {
        mode: "full".into(),
        panel: Some(Tab::Logs),
        read_only: false,
        controls: true,
        zoom: 1.0,
        autoplay: false,
    });
    let snippet = move || {
        let link = pg.share_url.get().unwrap_or_default();
        let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or("");
        let base = crate::url::base().unwrap_or_default();
        let src = format!("{base}{}#{fragment}", embed::query(&options.get()));
        format!(
            "<iframe src=\"{}\" title=\"Serverless Playground\" width=\"100%\" height=\"560\" style=\"border:1px solid #d5dae1;border-radius:8px\" loading=\"lazy\"></iframe>",
            src.replace('"', "&quot;")
        )
    };
    let long = move || {
        pg.share_url
            .with(|u| u.as_ref().map(String::len).filter(|n| *n > LONG_LINK))
    };
    let download = move |_| {
        let text = pg.template.get_untracked();
        let (name, mime) = files::template_file(&text);
        if let Err(e) = files::download(name, &text, mime) {
            pg.error.set(Some(format!("The download failed: {e}")));
        }
    };
    let set = move |f: fn(&mut Embed, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            options.update(|o| f(o, v));
        }
    };
    let check = move |f: fn(&mut Embed, bool)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_checked(&ev);
            options.update(|o| f(o, v));
        }
    };
    view! {
        <div class="share">
            <button id="share" on:click=move |_| pg.share()>"Share link"</button>
            <button id="embed-button" aria-expanded=move || embed_open.get().to_string()
                on:click=move |_| { pg.share(); embed_open.update(|o| *o = !*o); }>"Embed"</button>
            <Show when=move || pg.share_url.with(Option::is_some)>
                <input id="share-url" readonly aria-label="Share link" prop:value=move || pg.share_url.get().unwrap_or_default()
                    on:focus=move |ev| {
                        if let Some(el) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                            el.select();
                        }
                    }/>
            </Show>
            {move || long().map(|n| view! {
                <span id="link-warning" class="link-warning" role="status">
                    {format!("This link is {n} characters long: too long for some chat apps. ")}
                    <button id="download-template" on:click=download>"Download the template instead"</button>
                </span>
            })}
            <Show when=move || embed_open.get()>
                <div id="embed-panel" class="embed-panel" role="dialog" aria-label="Embed this scenario">
                    <p>"Embed this scenario in a course page:"</p>
                    <label>"Show "
                        <select id="embed-mode" on:change=set(|o, v| o.mode = v)>
                            <option value="full">"canvas and template"</option>
                            <option value="canvas">"canvas only"</option>
                            <option value="template">"template only"</option>
                        </select>
                    </label>
                    <label>"Panel "
                        <select id="embed-panel-choice" on:change=set(|o, v| o.panel = Tab::from_name(&v))>
                            <option value="logs">"logs"</option>
                            <option value="trace">"trace"</option>
                            <option value="metrics">"metrics"</option>
                            <option value="queues">"queues"</option>
                            <option value="executions">"executions"</option>
                            <option value="console">"API console"</option>
                            <option value="none">"none"</option>
                        </select>
                    </label>
                    <label>"Zoom "
                        <input id="embed-zoom" type="number" min="0.25" max="4" step="0.25" value="1"
                            on:change=set(|o, v| o.zoom = v.parse().unwrap_or(1.0))/>
                    </label>
                    <label><input id="embed-readonly" type="checkbox" on:change=check(|o, v| o.read_only = v)/>" read-only"</label>
                    <label><input id="embed-controls" type="checkbox" checked=true on:change=check(|o, v| o.controls = v)/>" run controls"</label>
                    <label><input id="embed-autoplay" type="checkbox" on:change=check(|o, v| o.autoplay = v)/>" autoplay"</label>
                    <textarea id="embed-snippet" readonly aria-label="Embed code" prop:value=snippet></textarea>
                    <p class="hint">"The page announces ready, loaded, play, pause, reset, progress and error events to the host with postMessage."</p>
                </div>
            </Show>
        </div>
    }
}
