//! A state machine drawn as a graph, the way Workflow Studio draws it: states top to
//! bottom from `StartAt`, each state one row below the first state that reaches it
//! (Next, Choice rules, Default, Catch), Parallel branches and a Map's item processor
//! laid out inside their state's box, side by side. Pure layout: the page draws it and
//! lights states from an execution's history or a validation error's location. It reads
//! the definition's JSON leniently, so a definition with errors is still drawn (with a
//! transition to a missing state simply not drawn) and its errors can be shown on it.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

pub const STATE_W: f64 = 170.0;
pub const STATE_H: f64 = 40.0;
const GAP_X: f64 = 28.0;
const GAP_Y: f64 = 36.0;
const PAD: f64 = 14.0;
const HEADER: f64 = 26.0;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphState {
    /// Unique in the graph: the name, prefixed by its enclosing states and branch.
    pub id: String,
    /// The state's name (what histories and diagnostics use).
    pub name: String,
    /// `Task`, `Choice`, … or `Start` / `End` for the two markers.
    pub ty: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Parallel and Map boxes hold other states.
    pub group: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    /// `next`, `choice`, `default`, `catch`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AslGraph {
    pub states: Vec<GraphState>,
    pub edges: Vec<GraphEdge>,
    pub width: f64,
    pub height: f64,
}

/// Where a state's transitions lead: (target, kind).
fn targets(s: &Value) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let text = |v: &Value| v.as_str().map(str::to_string);
    for c in s
        .get("Choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = c.get("Next").and_then(text) {
            out.push((n, "choice"));
        }
    }
    if let Some(d) = s.get("Default").and_then(text) {
        out.push((d, "default"));
    }
    if let Some(n) = s.get("Next").and_then(text) {
        out.push((n, "next"));
    }
    for c in s
        .get("Catch")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = c.get("Next").and_then(text) {
            out.push((n, "catch"));
        }
    }
    out
}

fn ends(s: &Value) -> bool {
    let ty = s.get("Type").and_then(Value::as_str).unwrap_or("");
    s.get("Next").is_none() && !matches!(ty, "Choice" | "Fail")
}

/// The `States` blocks a state holds: a Parallel's branches, a Map's item processor.
fn inner(s: &Value) -> Vec<&Value> {
    if let Some(b) = s.get("Branches").and_then(Value::as_array) {
        return b.iter().collect();
    }
    s.get("ItemProcessor")
        .or_else(|| s.get("Iterator"))
        .into_iter()
        .collect()
}

/// A state's box: width, height, and the ranges of `out.states` its branches fill.
type Size = (f64, f64, Vec<(usize, usize)>);

/// Lays out one `States` block with its top-left at (0, 0); returns its size.
fn block(states: &Value, prefix: &str, out: &mut AslGraph) -> (f64, f64) {
    let list: Vec<(&String, &Value)> = states
        .get("States")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let get = |name: &str| list.iter().position(|(n, _)| n.as_str() == name);
    let start_at = states.get("StartAt").and_then(Value::as_str).unwrap_or("");
    // Rows: breadth-first from StartAt; states nothing reaches go below.
    let mut row: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::new();
    if let Some(start) = get(start_at) {
        row.insert(start, 0);
        queue.push_back(start);
    }
    while let Some(i) = queue.pop_front() {
        let r = row[&i];
        for (t, _) in targets(list[i].1) {
            if let Some(j) = get(&t) {
                if let std::collections::btree_map::Entry::Vacant(e) = row.entry(j) {
                    e.insert(r + 1);
                    queue.push_back(j);
                }
            }
        }
    }
    let last = row.values().copied().max().map_or(0, |m| m + 1);
    for i in 0..list.len() {
        row.entry(i).or_insert(last);
    }
    // Each state's own size (groups hold their branches, laid out first, at 0,0).
    let mut sizes: Vec<Size> = Vec::new();
    for (name, s) in &list {
        let id = format!("{prefix}{name}");
        let inner = inner(s);
        if inner.is_empty() {
            sizes.push((STATE_W, STATE_H, Vec::new()));
            continue;
        }
        let (mut w, mut h) = (PAD, 0.0_f64);
        let mut ranges = Vec::new();
        for (bi, b) in inner.iter().enumerate() {
            let from = out.states.len();
            let (bw, bh) = block(b, &format!("{id}/{bi}/"), out);
            // Shift the branch to its place inside the group (still relative to it).
            for st in &mut out.states[from..] {
                st.x += w;
                st.y += HEADER;
            }
            ranges.push((from, out.states.len()));
            w += bw + PAD;
            h = h.max(bh);
        }
        sizes.push((w.max(STATE_W), h + HEADER + PAD, ranges));
    }
    // Rows top to bottom, each centred on the widest.
    let rows = row.values().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows];
    for (i, r) in &row {
        members[*r].push(*i);
    }
    let row_w: Vec<f64> = members
        .iter()
        .map(|m| m.iter().map(|i| sizes[*i].0).sum::<f64>() + GAP_X * (m.len().max(1) - 1) as f64)
        .collect();
    let width = row_w.iter().copied().fold(STATE_W, f64::max);
    let mut y = 0.0;
    for (r, m) in members.iter().enumerate() {
        let mut x = (width - row_w[r]) / 2.0;
        let mut tallest: f64 = 0.0;
        for &i in m {
            let (name, s) = list[i];
            let (w, h, ranges) = &sizes[i];
            for &(a, b) in ranges {
                for st in &mut out.states[a..b] {
                    st.x += x;
                    st.y += y;
                }
            }
            out.states.push(GraphState {
                id: format!("{prefix}{name}"),
                name: name.clone(),
                ty: s
                    .get("Type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                x,
                y,
                w: *w,
                h: *h,
                group: !ranges.is_empty(),
            });
            x += w + GAP_X;
            tallest = tallest.max(*h);
        }
        y += tallest + GAP_Y;
    }
    for (name, s) in &list {
        for (t, kind) in targets(s) {
            if get(&t).is_some() {
                out.edges.push(GraphEdge {
                    from: format!("{prefix}{name}"),
                    to: format!("{prefix}{t}"),
                    kind,
                });
            }
        }
    }
    (width, (y - GAP_Y).max(STATE_H))
}

