//! The SVG canvas: wires first, then nodes, then the travelling messages on top. Wires
//! come from the template's references (graph module of the core); a driver's traffic
//! enters from a small "driver" stub left of its target.
//!
//! It is also where the user builds: drop a palette entry to add a resource, drag a box
//! to move it, drag from a box's right port to another box to wire them (the target says
//! while dragging whether AWS has such a link, and why not), click a box or a wire to
//! select it, Delete to remove it, the wheel or the zoom buttons to zoom, drag the
//! background to pan. Every change goes through the named actions in `editing.rs`.

use super::messages::Messages;
use super::node::NodeView;
use crate::state::{Playground, Selection};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A wire as drawn: its key (`From->To`), kind (CSS class) and end points.
#[derive(Clone, PartialEq)]
struct Wire {
    key: String,
    from: String,
    to: String,
    kind: String,
    a: (f64, f64),
    b: (f64, f64),
}

pub const NODE_W: f64 = 150.0;
pub const NODE_H: f64 = 64.0;
/// The MIME type a palette entry carries while dragged.
pub const KIND_MIME: &str = "application/x-playground-kind";

/// What the pointer is doing on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub enum Drag {
    Move {
        id: String,
        dx: f64,
        dy: f64,
        x: f64,
        y: f64,
        moved: bool,
        /// Where the box started, and the other selected boxes moving with it.
        start: (f64, f64),
        group: Vec<String>,
    },
    Wire {
        from: String,
        x: f64,
        y: f64,
        target: Option<String>,
        /// How many meanings the wire has on `target`, or why it cannot exist.
        verdict: Option<Result<usize, String>>,
    },
    Pan {
        cx: f64,
        cy: f64,
        start: (f64, f64),
    },
}

/// The canvas's pointer state, shared with the boxes (which follow a move and say
/// whether a wire can end on them).
#[derive(Clone, Copy)]
pub struct DragState(pub RwSignal<Option<Drag>>);

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

/// The view box (x, y, width, height) as drawn, and a client point in its coordinates
/// (SVG's default `xMidYMid meet`).
fn to_svg(el: &web_sys::Element, vb: (f64, f64, f64, f64), cx: f64, cy: f64) -> (f64, f64) {
    let r = el.get_bounding_client_rect();
    let s = (r.width() / vb.2).min(r.height() / vb.3).max(1e-6);
    let ox = r.left() + (r.width() - vb.2 * s) / 2.0;
    let oy = r.top() + (r.height() - vb.3 * s) / 2.0;
    (vb.0 + (cx - ox) / s, vb.1 + (cy - oy) / s)
}

/// The element an event is handled on and the event's point in view-box coordinates.
fn event_point(
    ev: &web_sys::MouseEvent,
    vb: (f64, f64, f64, f64),
) -> Option<(web_sys::Element, (f64, f64))> {
    let el = current(ev)?;
    let p = to_svg(&el, vb, ev.client_x() as f64, ev.client_y() as f64);
    Some((el, p))
}

fn attr_of(el: &web_sys::Element, attr: &str) -> Option<String> {
    el.closest(&format!("[{attr}]"))
        .ok()
        .flatten()?
        .get_attribute(attr)
}

fn current(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.current_target()?.dyn_into().ok()
}

fn target(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()?.dyn_into().ok()
}

