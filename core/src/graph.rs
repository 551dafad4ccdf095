//! What the canvas draws: one node per resource (supported or not) and the wires the
//! template's references imply — an SQS event source (queue → function), a
//! RedrivePolicy (queue → dead-letter queue), an event source mapping, and any other
//! `Ref`/`Fn::GetAtt` between resources as a plain reference. Positions come from
//! `Metadata.Playground.Layout`, or a left-to-right layering by wire depth.

use crate::template::Model;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Node {
    pub id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub supported: bool,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `event-source`, `subscription`, `dead-letter`, `on-success`, `on-failure`, `task`
    /// (a state machine's Task reaches it), `rule` (a bus feeds a rule), `target` (a rule
    /// delivers to it), `notification` (a bucket's event notification), `layer` (a
    /// function uses the layer), `reference`.
    pub kind: String,
    /// The template property that makes this wire.
    pub property: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Logical ids that drivers send traffic to.
    pub driven: Vec<String>,
    pub warnings: Vec<String>,
}

fn by_arn(model: &Model, arn: &str) -> Option<String> {
    // A layer version ARN ends in its version: `…:layer:NAME:1`.
    let name = match arn.split_once(":layer:") {
        Some((_, rest)) => rest.split(':').next()?,
        // Streams are named after a slash: `…:stream/NAME`, `…:deliverystream/NAME`.
        None if arn.contains(":kinesis:") || arn.contains(":firehose:") => {
            arn.rsplit('/').next()?
        }
        None => arn.rsplit(':').next()?,
    };
    model
        .resources
        .iter()
        .find(|r| r.physical_name == name && arn.starts_with("arn:"))
        .map(|r| r.logical_id.clone())
}

/// Every logical id that `v` (raw, long-form template JSON) refers to.
fn references(v: &Value, ids: &BTreeSet<&str>, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("Ref", Value::String(s)) if ids.contains(s.as_str()) => {
                        out.insert(s.clone());
                    }
                    ("Fn::GetAtt", Value::Array(a)) => {
                        if let Some(s) = a
                            .first()
                            .and_then(Value::as_str)
                            .filter(|s| ids.contains(s))
                        {
                            out.insert(s.to_string());
                        }
                    }
                    ("Fn::Sub", _) => {
                        let text = match x {
                            Value::String(s) => s.clone(),
                            Value::Array(a) => {
                                a.first().and_then(Value::as_str).unwrap_or("").to_string()
                            }
                            _ => String::new(),
                        };
                        for part in text.split("${").skip(1) {
                            let name = part
                                .split('}')
                                .next()
                                .unwrap_or("")
                                .split('.')
                                .next()
                                .unwrap_or("");
                            if ids.contains(name) {
                                out.insert(name.to_string());
                            }
                        }
                        references(x, ids, out);
                    }
                    _ => references(x, ids, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, ids, out)),
        _ => {}
    }
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Resources that are links between two others: drawn as a wire, not as a box.
/// Lambda versions and aliases are parts of their function, not boxes of their own.
pub const WIRE_TYPES: &[&str] = &[
    "AWS::SNS::Subscription",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
];

/// Resources that only grant something to another (a queue's policy, a function's
/// permission, an IAM policy): neither boxes nor wires; the inspector of what they
/// protect is where they matter.
pub const ATTACHMENT_TYPES: &[&str] = &[
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::Lambda::Permission",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
];

/// Whether a resource type is drawn as a box of its own.
pub fn is_box(resource_type: &str) -> bool {
    !WIRE_TYPES.contains(&resource_type) && !ATTACHMENT_TYPES.contains(&resource_type)
}

/// An SNS subscription to an endpoint outside the account (HTTP/S, email): drawn as a
/// box of its own — the endpoint — at the end of its topic's wire.
fn is_endpoint(r: &crate::template::Resource) -> bool {
    r.resource_type == "AWS::SNS::Subscription"
        && matches!(
            r.properties.get("Protocol").and_then(Value::as_str),
            Some("http" | "https" | "email" | "email-json")
        )
}

