//! CloudWatch-style logs, as they happen: every function's START / END / REPORT lines
//! and its console output, with the resource they belong to and a text filter. The
//! newest 500 matching lines are drawn (the page keeps 2,000), following the newest.

use crate::state::Playground;
use leptos::prelude::*;

/// Lines drawn at once: the newest; older ones (of the 2,000 kept) are found by filtering.
const SHOWN: usize = 500;

#[component]
pub fn LogsPanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let filter = RwSignal::new(String::new());
    // The newest SHOWN matching lines, oldest first, and how many older ones match.
    let shown = Memo::new(move |_| {
        let f = filter.get().to_lowercase();
        pg.logs.with(|l| {
            let mut older = 0usize;
            let mut lines = Vec::new();
            for x in l.iter().rev().filter(|x| {
                f.is_empty()
                    || x.text.to_lowercase().contains(&f)
                    || x.resource.to_lowercase().contains(&f)
            }) {
                if lines.len() < SHOWN {
                    lines.push(x.clone());
                } else {
                    older += 1;
                }
            }
            lines.reverse();
            (lines, older)
        })
    });
    view! {
        <section class="panel logs" aria-label="Logs">
            <header>
                <h2>"Logs"</h2>
                <input id="log-filter" type="search" placeholder="filter" aria-label="Filter log lines"
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
                <span class="count">{move || format!("{} lines", pg.logs.with(Vec::len))}</span>
            </header>
            // Reversed flex: the view stays on the newest line as lines arrive (and where
            // the user scrolled to, if they scrolled up), with no layout read per update.
            <div class="log-lines" role="log" aria-live="polite">
                <div class="log-list">
                    <Show when=move || shown.with(|s| s.1 > 0)>
                        <div id="log-older" class="log-older">
                            {move || format!("{} older lines not shown: filter to find them", shown.with(|s| s.1))}
                        </div>
                    </Show>
                    <For each=move || shown.get().0 key=|l| l.id children=move |l| {
                        view! {
                            <div class="log-line" data-resource=l.resource.clone()>
                                <span class="t">{format!("{:>9.3}s", l.at_ms / 1000.0)}</span>
                                <span class="r">{l.resource.clone()}</span>
                                <code>{l.text.clone()}</code>
                            </div>
                        }
                    }/>
                </div>
            </div>
        </section>
    }
}
