//! Play / pause, reset, speed (1× … as fast as possible) and the virtual time shown as
//! the engine reports it (with the speed the run really makes when a heavy scenario
//! keeps the engine from the chosen one), Step (to the next event) and the timeline (back to any
//! earlier moment, replayed exactly). Space toggles play; R resets; N steps (when not
//! typing).

use crate::state::{Playground, Speed};
use leptos::prelude::*;

const SPEEDS: [Speed; 4] = [
    Speed::Times(1.0),
    Speed::Times(10.0),
    Speed::Times(100.0),
    Speed::Max,
];

fn clock_text(ms: f64) -> String {
    let total_s = ms / 1000.0;
    if total_s < 60.0 {
        format!("{total_s:.3} s")
    } else {
        let m = (total_s / 60.0).floor();
        format!("{}m {:06.3}s", m as u64, total_s - m * 60.0)
    }
}

#[component]
pub fn Controls() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let toggle = move || {
        if pg.playing.get_untracked() {
            pg.pause()
        } else {
            pg.play()
        }
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if crate::app::typing(&ev) || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        match ev.key().as_str() {
            " " => {
                ev.prevent_default();
                toggle();
            }
            "r" | "R" => pg.reset(),
            "n" | "N" | "." => pg.step(),
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="controls" role="toolbar" aria-label="Run controls">
            <button id="play" class:primary=true aria-keyshortcuts="Space" on:click=move |_| toggle()>
                {move || if pg.playing.get() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button id="step" aria-keyshortcuts="N" title="Run to the next event and stop (N)"
                disabled=move || pg.next_ms.get().is_none() on:click=move |_| pg.step()>"Step ›"</button>
            <button id="reset" aria-keyshortcuts="R" on:click=move |_| pg.reset()>"↺ Reset"</button>
            <span class="speeds" role="radiogroup" aria-label="Speed">
                {SPEEDS
                    .iter()
                    .map(|s| {
                        let s = *s;
                        view! {
                            <button class="speed" role="radio" data-speed=s.label()
                                aria-checked=move || (pg.speed.get() == s).to_string()
                                class:active=move || pg.speed.get() == s
                                on:click=move |_| pg.speed.set(s)>{s.label()}</button>
                        }
                    })
                    .collect_view()}
            </span>
            <span id="clock" class="clock" title="virtual time">"t = " {move || clock_text(pg.clock_ms.get())}</span>
            <span id="pace" class="pace" role="status"
                title="This scenario makes more work a second than the engine does at the chosen speed on this device; the run is the same, only slower. Max runs it as fast as the engine can."
                hidden=move || pg.pace.get().is_none()>
                {move || pg.pace.get().map(|p| format!("running at {p:.1}×"))}
            </span>
            <input id="timeline" type="range" min="0" step="1" class="timeline"
                aria-label="Timeline: drag back to see the run as it was"
                title="Timeline: drag back to any earlier moment (the run is replayed exactly)"
                prop:max=move || pg.max_clock.get().to_string()
                prop:value=move || pg.clock_ms.get().to_string()
                on:change=move |ev| {
                    if let Ok(t) = event_target_value(&ev).parse::<f64>() {
                        pg.seek(t);
                    }
                }/>
            <span class="engine-state" data-engine=move || if pg.engine_ready.get() { "ready" } else { "starting" }>
                {move || if pg.engine_ready.get() { "" } else { "engine starting…" }}
            </span>
        </div>
    }
}
