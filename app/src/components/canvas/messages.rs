//! The messages in flight, drawn on a `<canvas>` laid over the SVG once per animation
//! frame: a thousand moving dots cost one draw call each instead of a thousand DOM
//! updates. Positions use the SVG's view box and its `xMidYMid meet` scaling, so dots
//! run exactly along the wires. The element carries `data-in-flight` (how many) and
//! `data-kinds` (which kinds are moving) for tests and assistive summaries.

use crate::state::{Dot, Playground, TRAVEL_MS};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Where a dot is along its wire at real time `now`.
pub fn position(d: &Dot, now: f64) -> (f64, f64) {
    let t = ((now - d.start_real) / TRAVEL_MS).clamp(0.0, 1.0);
    // Ease in and out so a message visibly leaves and arrives.
    let t = t * t * (3.0 - 2.0 * t);
    (
        d.from.0 + (d.to.0 - d.from.0) * t,
        d.from.1 + (d.to.1 - d.from.1) * t,
    )
}

/// The trace kinds the canvas animates, as static names (no allocation per message).
pub fn dot_kind(kind: &str) -> &'static str {
    match kind {
        "call" => "call",
        "delivery" => "delivery",
        "invoke" => "invoke",
        "reply" => "reply",
        "failure" => "failure",
        "dead_letter" => "dead_letter",
        "throttle" => "throttle",
        "redelivery" => "redelivery",
        _ => "other",
    }
}

fn colour(kind: &str) -> &'static str {
    match kind {
        "call" | "delivery" => "#2463eb",
        "invoke" => "#2e7d32",
        "reply" => "#90a4ae",
        "failure" => "#c62828",
        "dead_letter" => "#7b1fa2",
        "throttle" => "#ef6c00",
        "redelivery" => "#f9a825",
        _ => "#5b6470",
    }
}

/// Draws one frame; returns the kinds drawn.
fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    vb: (f64, f64, f64, f64),
    dots: &[Dot],
    now: f64,
) -> Vec<&'static str> {
    let ratio = window().device_pixel_ratio().max(1.0);
    let (cw, ch) = (canvas.client_width() as f64, canvas.client_height() as f64);
    let (pw, ph) = ((cw * ratio).round() as u32, (ch * ratio).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return Vec::new();
    };
    ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
    let s = (pw as f64 / vb.2).min(ph as f64 / vb.3);
    let (ox, oy) = ((pw as f64 - vb.2 * s) / 2.0, (ph as f64 - vb.3 * s) / 2.0);
    let r = 7.0 * s;
    let mut kinds: Vec<&'static str> = Vec::new();
    for d in dots {
        if now >= d.start_real && !kinds.contains(&d.kind) {
            kinds.push(d.kind);
        }
    }
    ctx.set_stroke_style_str("#ffffff");
    ctx.set_line_width(1.5 * s);
    // One path per kind: one fill and one stroke call per colour.
    for kind in &kinds {
        ctx.begin_path();
        for d in dots
            .iter()
            .filter(|d| d.kind == *kind && now >= d.start_real)
        {
            let (x, y) = position(d, now);
            let (px, py) = (ox + (x - vb.0) * s, oy + (y - vb.1) * s);
            ctx.move_to(px + r, py);
            let _ = ctx.arc(px, py, r, 0.0, std::f64::consts::TAU);
        }
        ctx.set_fill_style_str(colour(kind));
        ctx.fill();
        ctx.stroke();
    }
    kinds
}

/// The overlay; `vb` is the SVG's current view box.
#[component]
pub fn Messages(vb: Memo<(f64, f64, f64, f64)>) -> impl IntoView {
    let pg = expect_context::<Playground>();
    let node = NodeRef::<leptos::html::Canvas>::new();
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    fn frame(
        pg: Playground,
        node: NodeRef<leptos::html::Canvas>,
        vb: Memo<(f64, f64, f64, f64)>,
        alive: StoredValue<bool>,
    ) {
        if !alive.try_get_value().unwrap_or(false) {
            return;
        }
        if let Some(canvas) = node.get_untracked() {
            let now = crate::url::now_real_ms();
            pg.dots
                .update_untracked(|d| d.retain(|dot| now - dot.start_real < TRAVEL_MS));
            let (count, kinds) = pg
                .dots
                .with_untracked(|d| (d.len(), draw(&canvas, vb.get_untracked(), d, now)));
            let _ = canvas.set_attribute("data-in-flight", &count.to_string());
            let _ = canvas.set_attribute("data-kinds", &kinds.join(" "));
        }
        request_animation_frame(move || frame(pg, node, vb, alive));
    }
    request_animation_frame(move || frame(pg, node, vb, alive));
    view! { <canvas node_ref=node class="messages" aria-hidden="true" data-in-flight="0" data-kinds=""></canvas> }
}
