//! Metrics as sparklines, per resource, with CloudWatch's metric names: queue depth
//! (ApproximateNumberOfMessagesVisible / NotVisible), messages sent per interval,
//! function ConcurrentExecutions, Invocations, Errors and Throttles per interval, and
//! running executions. Samples are taken from the engine's snapshots as the run goes.

use crate::state::Playground;
use leptos::prelude::*;

const W: f64 = 160.0;
const H: f64 = 28.0;

fn points(samples: &[(f64, f64)]) -> String {
    let max = samples.iter().map(|s| s.1).fold(1.0_f64, f64::max);
    let n = samples.len().max(2) as f64 - 1.0;
    samples
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            format!(
                "{:.1},{:.1}",
                i as f64 / n * W,
                H - v / max * (H - 2.0) - 1.0
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn MetricsPanel() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let rows = move || {
        pg.metrics.with(|m| {
            m.iter()
                .map(|((res, name), s)| (res.clone(), *name, s.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="panel metrics">
            <Show when=move || pg.metrics.with(|m| !m.is_empty()) fallback=|| view! {
                <p class="empty">"Metrics appear as the scenario runs: press Play."</p>
            }>
                <div class="metric-grid">
                    <For each=rows key=|(r, n, s)| (r.clone(), *n, s.len(), s.last().map(|x| x.1.to_bits())) children=move |(res, name, s)| {
                        let last = s.last().map(|x| x.1).unwrap_or(0.0);
                        let peak = s.iter().map(|x| x.1).fold(0.0_f64, f64::max);
                        view! {
                            <div class="metric" data-metric=format!("{res}/{name}")>
                                <span class="m-res">{res.clone()}</span>
                                <span class="m-name" title=name>{name}</span>
                                <svg width=W height=H viewBox=format!("0 0 {W} {H}") role="img"
                                    aria-label=format!("{name} of {res}: now {last}, peak {peak}")>
                                    <polyline points=points(&s) class="spark"/>
                                </svg>
                                <span class="m-val" title="now / peak">{format!("{last} / {peak}")}</span>
                            </div>
                        }
                    }/>
                </div>
            </Show>
        </div>
    }
}