#[component]
pub fn Canvas() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let drag = RwSignal::new(None::<Drag>);
    provide_context(DragState(drag));
    let zoom = RwSignal::new(
        pg.embed
            .with_untracked(|e| e.as_ref().map_or(1.0, |e| e.zoom)),
    );
    let pan = RwSignal::new((0.0_f64, 0.0_f64));
    // Where each box is drawn: its layout, or where the pointer is moving it.
    let laid_out = move |id: &str| -> Option<(f64, f64)> {
        pg.graph.with(|g| {
            g.as_ref()?
                .nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| (n.x, n.y))
        })
    };
    let pos = move |id: &str| -> Option<(f64, f64)> {
        if let Some(Drag::Move {
            id: m,
            x,
            y,
            start,
            group,
            ..
        }) = drag.get()
        {
            if m == id {
                return Some((x, y));
            }
            if group.iter().any(|g| g == id) {
                return laid_out(id).map(|(gx, gy)| (gx + x - start.0, gy + y - start.1));
            }
        }
        laid_out(id)
    };
    let fit = Memo::new(move |_| {
        pg.graph.with(|g| {
            let Some(g) = g else {
                return (0.0, 0.0, 800.0, 400.0);
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
            let min_y = g.nodes.iter().map(|n| n.y).fold(0.0_f64, f64::min).min(0.0);
            (min_x, min_y, max_x - min_x, max_y - min_y)
        })
    });
    let vb = Memo::new(move |_| {
        let (x, y, w, h) = fit.get();
        let z = zoom.get();
        let (px, py) = pan.get();
        let (w2, h2) = (w / z, h / z);
        (x + (w - w2) / 2.0 + px, y + (h - h2) / 2.0 + py, w2, h2)
    });
    let view_box = move || {
        let (x, y, w, h) = vb.get();
        format!("{x} {y} {w} {h}")
    };
    let wires = move || {
        pg.graph.with(|g| {
            let Some(g) = g else { return vec![] };
            let center = |id: &str| pos(id).map(|(x, y)| (x + NODE_W / 2.0, y + NODE_H / 2.0));
            let mut out: Vec<Wire> = g
                .edges
                .iter()
                .filter_map(|e| {
                    let (a, b) = anchors(pos(&e.from)?, pos(&e.to)?);
                    Some(Wire {
                        key: format!("{}->{}", e.from, e.to),
                        from: e.from.clone(),
                        to: e.to.clone(),
                        kind: e.kind.clone(),
                        a,
                        b,
                    })
                })
                .collect();
            out.dedup_by(|a, b| a.key == b.key);
            for id in &g.driven {
                if let Some((x, y)) = center(id) {
                    out.push(Wire {
                        key: format!("driver->{id}"),
                        from: String::new(),
                        to: id.clone(),
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
                            pos(id).map(|(x, y)| {
                                (id.clone(), x + NODE_W / 2.0 - 150.0, y + NODE_H / 2.0)
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
    let node_at = move |x: f64, y: f64, except: &str| -> Option<String> {
        pg.graph.with_untracked(|g| {
            g.as_ref()?
                .nodes
                .iter()
                .rev()
                .find(|n| {
                    n.id != except && x >= n.x && x <= n.x + NODE_W && y >= n.y && y <= n.y + NODE_H
                })
                .map(|n| n.id.clone())
        })
    };

    let on_down = move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let (Some((svg, (x, y))), Some(el)) = (event_point(&ev, vb.get_untracked()), target(&ev))
        else {
            return;
        };
        pg.wire_choice.set(None);
        // Working on the canvas takes the keyboard from a text field (Delete, Ctrl+Z).
        if let Some(active) = document()
            .active_element()
            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
        {
            active.blur().ok();
        }
        // The canvas selects on release (Shift+click adds): no focus change on press,
        // which would select the pressed box first.
        ev.prevent_default();
        let editable = !pg.read_only();
        if let Some(from) = attr_of(&el, "data-port").filter(|_| editable) {
            drag.set(Some(Drag::Wire {
                from,
                x,
                y,
                target: None,
                verdict: None,
            }));
        } else if let Some(id) = attr_of(&el, "data-resource").filter(|_| editable) {
            let (nx, ny) = pos(&id).unwrap_or((x, y));
            // Pressing a box of a multi-selection moves the whole selection.
            let ids = pg.selected_ids();
            let group = if ids.len() > 1 && ids.contains(&id) {
                ids.into_iter().filter(|i| *i != id).collect()
            } else {
                Vec::new()
            };
            drag.set(Some(Drag::Move {
                id,
                dx: x - nx,
                dy: y - ny,
                x: nx,
                y: ny,
                moved: false,
                start: (nx, ny),
                group,
            }));
        } else if let (Some(from), Some(to)) = (attr_of(&el, "data-from"), attr_of(&el, "data-to"))
        {
            pg.selected.set(Some(Selection::Wire(from, to)));
            return;
        } else {
            pg.selected.set(None);
            pg.multi.set(Vec::new());
            drag.set(Some(Drag::Pan {
                cx: ev.client_x() as f64,
                cy: ev.client_y() as f64,
                start: pan.get_untracked(),
            }));
        }
        let _ = svg.set_pointer_capture(ev.pointer_id());
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        let Some((svg, (x, y))) = event_point(&ev, vb.get_untracked()) else {
            return;
        };
        let next = match d {
            Drag::Move {
                id,
                dx,
                dy,
                x: ox,
                y: oy,
                moved,
                start,
                group,
            } => {
                let (nx, ny) = (x - dx, y - dy);
                let moved = moved || (nx - ox).abs() + (ny - oy).abs() > 3.0;
                Drag::Move {
                    id,
                    dx,
                    dy,
                    x: nx,
                    y: ny,
                    moved,
                    start,
                    group,
                }
            }
            Drag::Wire {
                from,
                target,
                verdict,
                ..
            } => {
                let over = node_at(x, y, &from);
                let verdict = if over == target {
                    verdict
                } else {
                    over.as_ref()
                        .map(|to| pg.wire_options(&from, to).map(|l| l.len()))
                };
                Drag::Wire {
                    from,
                    x,
                    y,
                    target: over,
                    verdict,
                }
            }
            Drag::Pan { cx, cy, start } => {
                let (.., w, _) = vb.get_untracked();
                let r = svg.get_bounding_client_rect();
                let s = w / r.width().max(1.0);
                pan.set((
                    start.0 - (ev.client_x() as f64 - cx) * s,
                    start.1 - (ev.client_y() as f64 - cy) * s,
                ));
                Drag::Pan { cx, cy, start }
            }
        };
        drag.set(Some(next));
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        match d {
            Drag::Move {
                id,
                x,
                y,
                moved: true,
                group,
                start,
                ..
            } => {
                let mut moves = vec![(id, x, y)];
                for g in group {
                    if let Some((gx, gy)) = laid_out(&g) {
                        moves.push((g, gx + x - start.0, gy + y - start.1));
                    }
                }
                pg.move_nodes(moves);
            }
            Drag::Move { id, .. } if ev.shift_key() => pg.toggle_selected(id),
            Drag::Move { id, .. } => {
                pg.multi.set(Vec::new());
                pg.selected.set(Some(Selection::Node(id)));
            }
            Drag::Wire {
                from,
                target: Some(to),
                ..
            } => pg.drop_wire(&from, &to),
            _ => {}
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let Some(key) = ev.data_transfer().and_then(|d| d.get_data(KIND_MIME).ok()) else {
            return;
        };
        let Some((_, (x, y))) = event_point(&ev, vb.get_untracked()) else {
            return;
        };
        pg.add_resource(&key, Some((x - NODE_W / 2.0, y - NODE_H / 2.0)));
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let f = if ev.delta_y() > 0.0 { 1.0 / 1.15 } else { 1.15 };
        zoom.update(|z| *z = (*z * f).clamp(0.25, 4.0));
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if crate::app::typing(&ev) {
            return;
        }
        let ctrl = ev.ctrl_key() || ev.meta_key();
        // The browser's own undo would otherwise revert the last edit of some text
        // field on the page (Chromium's undo is per document).
        let own = |ev: &web_sys::KeyboardEvent| ev.prevent_default();
        match ev.key().as_str() {
            "z" | "Z" if ctrl && ev.shift_key() => {
                own(&ev);
                pg.redo()
            }
            "z" | "Z" if ctrl => {
                own(&ev);
                pg.undo()
            }
            "y" | "Y" if ctrl => {
                own(&ev);
                pg.redo()
            }
            "d" | "D" if ctrl => {
                own(&ev);
                pg.duplicate_selected()
            }
            "c" | "C" if ctrl => pg.copy_selected(),
            "v" | "V" if ctrl => {
                own(&ev);
                pg.paste()
            }
            "Delete" | "Backspace" if !ctrl => {
                ev.prevent_default();
                pg.delete_selected();
            }
            "w" | "W" if !ctrl => pg.start_keyboard_wire(),
            // Enter during keyboard wiring draws the wire to the selected box.
            "Enter" if !ctrl && pg.finish_keyboard_wire() => ev.prevent_default(),
            "Escape" => {
                drag.set(None);
                pg.kb_wire.set(None);
                pg.wire_choice.set(None);
                pg.selected.set(None);
                pg.multi.set(Vec::new());
            }
            // Arrow keys move the selected boxes (Shift: further), one undo step each.
            k @ ("ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight")
                if !ctrl && !pg.read_only() && !pg.selected_ids().is_empty() =>
            {
                ev.prevent_default();
                let step = if ev.shift_key() { 50.0 } else { 10.0 };
                let (dx, dy) = match k {
                    "ArrowUp" => (0.0, -step),
                    "ArrowDown" => (0.0, step),
                    "ArrowLeft" => (-step, 0.0),
                    _ => (step, 0.0),
                };
                let moves = pg
                    .selected_ids()
                    .into_iter()
                    .filter_map(|id| laid_out(&id).map(|(x, y)| (id, x + dx, y + dy)))
                    .collect();
                pg.move_nodes(moves);
            }
            "+" | "=" if !ctrl => zoom.update(|z| *z = (*z * 1.25).min(4.0)),
            "-" if !ctrl => zoom.update(|z| *z = (*z / 1.25).max(0.25)),
            "0" if !ctrl => {
                zoom.set(1.0);
                pan.set((0.0, 0.0));
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let wire_line = move || match drag.get() {
        Some(Drag::Wire {
            from,
            x,
            y,
            verdict,
            ..
        }) => pos(&from).map(|(nx, ny)| {
            let class = match verdict {
                Some(Ok(_)) => "wire drawing ok",
                Some(Err(_)) => "wire drawing refused",
                None => "wire drawing",
            };
            (nx + NODE_W, ny + NODE_H / 2.0, x, y, class)
        }),
        _ => None,
    };
    let hint = move || match drag.get() {
        Some(Drag::Wire {
            target: Some(to),
            verdict: Some(v),
            from,
            ..
        }) => Some(match v {
            Ok(1) => (true, format!("Release to wire {from} → {to}")),
            Ok(n) => (
                true,
                format!("Release to choose what {from} → {to} means ({n} ways)"),
            ),
            Err(e) => (false, e),
        }),
        Some(Drag::Wire { .. }) => Some((true, "Drop on a resource to wire it".to_string())),
        // Wiring with the keyboard: where Enter would draw the wire.
        _ => pg.kb_wire.get().map(|from| match pg.selected.get() {
            Some(Selection::Node(to)) if to != from => match pg.wire_options(&from, &to) {
                Ok(l) if l.len() == 1 => (true, format!("Enter wires {from} → {to} (Esc cancels)")),
                Ok(l) => (
                    true,
                    format!("Enter chooses what {from} → {to} means ({} ways)", l.len()),
                ),
                Err(e) => (false, e),
            },
            _ => (
                true,
                format!("Wiring from {from}: Tab to the target box, then Enter (Esc cancels)"),
            ),
        }),
    };
    let selected_wire = move |key: &str| matches!(pg.selected.get(), Some(Selection::Wire(f, t)) if format!("{f}->{t}") == key);
    view! {
        <section class="canvas" aria-label="Architecture canvas">
            <crate::components::About/>
            <div class="zoom" role="toolbar" aria-label="Zoom">
                <button id="zoom-in" aria-label="Zoom in" aria-keyshortcuts="+" on:click=move |_| zoom.update(|z| *z = (*z * 1.25).min(4.0))>"+"</button>
                <button id="zoom-out" aria-label="Zoom out" aria-keyshortcuts="-" on:click=move |_| zoom.update(|z| *z = (*z / 1.25).max(0.25))>"−"</button>
                <button id="zoom-fit" aria-label="Fit to the canvas" aria-keyshortcuts="0" on:click=move |_| { zoom.set(1.0); pan.set((0.0, 0.0)); }>"Fit"</button>
                <button id="arrange" title="Arrange the boxes automatically (removes Metadata.Playground.Layout)" on:click=move |_| pg.arrange()>"Arrange"</button>
            </div>
            <svg viewBox=view_box xmlns="http://www.w3.org/2000/svg" role="application"
                aria-label="The scenario's resources and wires. Drag a box's right port to another box to wire them, or press W on a selected box, Tab to another and press Enter; arrow keys move the selection; Delete removes it."
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up
                on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
                on:drop=on_drop on:wheel=on_wheel>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>
                    </marker>
                </defs>
                <For each=wires key=|w| (w.key.clone(), w.a.0 as i64, w.a.1 as i64, w.b.0 as i64, w.b.1 as i64) children=move |w| {
                    let key = w.key.clone();
                    let is_driver = w.kind == "driver";
                    let kind = w.kind.clone();
                    view! {
                        <g class="wire-group">
                            <line class=move || format!("wire {}{}", kind, if selected_wire(&key) { " selected" } else { "" })
                                data-wire=w.key.clone() x1=w.a.0 y1=w.a.1 x2=w.b.0 y2=w.b.1 marker-end="url(#arrow)"/>
                            {(!is_driver).then(|| view! {
                                <line class="wire-hit" data-from=w.from.clone() data-to=w.to.clone()
                                    x1=w.a.0 y1=w.a.1 x2=w.b.0 y2=w.b.1>
                                    <title>{format!("{} → {} ({}) — click to select, Delete to remove", w.from, w.to, w.kind)}</title>
                                </line>
                            })}
                        </g>
                    }
                }/>
                <For each=drivers key=|d| (d.0.clone(), d.1 as i64, d.2 as i64) children=move |(id, x, y)| {
                    view! {
                        <g class="driver" data-driver=id>
                            <circle cx=x cy=y r="16"/>
                            <text x=x y={y + 4.0} text-anchor="middle">"▶"</text>
                            <text x=x y={y + 32.0} text-anchor="middle" class="small">"driver"</text>
                        </g>
                    }
                }/>
                <For each=nodes key=|n| (n.id.clone(), n.x as i64, n.y as i64, n.resource_type.clone()) children=move |n| view! { <NodeView node=n/> }/>
                {move || wire_line().map(|(x1, y1, x2, y2, class)| view! {
                    <line class=class x1=x1 y1=y1 x2=x2 y2=y2 marker-end="url(#arrow)"/>
                })}
            </svg>
            <Messages vb=vb/>
            <svg class="minimap" viewBox=move || { let (x, y, w, h) = fit.get(); format!("{x} {y} {w} {h}") }
                role="img" aria-label="Minimap: the whole scenario; click to look there"
                on:click=move |ev: web_sys::MouseEvent| {
                    let f = fit.get_untracked();
                    let Some((_, (px, py))) = event_point(&ev, f) else { return };
                    pan.set((px - f.0 - f.2 / 2.0, py - f.1 - f.3 / 2.0));
                }>
                <For each=nodes key=|n| (n.id.clone(), n.x as i64, n.y as i64) children=move |n| view! {
                    <rect class="mini-node" x=n.x y=n.y width=NODE_W height=NODE_H rx="8"/>
                }/>
                <rect class="mini-view" x=move || vb.get().0 y=move || vb.get().1 width=move || vb.get().2 height=move || vb.get().3/>
            </svg>
            {move || hint().map(|(ok, text)| view! {
                <div id="wire-hint" class=if ok { "wire-hint ok" } else { "wire-hint refused" } role="status">{text}</div>
            })}
            {move || pg.wire_choice.get().map(|c| {
                let (from, to) = (c.from.clone(), c.to.clone());
                view! {
                    <div id="wire-choice" class="wire-choice" role="dialog" aria-label=format!("What the wire {from} → {to} means")>
                        <p>{format!("Wire {from} → {to} as:")}</p>
                        {c.labels.iter().enumerate().map(|(i, label)| {
                            let (f, t) = (from.clone(), to.clone());
                            view! { <button class="choice" data-choice=i on:click=move |_| pg.connect(&f, &t, i)>{label.clone()}</button> }
                        }).collect_view()}
                        <button class="cancel" on:click=move |_| pg.wire_choice.set(None)>"Cancel"</button>
                    </div>
                }
            })}
        </section>
    }
}
