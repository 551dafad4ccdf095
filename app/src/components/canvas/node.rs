//! One resource on the canvas: its service, logical id and a live badge (queue depth,
//! running environments, running executions). Unsupported types are drawn greyed out and say so.

use super::canvas::{NODE_H, NODE_W};
use crate::state::Playground;
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
        "AWS::S3::Bucket" => "S3 bucket".into(),
        "AWS::Events::EventBus" => "EventBridge bus".into(),
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
        _ => "other",
    };
    view! {
        <g class=format!("{class} {kind}") data-resource=id.clone() transform=format!("translate({}, {})", node.x, node.y)
            role="group" aria-label=format!("{} {}", service_label(&node.resource_type), id)>
            <title>{node.resource_type.clone()}</title>
            <rect width=NODE_W height=NODE_H rx="10"/>
            <text x="12" y="20" class="service">{service_label(&node.resource_type)}</text>
            <text x="12" y="40" class="id">{id.clone()}</text>
            <text x="12" y="56" class="badge">{badge}</text>
        </g>
    }
}
