//! Panels under the canvas, shown one at a time by tabs: CloudWatch-style logs, Step
//! Functions executions with their history, and the API console. Metrics, queues and
//! traces follow in later issues.

mod console;
mod executions;
mod logs;

use crate::state::{Playground, Tab};
use leptos::prelude::*;

pub use console::ConsolePanel;
pub use executions::ExecutionsPanel;
pub use logs::LogsPanel;

#[component]
pub fn BottomPanels() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let tab = move |t: Tab, label: &'static str, id: &'static str| {
        view! {
            <button role="tab" id=id class=move || if pg.tab.get() == t { "tab active" } else { "tab" }
                aria-selected=move || (pg.tab.get() == t).to_string()
                on:click=move |_| pg.tab.set(t)>{label}</button>
        }
    };
    let shown = move |t: Tab| {
        move || {
            if pg.tab.get() == t {
                ""
            } else {
                "display: none"
            }
        }
    };
    view! {
        <div class="bottom">
            <nav class="tabs" role="tablist" aria-label="Panels">
                {tab(Tab::Logs, "Logs", "tab-logs")}
                {tab(Tab::Executions, "Executions", "tab-executions")}
                {tab(Tab::Console, "API console", "tab-console")}
            </nav>
            <div class="tab-body" style=shown(Tab::Logs)><LogsPanel/></div>
            <div class="tab-body" style=shown(Tab::Executions)><ExecutionsPanel/></div>
            <div class="tab-body" style=shown(Tab::Console)><ConsolePanel/></div>
        </div>
    }
}
