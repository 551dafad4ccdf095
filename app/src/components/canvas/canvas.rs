//! The SVG canvas: wires first, then nodes, then the travelling messages on top. Wires
//! come from the template's references (graph module of the core); a driver's traffic
//! enters from a small "driver" stub left of its target.

use super::node::NodeView;
use crate::state::{Dot, Playground, TRAVEL_MS};
use leptos::prelude::*;

/// A wire as drawn: its key (`From->To`), kind (CSS class) and end points.
#[derive(Clone)]
struct Wire {
    key: String,
    kind: String,
    a: (f64, f64),
    b: (f64, f64),
}

pub const NODE_W: f64 = 150.0;
pub const NODE_H: f64 = 64.0;

/// Where a wire between two nodes (given by their top-left corners) leaves the first
/// and enters the second: the facing sides' midpoints, so wires never cross a node.
pub fn anchors(a: (f64, f64), b: (f64, f64)) -> ((f64, f64), (f64, f64)) {
    let (ca, cb) = (
        (a.0 + NODE_W / 2.0, a.1 + NODE_H / 2.0),
        (b.0 + NODE_W / 2.0, b.1 + NODE_H / 2.0),
    );
    let (dx, dy) = (cb.0 - ca.0, cb.1 - ca.1);
    if dx.abs() * NODE_H >= dy.abs() * NODE_W {
        let s = dx.signum();
        (
            (ca.0 + s * NODE_W / 2.0, ca.1),
            (cb.0 - s * NODE_W / 2.0, cb.1),
        )
    } else {
        let s = dy.signum();
        (
            (ca.0, ca.1 + s * NODE_H / 2.0),
            (cb.0, cb.1 - s * NODE_H / 2.0),
        )
    }
}

fn position(d: &Dot, now: f64) -> (f64, f64) {
    let t = ((now - d.start_real) / TRAVEL_MS).clamp(0.0, 1.0);
    // Ease in and out so a message visibly leaves and arrives.
    let t = t * t * (3.0 - 2.0 * t);
    (
        d.from.0 + (d.to.0 - d.from.0) * t,
        d.from.1 + (d.to.1 - d.from.1) * t,
    )
}

#[component]
pub fn Canvas() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let view_box = move || {
        pg.graph.with(|g| {
            let Some(g) = g else {
                return "0 0 800 400".to_string();
            };
            let max_x = g
                .nodes
                .iter()
                .map(|n| n.x + NODE_W)
                .fold(600.0_f64, f64::max)
                + 60.0;
            let max_y = g
                .nodes
                .iter()
                .map(|n| n.y + NODE_H)
                .fold(300.0_f64, f64::max)
                + 60.0;
            let min_x = g.nodes.iter().map(|n| n.x).fold(0.0_f64, f64::min) - 120.0;
            format!("{min_x} 0 {} {max_y}", max_x - min_x)
        })
    };
    let wires = move || {
        pg.graph.with(|g| {
            let Some(g) = g else { return vec![] };
            let corner = |id: &str| g.nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y));
            let center = |id: &str| corner(id).map(|(x, y)| (x + NODE_W / 2.0, y + NODE_H / 2.0));
            let mut out: Vec<Wire> = g
                .edges
                .iter()
                .filter_map(|e| {
                    let (a, b) = anchors(corner(&e.from)?, corner(&e.to)?);
                    Some(Wire {
                        key: format!("{}->{}", e.from, e.to),
                        kind: e.kind.clone(),
                        a,
                        b,
                    })
                })
                .collect();
            for id in &g.driven {
                if let Some((x, y)) = center(id) {
                    out.push(Wire {
                        key: format!("driver->{id}"),
                        kind: "driver".into(),
                        a: (x - 134.0, y),
                        b: (x - NODE_W / 2.0, y),
                    });
                }
            }
            out
        })
    };
    let drivers = move || {
        pg.graph.with(|g| {
            g.as_ref()
                .map(|g| {
                    g.driven
                        .iter()
                        .filter_map(|id| {
                            g.nodes.iter().find(|n| &n.id == id).map(|n| {
                                (id.clone(), n.x + NODE_W / 2.0 - 150.0, n.y + NODE_H / 2.0)
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let nodes = move || {
        pg.graph
            .with(|g| g.as_ref().map(|g| g.nodes.clone()).unwrap_or_default())
    };
    view! {
        <section class="canvas" aria-label="Architecture canvas">
            <svg viewBox=view_box xmlns="http://www.w3.org/2000/svg" role="img" aria-label="The scenario's resources and wires">
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>
                    </marker>
                </defs>
                <For each=wires key=|w| w.key.clone() children=move |w| {
                    view! {
                        <line class=format!("wire {}", w.kind) data-wire=w.key x1=w.a.0 y1=w.a.1 x2=w.b.0 y2=w.b.1 marker-end="url(#arrow)"/>
                    }
                }/>
                <For each=drivers key=|d| d.0.clone() children=move |(id, x, y)| {
                    view! {
                        <g class="driver" data-driver=id>
                            <circle cx=x cy=y r="16"/>
                            <text x=x y={y + 4.0} text-anchor="middle">"▶"</text>
                            <text x=x y={y + 32.0} text-anchor="middle" class="small">"driver"</text>
                        </g>
                    }
                }/>
                <For each=nodes key=|n| n.id.clone() children=move |n| view! { <NodeView node=n/> }/>
                <For each=move || pg.dots.get() key=|d| d.id children=move |d| {
                    let (d1, d2, start) = (d.clone(), d.clone(), d.start_real);
                    view! {
                        <circle class=format!("dot {}", d.kind) r="7"
                            cx=move || position(&d1, pg.now_real.get()).0
                            cy=move || position(&d2, pg.now_real.get()).1
                            opacity=move || if pg.now_real.get() < start { "0" } else { "1" }>
                            <title>{d.label.clone()}</title>
                        </circle>
                    }
                }/>
            </svg>
        </section>
    }
}
