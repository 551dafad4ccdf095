//! Panels under the canvas, shown one at a time by tabs: CloudWatch-style logs, metric
//! sparklines, the queue browser, Step Functions executions with their history, and the
//! API console, and a trace view that follows one request across services.

mod console;
mod executions;
mod logs;
mod metrics;
mod queues;
mod trace;

use crate::state::{Playground, Tab};
use leptos::prelude::*;

pub use console::ConsolePanel;
pub use executions::{state_status, ExecutionsPanel};
pub use logs::LogsPanel;
pub use metrics::MetricsPanel;
pub use queues::QueuesPanel;
pub use trace::TracePanel;

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
                {tab(Tab::Trace, "Trace", "tab-trace")}
                {tab(Tab::Metrics, "Metrics", "tab-metrics")}
                {tab(Tab::Queues, "Queues", "tab-queues")}
                {tab(Tab::Executions, "Executions", "tab-executions")}
                {tab(Tab::Console, "API console", "tab-console")}
            </nav>
            <div class="tab-body" style=shown(Tab::Logs)><LogsPanel/></div>
            <div class="tab-body" style=shown(Tab::Trace)><TracePanel/></div>
            <div class="tab-body" style=shown(Tab::Metrics)><MetricsPanel/></div>
            <div class="tab-body" style=shown(Tab::Queues)><QueuesPanel/></div>
            <div class="tab-body" style=shown(Tab::Executions)><ExecutionsPanel/></div>
            <div class="tab-body" style=shown(Tab::Console)><ConsolePanel/></div>
        </div>
    }
}