/// The whole definition (its JSON), with Start and End markers.
pub fn layout(definition: &Value) -> AslGraph {
    let mut g = AslGraph {
        states: Vec::new(),
        edges: Vec::new(),
        width: 0.0,
        height: 0.0,
    };
    let top = STATE_H + GAP_Y;
    let (w, h) = block(definition, "", &mut g);
    for s in &mut g.states {
        s.x += PAD;
        s.y += top;
    }
    let width = w + 2.0 * PAD;
    let marker = |name: &str, y: f64| GraphState {
        id: format!("__{}", name.to_lowercase()),
        name: name.to_string(),
        ty: name.to_string(),
        x: width / 2.0 - 40.0,
        y,
        w: 80.0,
        h: 28.0,
        group: false,
    };
    g.states.push(marker("Start", 0.0));
    if let Some(start) = definition.get("StartAt").and_then(Value::as_str) {
        if definition
            .pointer(&format!(
                "/States/{}",
                start.replace('~', "~0").replace('/', "~1")
            ))
            .is_some()
        {
            g.edges.push(GraphEdge {
                from: "__start".into(),
                to: start.to_string(),
                kind: "next",
            });
        }
    }
    let end_y = top + h + GAP_Y;
    g.states.push(marker("End", end_y));
    for (name, s) in definition
        .get("States")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if ends(s) {
            g.edges.push(GraphEdge {
                from: name.clone(),
                to: "__end".into(),
                kind: "next",
            });
        }
    }
    g.width = width;
    g.height = end_y + 28.0 + PAD;
    g
}

/// The state a validation diagnostic's location (`/States/A/Branches/0/States/B/Next`)
/// points into: the name after the last `States`.
pub fn state_of_location(location: &str) -> Option<&str> {
    let parts: Vec<&str> = location.split('/').collect();
    let i = parts.iter().rposition(|p| *p == "States")?;
    parts.get(i + 1).copied().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_follow_transitions_and_groups_hold_their_branches() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "B"}], "Default": "P"},
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": true},
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "P1", "States": {"P1": {"Type": "Pass", "End": true}}},
                {"StartAt": "P2", "States": {"P2": {"Type": "Pass", "Next": "P3"}, "P3": {"Type": "Succeed"}}}
            ], "End": true},
            "F": {"Type": "Fail", "Error": "E"}
        }});
        let (_, d) = crate::asl::definition::read(&def);
        assert!(d.is_empty(), "{d:?}");
        let g = layout(&def);
        let at = |id: &str| g.states.iter().find(|s| s.id == id).unwrap().clone();
        assert!(at("A").y < at("B").y && at("B").y == at("P").y && at("F").y > at("B").y);
        let p = at("P");
        assert!(p.group);
        for inner in ["P/0/P1", "P/1/P2", "P/1/P3"] {
            let s = at(inner);
            assert!(
                s.x >= p.x && s.x + s.w <= p.x + p.w + 0.1,
                "{inner} inside P"
            );
            assert!(
                s.y >= p.y && s.y + s.h <= p.y + p.h + 0.1,
                "{inner} inside P"
            );
        }
        assert!(at("P/1/P3").y > at("P/1/P2").y);
        let kinds: Vec<(&str, &str, &str)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.kind))
            .collect();
        for e in [
            ("A", "B", "choice"),
            ("A", "P", "default"),
            ("B", "F", "catch"),
            ("P/1/P2", "P/1/P3", "next"),
            ("__start", "A", "next"),
            ("B", "__end", "next"),
            ("P", "__end", "next"),
        ] {
            assert!(kinds.contains(&e), "{e:?} in {kinds:?}");
        }
        assert!(
            !kinds.iter().any(|(f, _, _)| *f == "F"),
            "Fail ends nowhere"
        );
        assert!(at("__end").y > p.y + p.h);
        assert_eq!(
            state_of_location("/States/P/Branches/1/States/P3/Next"),
            Some("P3")
        );
        assert_eq!(state_of_location("/StartAt"), None);
    }
}

#[cfg(test)]
mod lenient {
    #[test]
    fn a_definition_with_errors_is_still_drawn() {
        let def = serde_json::json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}});
        let g = super::layout(&def);
        assert!(g.states.iter().any(|s| s.name == "A"));
        assert!(!g.edges.iter().any(|e| e.to == "Missing"));
    }
}
