//! A state machine drawn as a graph (layout from `core::asl::graph`): states lit by what
//! happened to them in the chosen execution (running, succeeded, caught, failed) and
//! marked where the definition has an error, with the validator's message on hover.
//! With `on_select`, every state (groups too) can be pressed, by pointer or keyboard;
//! with `on_connect`, a wire dragged from a state's port onto another state connects them;
//! with `on_drop_state`, a state type dropped on a state is added after it.

use leptos::prelude::*;
use playground_core::asl::graph::AslGraph;
use std::collections::BTreeMap;

/// The drag data type of a state type dragged from the state palette.
pub const STATE_MIME: &str = "application/x-playground-asl-state";

#[component]
pub fn AslGraphView(
    graph: AslGraph,
    /// State name → status class.
    #[prop(into)]
    status: Signal<BTreeMap<String, &'static str>>,
    /// State name → the first validation error located in it.
    #[prop(into)]
    errors: Signal<BTreeMap<String, String>>,
    /// Called with a state's name when the user presses it.
    #[prop(optional)]
    on_select: Option<Callback<String>>,
    /// With it, each state has a port at its foot: dragging from it onto another state
    /// calls this with (from, to) — the editor makes that the state's Next.
    #[prop(default = None)]
    on_connect: Option<Callback<(String, String)>>,
    /// With it, a state type dragged from the editor's state palette (`STATE_MIME`) and
    /// dropped on a state calls this with (that state, the type).
    #[prop(default = None)]
    on_drop_state: Option<Callback<(String, String)>>,
) -> impl IntoView {
    let drop_kind = move |ev: &web_sys::DragEvent| {
        ev.data_transfer()
            .and_then(|d| d.get_data(STATE_MIME).ok())
            .filter(|k| !k.is_empty())
    };
    let accepts = move |ev: &web_sys::DragEvent| {
        on_drop_state.is_some()
            && ev
                .data_transfer()
                .is_some_and(|d| d.types().includes(&STATE_MIME.into(), 0))
    };
    // A wire being dragged: (from, x1, y1, x2, y2) in the view box's units.
    let drag = RwSignal::new(None::<(String, f64, f64, f64, f64)>);
    let (vbw, vbh) = (graph.width, graph.height);
    // Client coordinates → view box (the SVG scales with `xMidYMin meet`).
    let to_box = move |ev: &web_sys::PointerEvent| -> Option<(f64, f64)> {
        use wasm_bindgen::JsCast;
        let el = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let r = el.get_bounding_client_rect();
        let s = (r.width() / vbw).min(r.height() / vbh);
        (s > 0.0).then(|| {
            let ox = (r.width() - vbw * s) / 2.0;
            (
                (f64::from(ev.client_x()) - r.left() - ox) / s,
                (f64::from(ev.client_y()) - r.top()) / s,
            )
        })
    };
    let drop_on = move |ev: &web_sys::PointerEvent| -> Option<String> {
        use wasm_bindgen::JsCast;
        ev.target()?
            .dyn_into::<web_sys::Element>()
            .ok()?
            .closest("[data-state]")
            .ok()??
            .get_attribute("data-state")
    };
    let ports: Vec<(String, f64, f64)> = if on_connect.is_some() {
        graph
            .states
            .iter()
            .filter(|s| {
                !s.id.starts_with("__") && !matches!(s.ty.as_str(), "Choice" | "Succeed" | "Fail")
            })
            .map(|s| (s.name.clone(), s.x + s.w / 2.0, s.y + s.h))
            .collect()
    } else {
        Vec::new()
    };
    let at = |id: &str| graph.states.iter().find(|s| s.id == id).cloned();
    let edges: Vec<_> = graph
        .edges
        .iter()
        .filter_map(|e| {
            let (a, b) = (at(&e.from)?, at(&e.to)?);
            let (x1, y1) = (a.x + a.w / 2.0, a.y + a.h);
            let (x2, y2) = (b.x + b.w / 2.0, b.y);
            // Downwards: a gentle curve; back up (a loop): around the right side.
            let d = if y2 > y1 {
                let my = (y1 + y2) / 2.0;
                format!("M {x1} {y1} C {x1} {my}, {x2} {my}, {x2} {y2}")
            } else {
                let rx = a.x.max(b.x) + a.w.max(b.w) + 24.0;
                format!(
                    "M {} {} C {rx} {}, {rx} {}, {} {}",
                    a.x + a.w,
                    a.y + a.h / 2.0,
                    a.y + a.h / 2.0,
                    b.y + b.h / 2.0,
                    b.x + b.w,
                    b.y + b.h / 2.0
                )
            };
            Some((d, e.kind, format!("{}->{}", e.from, e.to)))
        })
        .collect();
    let (groups, leaves): (Vec<_>, Vec<_>) = graph.states.iter().cloned().partition(|s| s.group);
    let class = move |name: &str, ty: &str, marker: bool| {
        let mut c = format!("asl-state {}", ty.to_lowercase());
        if marker {
            c.push_str(" marker");
        }
        if let Some(s) = status.with(|m| m.get(name).copied()) {
            c.push(' ');
            c.push_str(s);
        }
        if errors.with(|e| e.contains_key(name)) {
            c.push_str(" invalid");
        }
        c
    };
    view! {
        <svg class="asl-graph" viewBox=format!("0 0 {} {}", graph.width, graph.height) role="img"
            aria-label="The state machine as a graph" preserveAspectRatio="xMidYMin meet"
            // Never drawn larger than 1.4× its layout: a small machine stays readable at a
            // glance instead of filling the panel with three giant boxes.
            style=format!("max-width: {:.0}px", graph.width * 1.4)
            on:pointermove=move |ev| {
                if drag.with_untracked(Option::is_some) {
                    if let Some((x, y)) = to_box(&ev) {
                        drag.update(|d| if let Some(d) = d { d.3 = x; d.4 = y; });
                    }
                    scroll_near_edge(&ev);
                }
            }
            on:pointerup=move |ev| {
                if let Some((from, ..)) = drag.get_untracked() {
                    drag.set(None);
                    if let (Some(cb), Some(to)) = (on_connect, drop_on(&ev)) {
                        if to != from {
                            cb.run((from, to));
                        }
                    }
                }
            }
            on:pointerleave=move |_| drag.set(None)>
            <defs>
                <marker id="asl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>
                </marker>
            </defs>
            {groups.into_iter().map(|s| {
                let (n1, n2, ty) = (s.name.clone(), s.name.clone(), s.ty.clone());
                let (n3, n4, n5) = (s.name.clone(), s.name.clone(), s.name.clone());
                view! {
                    <g class=move || class(&n1, &ty, false) data-state=s.name.clone()
                        tabindex=on_select.is_some().then_some("0") role=on_select.is_some().then_some("button")
                        on:click=move |_| if let Some(cb) = on_select { cb.run(n3.clone()) }
                        on:keydown=move |ev| if let (Some(cb), "Enter" | " ") = (on_select, ev.key().as_str()) { ev.prevent_default(); cb.run(n4.clone()) }
                        on:dragover=move |ev| if accepts(&ev) { ev.prevent_default() }
                        on:drop=move |ev| if let (Some(cb), Some(k)) = (on_drop_state, drop_kind(&ev)) { ev.prevent_default(); cb.run((n5.clone(), k)) }>
                        <rect class="group" x=s.x y=s.y width=s.w height=s.h rx="8"/>
                        <text x={s.x + 8.0} y={s.y + 17.0} class="name">{format!("{} ({})", s.name, s.ty)}</text>
                        <title>{move || errors.with(|e| e.get(&n2).cloned()).unwrap_or_else(|| n2.clone())}</title>
                    </g>
                }
            }).collect_view()}
            {edges.into_iter().map(|(d, kind, key)| view! {
                <path class=format!("asl-edge {kind}") data-edge=key d=d marker-end="url(#asl-arrow)"/>
            }).collect_view()}
            {leaves.into_iter().map(|s| {
                let marker = s.id.starts_with("__");
                let (n1, n2, n3, ty) = (s.name.clone(), s.name.clone(), s.name.clone(), s.ty.clone());
                let (n4, n5) = (s.name.clone(), s.name.clone());
                let pressable = on_select.is_some() && !marker;
                view! {
                    <g class=move || class(&n1, &ty, marker) data-state=s.name.clone()
                        tabindex=pressable.then_some("0") role=pressable.then_some("button")
                        on:click=move |_| if let (Some(cb), false) = (on_select, marker) { cb.run(n3.clone()) }
                        on:keydown=move |ev| if let (Some(cb), false, "Enter" | " ") = (on_select, marker, ev.key().as_str()) { ev.prevent_default(); cb.run(n4.clone()) }
                        on:dragover=move |ev| if !marker && accepts(&ev) { ev.prevent_default() }
                        on:drop=move |ev| if let (Some(cb), false, Some(k)) = (on_drop_state, marker, drop_kind(&ev)) { ev.prevent_default(); cb.run((n5.clone(), k)) }>
                        <rect x=s.x y=s.y width=s.w height=s.h rx=if marker { "14" } else { "6" }/>
                        <text x={s.x + s.w / 2.0} y={s.y + if marker { 18.0 } else { 17.0 }} text-anchor="middle" class="name">{s.name.clone()}</text>
                        {(!marker).then(|| view! {
                            <text x={s.x + s.w / 2.0} y={s.y + 31.0} text-anchor="middle" class="ty">{s.ty.clone()}</text>
                        })}
                        <title>{move || errors.with(|e| e.get(&n2).cloned()).unwrap_or_else(|| n2.clone())}</title>
                    </g>
                }
            }).collect_view()}
            {ports.into_iter().map(|(name, x, y)| {
                let n = name.clone();
                view! {
                    <circle class="asl-port" data-port=name cx=x cy=y r="5"
                        on:pointerdown=move |ev| {
                            ev.prevent_default();
                            ev.stop_propagation();
                            drag.set(Some((n.clone(), x, y, x, y)));
                        }>
                        <title>"Drag onto another state to make it the Next state"</title>
                    </circle>
                }
            }).collect_view()}
            {move || drag.get().map(|(_, x1, y1, x2, y2)| view! {
                <line class="asl-drag" x1=x1 y1=y1 x2=x2 y2=y2 marker-end="url(#asl-arrow)"/>
            })}
        </svg>
    }
}

/// While a wire is dragged near the top or bottom of the box the graph scrolls in, the
/// box scrolls, so a state out of sight can be reached.
fn scroll_near_edge(ev: &web_sys::PointerEvent) {
    use wasm_bindgen::JsCast;
    let Some(scroller) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.parent_element())
    else {
        return;
    };
    let r = scroller.get_bounding_client_rect();
    let y = f64::from(ev.client_y());
    const EDGE: f64 = 28.0;
    if y > r.bottom() - EDGE {
        scroller.set_scroll_top(scroller.scroll_top() + 12);
    } else if y < r.top() + EDGE {
        scroller.set_scroll_top(scroller.scroll_top() - 12);
    }
}
