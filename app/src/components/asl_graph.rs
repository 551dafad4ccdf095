//! A state machine drawn as a graph (layout from `core::asl::graph`): states lit by what
//! happened to them in the chosen execution (running, succeeded, caught, failed) and
//! marked where the definition has an error, with the validator's message on hover.
//! With `on_select`, every state (groups too) can be pressed, by pointer or keyboard.

use leptos::prelude::*;
use playground_core::asl::graph::AslGraph;
use std::collections::BTreeMap;

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
) -> impl IntoView {
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
            aria-label="The state machine as a graph" preserveAspectRatio="xMidYMin meet">
            <defs>
                <marker id="asl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>
                </marker>
            </defs>
            {groups.into_iter().map(|s| {
                let (n1, n2, ty) = (s.name.clone(), s.name.clone(), s.ty.clone());
                let (n3, n4) = (s.name.clone(), s.name.clone());
                view! {
                    <g class=move || class(&n1, &ty, false) data-state=s.name.clone()
                        tabindex=on_select.is_some().then_some("0") role=on_select.is_some().then_some("button")
                        on:click=move |_| if let Some(cb) = on_select { cb.run(n3.clone()) }
                        on:keydown=move |ev| if let (Some(cb), "Enter" | " ") = (on_select, ev.key().as_str()) { ev.prevent_default(); cb.run(n4.clone()) }>
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
                let n4 = s.name.clone();
                let pressable = on_select.is_some() && !marker;
                view! {
                    <g class=move || class(&n1, &ty, marker) data-state=s.name.clone()
                        tabindex=pressable.then_some("0") role=pressable.then_some("button")
                        on:click=move |_| if let (Some(cb), false) = (on_select, marker) { cb.run(n3.clone()) }
                        on:keydown=move |ev| if let (Some(cb), false, "Enter" | " ") = (on_select, marker, ev.key().as_str()) { ev.prevent_default(); cb.run(n4.clone()) }>
                        <rect x=s.x y=s.y width=s.w height=s.h rx=if marker { "14" } else { "6" }/>
                        <text x={s.x + s.w / 2.0} y={s.y + if marker { 18.0 } else { 17.0 }} text-anchor="middle" class="name">{s.name.clone()}</text>
                        {(!marker).then(|| view! {
                            <text x={s.x + s.w / 2.0} y={s.y + 31.0} text-anchor="middle" class="ty">{s.ty.clone()}</text>
                        })}
                        <title>{move || errors.with(|e| e.get(&n2).cloned()).unwrap_or_else(|| n2.clone())}</title>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}