fn drawn(r: &crate::template::Resource) -> bool {
    is_box(&r.resource_type) || is_endpoint(r)
}

/// The logical ids among `ids` that a raw resource's properties refer to.
pub fn referenced_ids(res: &Value, ids: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    references(res.get("Properties").unwrap_or(&Value::Null), ids, &mut out);
    out
}

pub fn build(model: &Model) -> Graph {
    let mut edges: Vec<Edge> = Vec::new();
    for r in &model.resources {
        let p = &r.properties;
        // SNS subscriptions: the resource, a topic's inline list, or a SAM SNS event.
        let mut subscribe = |topic: Option<&str>, endpoint: Option<&str>, property: String| {
            if let (Some(from), Some(to)) = (
                topic.and_then(|a| by_arn(model, a)),
                endpoint.and_then(|a| by_arn(model, a)),
            ) {
                edges.push(Edge {
                    from,
                    to,
                    kind: "subscription".into(),
                    property,
                });
            }
        };
        match r.resource_type.as_str() {
            "AWS::SNS::Subscription" if is_endpoint(r) => {
                if let Some(from) = p
                    .get("TopicArn")
                    .and_then(Value::as_str)
                    .and_then(|a| by_arn(model, a))
                {
                    edges.push(Edge {
                        from,
                        to: r.logical_id.clone(),
                        kind: "subscription".into(),
                        property: format!("Resources.{}", r.logical_id),
                    });
                }
            }
            "AWS::SNS::Subscription" => subscribe(
                p.get("TopicArn").and_then(Value::as_str),
                p.get("Endpoint").and_then(Value::as_str),
                format!("Resources.{}", r.logical_id),
            ),
            "AWS::SNS::Topic" => {
                let topic_arn = format!(
                    "arn:aws:sns:{}:{}:{}",
                    model.region, model.account, r.physical_name
                );
                for (i, s) in p
                    .get("Subscription")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    subscribe(
                        Some(&topic_arn),
                        s.get("Endpoint").and_then(Value::as_str),
                        format!("Resources.{}.Properties.Subscription[{i}]", r.logical_id),
                    );
                }
            }
            "AWS::Serverless::Function" => {
                let fn_arn = format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    model.region, model.account, r.physical_name
                );
                for (name, ev) in p
                    .get("Events")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if ev.get("Type").and_then(Value::as_str) == Some("SNS") {
                        let topic = ev
                            .get("Properties")
                            .and_then(|p| p.get("Topic"))
                            .and_then(Value::as_str);
                        subscribe(
                            topic,
                            Some(&fn_arn),
                            format!("Resources.{}.Properties.Events.{name}", r.logical_id),
                        );
                    }
                }
            }
            _ => {}
        }
        if let Some(events) = p.get("Events").and_then(Value::as_object) {
            for (name, ev) in events {
                // SQS (Queue) and Kinesis (Stream) events are read by Lambda's pollers.
                let q = ev
                    .get("Properties")
                    .and_then(|p| p.get("Queue").or(p.get("Stream")))
                    .and_then(Value::as_str);
                if let Some(from) = q.and_then(|arn| by_arn(model, arn)) {
                    edges.push(Edge {
                        from,
                        to: r.logical_id.clone(),
                        kind: "event-source".into(),
                        property: format!("Resources.{}.Properties.Events.{name}", r.logical_id),
                    });
                }
            }
        }
        if r.resource_type == "AWS::Lambda::EventSourceMapping" {
            let from = p
                .get("EventSourceArn")
                .and_then(Value::as_str)
                .and_then(|a| by_arn(model, a));
            let fname = p.get("FunctionName").and_then(Value::as_str).unwrap_or("");
            let to = model
                .resources
                .iter()
                .find(|f| {
                    f.physical_name == fname
                        || fname.ends_with(&format!(":function:{}", f.physical_name))
                })
                .map(|f| f.logical_id.clone());
            if let (Some(from), Some(to)) = (from, to) {
                edges.push(Edge {
                    from,
                    to,
                    kind: "event-source".into(),
                    property: format!("Resources.{}", r.logical_id),
                });
            }
        }
        // Layers a function uses.
        for (i, arn) in p
            .get("Layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(to) = arn.as_str().and_then(|a| by_arn(model, a)) {
                edges.push(Edge {
                    from: r.logical_id.clone(),
                    to,
                    kind: "layer".into(),
                    property: format!("Resources.{}.Properties.Layers[{i}]", r.logical_id),
                });
            }
        }
        // Asynchronous invocation: destinations and the function's dead-letter queue.
        let dests = p
            .get("EventInvokeConfig")
            .and_then(|e| e.get("DestinationConfig"));
        for (key, kind) in [("OnSuccess", "on-success"), ("OnFailure", "on-failure")] {
            let arn = dests
                .and_then(|d| d.get(key))
                .and_then(|d| d.get("Destination"))
                .and_then(Value::as_str);
            if let Some(to) = arn.and_then(|a| by_arn(model, a)) {
                edges.push(Edge {
                    from: r.logical_id.clone(),
                    to,
                    kind: kind.into(),
                    property: format!(
                        "Resources.{}.Properties.EventInvokeConfig.DestinationConfig.{key}",
                        r.logical_id
                    ),
                });
            }
        }
        for key in ["DeadLetterQueue", "DeadLetterConfig"] {
            let arn = p
                .get(key)
                .and_then(|d| d.get("TargetArn"))
                .and_then(Value::as_str);
            if let Some(to) = arn.and_then(|a| by_arn(model, a)) {
                edges.push(Edge {
                    from: r.logical_id.clone(),
                    to,
                    kind: "dead-letter".into(),
                    property: format!("Resources.{}.Properties.{key}", r.logical_id),
                });
            }
        }
        if let Some(rp) = p.get("RedrivePolicy") {
            let rp = match rp {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                other => other.clone(),
            };
            if let Some(to) = rp
                .get("deadLetterTargetArn")
                .and_then(Value::as_str)
                .and_then(|a| by_arn(model, a))
            {
                edges.push(Edge {
                    from: r.logical_id.clone(),
                    to,
                    kind: "dead-letter".into(),
                    property: format!("Resources.{}.Properties.RedrivePolicy", r.logical_id),
                });
            }
        }
    }
    // EventBridge: a bus feeds its rules (and SAM rules on functions and state
    // machines); a rule delivers to its targets.
    let bus_of = |name: Option<&Value>| -> Option<String> {
        let n = name.and_then(Value::as_str)?;
        let short = n.rsplit('/').next().unwrap_or(n);
        model
            .resources
            .iter()
            .find(|b| b.resource_type == "AWS::Events::EventBus" && b.physical_name == short)
            .map(|b| b.logical_id.clone())
    };
    for r in &model.resources {
        let p = &r.properties;
        if r.resource_type == "AWS::Events::Rule" {
            if let Some(bus) = bus_of(p.get("EventBusName")) {
                edges.push(Edge {
                    from: bus,
                    to: r.logical_id.clone(),
                    kind: "rule".into(),
                    property: format!("Resources.{}.Properties.EventBusName", r.logical_id),
                });
            }
            for (i, t) in p
                .get("Targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let arn = t.get("Arn").and_then(Value::as_str).unwrap_or("");
                let to =
                    by_arn(model, arn).or_else(|| bus_of(Some(&Value::String(arn.to_string()))));
                if let Some(to) = to {
                    edges.push(Edge {
                        from: r.logical_id.clone(),
                        to,
                        kind: "target".into(),
                        property: format!("Resources.{}.Properties.Targets[{i}]", r.logical_id),
                    });
                }
                if let Some(dlq) = t
                    .pointer("/DeadLetterConfig/Arn")
                    .and_then(Value::as_str)
                    .and_then(|a| by_arn(model, a))
                {
                    edges.push(Edge {
                        from: r.logical_id.clone(),
                        to: dlq,
                        kind: "dead-letter".into(),
                        property: format!(
                            "Resources.{}.Properties.Targets[{i}].DeadLetterConfig",
                            r.logical_id
                        ),
                    });
                }
            }
        }
        if let Some(events) = p.get("Events").and_then(Value::as_object) {
            for (name, e) in events {
                if matches!(
                    e.get("Type").and_then(Value::as_str),
                    Some("EventBridgeRule" | "CloudWatchEvent")
                ) {
                    if let Some(bus) = bus_of(e.pointer("/Properties/EventBusName")) {
                        edges.push(Edge {
                            from: bus,
                            to: r.logical_id.clone(),
                            kind: "rule".into(),
                            property: format!(
                                "Resources.{}.Properties.Events.{name}",
                                r.logical_id
                            ),
                        });
                    }
                }
            }
        }
    }
    // S3 notifications: a bucket sends events to functions, queues and topics.
    for r in model
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::S3::Bucket")
    {
        let nc = r.properties.get("NotificationConfiguration");
        for (key, arn_key) in [
            ("LambdaConfigurations", "Function"),
            ("QueueConfigurations", "Queue"),
            ("TopicConfigurations", "Topic"),
        ] {
            for (i, c) in nc
                .and_then(|n| n.get(key))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(to) = c
                    .get(arn_key)
                    .and_then(Value::as_str)
                    .and_then(|a| by_arn(model, a))
                {
                    edges.push(Edge {
                        from: r.logical_id.clone(),
                        to,
                        kind: "notification".into(),
                        property: format!(
                            "Resources.{}.Properties.NotificationConfiguration.{key}[{i}]",
                            r.logical_id
                        ),
                    });
                }
            }
        }
    }
    for r in &model.resources {
        let Some(events) = r.properties.get("Events").and_then(Value::as_object) else {
            continue;
        };
        for (name, e) in events {
            if e.get("Type").and_then(Value::as_str) != Some("S3") {
                continue;
            }
            let bucket = e
                .pointer("/Properties/Bucket")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let Some(b) = model
                .resources
                .iter()
                .find(|b| b.resource_type == "AWS::S3::Bucket" && b.physical_name == bucket)
            {
                edges.push(Edge {
                    from: b.logical_id.clone(),
                    to: r.logical_id.clone(),
                    kind: "notification".into(),
                    property: format!("Resources.{}.Properties.Events.{name}", r.logical_id),
                });
            }
        }
    }
    // A state machine's Task states reach the functions, queues, topics and machines
    // their Resource or Parameters name (after DefinitionSubstitutions).
    for r in model
        .resources
        .iter()
        .filter(|r| r.resource_type.ends_with("::StateMachine"))
    {
        let Ok(def) = crate::services::sfn::definition_of(r) else {
            continue;
        };
        let mut strings = Vec::new();
        collect_strings(&def, &mut strings);
        let mut seen = BTreeSet::new();
        for s in strings {
            let to = by_arn(model, s).or_else(|| {
                s.starts_with("https://sqs.")
                    .then(|| s.rsplit('/').next())
                    .flatten()
                    .and_then(|name| {
                        model
                            .resources
                            .iter()
                            .find(|q| q.physical_name == name)
                            .map(|q| q.logical_id.clone())
                    })
            });
            if let Some(to) = to.filter(|t| *t != r.logical_id) {
                if seen.insert(to.clone()) {
                    edges.push(Edge {
                        from: r.logical_id.clone(),
                        to,
                        kind: "task".into(),
                        property: format!("Resources.{}.Properties.Definition", r.logical_id),
                    });
                }
            }
        }
    }
    // Any other reference between resources is drawn as a plain reference wire.
    let ids: BTreeSet<&str> = model
        .resources
        .iter()
        .map(|r| r.logical_id.as_str())
        .collect();
    if let Some(raw) = model.raw.get("Resources").and_then(Value::as_object) {
        for (id, res) in raw {
            if !ids.contains(id.as_str()) || model.resource(id).is_some_and(|r| !drawn(r)) {
                continue;
            }
            let mut refs = BTreeSet::new();
            references(
                res.get("Properties").unwrap_or(&Value::Null),
                &ids,
                &mut refs,
            );
            for to in refs {
                let covered = edges
                    .iter()
                    .any(|e| (e.from == to && e.to == *id) || (e.from == *id && e.to == to));
                if !covered && to != *id {
                    edges.push(Edge {
                        from: id.clone(),
                        to,
                        kind: "reference".into(),
                        property: format!("Resources.{id}.Properties"),
                    });
                }
            }
        }
    }
    let layout = model.playground.get("Layout").and_then(Value::as_object);
    // Layering: a node sits one column right of everything that feeds it.
    let mut depth: BTreeMap<&str, usize> = model
        .resources
        .iter()
        .map(|r| (r.logical_id.as_str(), 0))
        .collect();
    for _ in 0..model.resources.len() {
        let mut changed = false;
        for e in edges.iter().filter(|e| e.kind != "reference") {
            let d = depth.get(e.from.as_str()).copied().unwrap_or(0) + 1;
            if let Some(t) = depth.get_mut(e.to.as_str()) {
                if *t < d && d < model.resources.len() + 1 {
                    *t = d;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let nodes = model
        .resources
        .iter()
        .filter(|r| drawn(r))
        .map(|r| {
            let d = depth[r.logical_id.as_str()];
            let row = rows.entry(d).or_insert(0);
            let (mut x, mut y) = (80.0 + d as f64 * 240.0, 80.0 + *row as f64 * 140.0);
            *row += 1;
            if let Some(pos) = layout
                .and_then(|l| l.get(&r.logical_id))
                .and_then(Value::as_array)
            {
                if let (Some(px), Some(py)) = (
                    pos.first().and_then(Value::as_f64),
                    pos.get(1).and_then(Value::as_f64),
                ) {
                    x = px;
                    y = py;
                }
            }
            Node {
                id: r.logical_id.clone(),
                resource_type: r.resource_type.clone(),
                supported: r.supported,
                x,
                y,
            }
        })
        .collect();
    let driven = crate::drivers::parse(model)
        .map(|ds| {
            let mut v: Vec<String> = ds
                .into_iter()
                .filter_map(|d| d.target)
                .filter(|t| ids.contains(t.as_str()))
                .collect();
            v.dedup();
            v
        })
        .unwrap_or_default();
    Graph {
        nodes,
        edges,
        driven,
        warnings: model.warnings.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine_tasks_are_wires_to_what_they_call() {
        let model = crate::template::load(
            r#"
Resources:
  Work: { Type: AWS::SQS::Queue, Properties: { QueueName: work } }
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, InlineCode: "exports.handler = async () => 1;" }
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions: { FnArn: !GetAtt Fn.Arn }
      Definition:
        StartAt: Call
        States:
          Call: { Type: Task, Resource: "${FnArn}", Next: Send }
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/work", MessageBody: x }
            End: true
"#,
        )
        .unwrap();
        let g = build(&model);
        let tasks: Vec<(&str, &str)> = g
            .edges
            .iter()
            .filter(|e| e.kind == "task")
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert_eq!(tasks, [("Flow", "Fn"), ("Flow", "Work")]);
        // The substitution's GetAtt is the same link: no extra reference wire.
        assert!(!g.edges.iter().any(|e| e.kind == "reference"));
    }
}
