//! CloudWatch-style logs, as they happen: every function's START / END / REPORT lines
//! and its console output, with the resource they belong to and a text filter.

use crate::state::Playground;
use leptos::prelude::*;

#[component]
pub fn LogsPanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let filter = RwSignal::new(String::new());
    let list = NodeRef::<leptos::html::Div>::new();
    let shown = move || {
        let f = filter.get().to_lowercase();
        pg.logs.with(|l| {
            l.iter()
                .filter(|x| {
                    f.is_empty()
                        || x.text.to_lowercase().contains(&f)
                        || x.resource.to_lowercase().contains(&f)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    // Follow the newest line.
    Effect::new(move |_| {
        pg.logs.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        <section class="panel logs" aria-label="Logs">
            <header>
                <h2>"Logs"</h2>
                <input id="log-filter" type="search" placeholder="filter" aria-label="Filter log lines"
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
                <span class="count">{move || format!("{} lines", pg.logs.with(Vec::len))}</span>
            </header>
            <div class="log-lines" node_ref=list role="log" aria-live="polite">
                <For each=shown key=|l| l.id children=move |l| {
                    view! {
                        <div class="log-line" data-resource=l.resource.clone()>
                            <span class="t">{format!("{:>9.3}s", l.at_ms / 1000.0)}</span>
                            <span class="r">{l.resource.clone()}</span>
                            <code>{l.text.clone()}</code>
                        </div>
                    }
                }/>
            </div>
        </section>
    }
}
