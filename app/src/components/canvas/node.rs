//! One resource on the canvas: its service, logical id and a live badge (queue depth,
//! running environments, running executions). Unsupported types are drawn greyed out and say so.

use super::canvas::{Drag, DragState, NODE_H, NODE_W};
use crate::state::{Playground, Selection};
use leptos::prelude::*;
use playground_core::graph::Node;

fn service_label(ty: &str) -> String {
    match ty {
        "AWS::SQS::Queue" => "SQS queue".into(),
        "AWS::SNS::Topic" => "SNS topic".into(),
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => "λ function".into(),
        "AWS::Lambda::EventSourceMapping" => "event source mapping".into(),
        "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
            "Step Functions".into()
        }
        "AWS::Events::Rule" => "EventBridge rule".into(),
        "AWS::StepFunctions::Activity" => "Step Functions activity".into(),
        "AWS::Kinesis::Stream" => "Kinesis stream".into(),
        "AWS::KinesisFirehose::DeliveryStream" => "Firehose stream".into(),
        "AWS::S3::Bucket" => "S3 bucket".into(),
        "AWS::Events::EventBus" => "EventBridge bus".into(),
        "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion" => "λ layer".into(),
        "AWS::SNS::Subscription" => "SNS endpoint".into(),
        other => other.split("::").nth(1).unwrap_or(other).to_string(),
    }
}

#[component]
pub fn NodeView(node: Node) -> impl IntoView {
    let pg = expect_context::<Playground>();
    let id = node.id.clone();
    let badge_id = id.clone();
    let supported = node.supported;
    let badge = move || {
        if !supported {
            return "not run (unsupported)".to_string();
        }
        pg.snapshot.with(|s| {
            let r = &s["resources"][&badge_id];
            if let Some(v) = r.get("visible").and_then(|v| v.as_u64()) {
                let inflight = r["inflight"].as_u64().unwrap_or(0);
                let delayed = r["delayed"].as_u64().unwrap_or(0);
                let mut t = format!("{v} visible · {inflight} in flight");
                if delayed > 0 {
                    t.push_str(&format!(" · {delayed} delayed"));
                }
                t
            } else if let Some(n) = r.get("records").and_then(|v| v.as_u64()) {
                format!("{n} records in the stream")
            } else if let Some(n) = r.get("buffered").and_then(|v| v.as_u64()) {
                format!("{n} records buffered")
            } else if let Some(t) = r.get("tasks_waiting").and_then(|v| v.as_u64()) {
                let w = r["workers_polling"].as_u64().unwrap_or(0);
                let n = |k: u64, one: &str, many: &str| {
                    format!("{k} {}", if k == 1 { one } else { many })
                };
                format!(
                    "{} waiting · {} polling",
                    n(t, "task", "tasks"),
                    n(w, "worker", "workers")
                )
            } else if let Some(n) = r.get("running").and_then(|v| v.as_u64()) {
                format!("{n} executions running")
            } else if let Some(b) = r.get("busy").and_then(|v| v.as_u64()) {
                match r["limit"].as_u64() {
                    Some(l) => format!("{b} running / {l} reserved"),
                    None => format!("{b} running"),
                }
            } else {
                String::new()
            }
        })
    };
    let class = if supported {
        "node"
    } else {
        "node unsupported"
    };
    let kind = match node.resource_type.as_str() {
        "AWS::SQS::Queue" => "queue",
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => "function",
        "AWS::SNS::Topic" => "topic",
        "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => "statemachine",
        "AWS::Events::Rule" => "rule",
        "AWS::S3::Bucket" => "bucket",
        "AWS::Events::EventBus" => "bus",
        "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion" => "layer",
        "AWS::SNS::Subscription" => "endpoint",
        _ => "other",
    };
    let drag = expect_context::<DragState>().0;
    let (x0, y0) = (node.x, node.y);
    let (move_id, state_id, sel_id, focus_id) = (id.clone(), id.clone(), id.clone(), id.clone());
    let transform = move || {
        let (x, y) = match drag.get() {
            Some(Drag::Move { id, x, y, .. }) if id == move_id => (x, y),
            // A box of the selection moving with the pressed one.
            Some(Drag::Move {
                x, y, start, group, ..
            }) if group.contains(&move_id) => (x0 + x - start.0, y0 + y - start.1),
            _ => (x0, y0),
        };
        format!("translate({x}, {y})")
    };
    // While a wire is dragged over this box: can it end here?
    let classes = move || {
        let mut c = format!("{class} {kind}");
        if let Some(Drag::Wire {
            target: Some(t),
            verdict: Some(v),
            ..
        }) = drag.get()
        {
            if t == state_id {
                c.push_str(if v.is_ok() {
                    " wire-ok"
                } else {
                    " wire-refused"
                });
            }
        }
        if pg.selected.get() == Some(Selection::Node(sel_id.clone()))
            || pg.multi.with(|m| m.contains(&sel_id))
        {
            c.push_str(" selected");
        }
        c
    };
    let label = service_label(&node.resource_type);
    view! {
        <g class=classes data-resource=id.clone() transform=transform tabindex="0"
            role="button" aria-label=format!("{label} {id}")
            on:focus=move |_| pg.selected.set(Some(Selection::Node(focus_id.clone())))>
            <title>{node.resource_type.clone()}</title>
            <rect width=NODE_W height=NODE_H rx="10"/>
            <text x="12" y="20" class="service">{label.clone()}</text>
            <text x="12" y="40" class="id">{id.clone()}</text>
            <text x="12" y="56" class="badge">{badge}</text>
            <circle class="port in" cx="0" cy={NODE_H / 2.0} r="5">
                <title>"is invoked by / receives"</title>
            </circle>
            <circle class="port out" data-port=id.clone() cx=NODE_W cy={NODE_H / 2.0} r="7">
                <title>{format!("invokes / sends: drag from here to wire {id} to another resource")}</title>
            </circle>
        </g>
    }
}
