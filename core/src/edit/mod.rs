//! What the canvas does to a template: add a resource from the palette, draw a wire,
//! delete a wire or a resource, move a box. Each action becomes property edits on the
//! template's text (`text.rs`, which keeps the user's comments and layout) and is
//! checked by loading the result: an action that would leave the template broken is
//! refused with the reason, and the text stays as it was.
//!
//! A wire means what AWS needs to make the link: an SQS event on a function, a
//! RedrivePolicy, an SNS subscription, a destination, a rule target, a bucket
//! notification… `connections` lists what a wire between two resources can mean (or why
//! none exists); `disconnect` removes exactly the property behind a wire.

pub mod fields;
pub mod text;

use crate::graph::Graph;
use crate::template::{self, Model};
use serde_json::{json, Map, Value};
use text::{path, Op, Seg};

/// A resource type the palette offers.
#[derive(Clone, Debug)]
pub struct Kind {
    /// Key of the palette entry (unique; several entries may share a type).
    pub key: &'static str,
    pub resource_type: &'static str,
    pub label: &'static str,
    /// The logical id a new resource gets (with a number when taken).
    pub base_id: &'static str,
    /// What it is, in a line (shown in the palette).
    pub about: &'static str,
    /// Whether the engine runs it (others are listed, not offered yet).
    pub runs: bool,
}

pub const PALETTE: &[Kind] = &[
    Kind {
        key: "sam-function",
        resource_type: "AWS::Serverless::Function",
        label: "Lambda function",
        base_id: "Function",
        about: "Node.js handler (SAM AWS::Serverless::Function)",
        runs: true,
    },
    Kind {
        key: "lambda-function",
        resource_type: "AWS::Lambda::Function",
        label: "Lambda function (CloudFormation)",
        base_id: "Function",
        about: "AWS::Lambda::Function with inline ZipFile code",
        runs: true,
    },
    Kind {
        key: "sqs-queue",
        resource_type: "AWS::SQS::Queue",
        label: "SQS queue",
        base_id: "Queue",
        about: "Standard queue: at-least-once, best-effort order",
        runs: true,
    },
    Kind {
        key: "sqs-fifo-queue",
        resource_type: "AWS::SQS::Queue",
        label: "SQS FIFO queue",
        base_id: "FifoQueue",
        about: "Ordered per message group, exactly-once processing",
        runs: true,
    },
    Kind {
        key: "sns-topic",
        resource_type: "AWS::SNS::Topic",
        label: "SNS topic",
        base_id: "Topic",
        about: "Pub/sub fan-out to queues and functions",
        runs: true,
    },
    Kind {
        key: "sns-fifo-topic",
        resource_type: "AWS::SNS::Topic",
        label: "SNS FIFO topic",
        base_id: "FifoTopic",
        about: "Ordered, deduplicated fan-out to SQS queues",
        runs: true,
    },
    Kind {
        key: "s3-bucket",
        resource_type: "AWS::S3::Bucket",
        label: "S3 bucket",
        base_id: "Bucket",
        about: "Objects and event notifications",
        runs: true,
    },
    Kind {
        key: "eventbridge-bus",
        resource_type: "AWS::Events::EventBus",
        label: "EventBridge event bus",
        base_id: "Bus",
        about: "A custom bus for your application's events",
        runs: true,
    },
    Kind {
        key: "eventbridge-rule",
        resource_type: "AWS::Events::Rule",
        label: "EventBridge rule",
        base_id: "Rule",
        about: "Matches events by pattern and delivers to targets",
        runs: true,
    },
    Kind {
        key: "eventbridge-schedule",
        resource_type: "AWS::Events::Rule",
        label: "EventBridge schedule",
        base_id: "Schedule",
        about: "A rule with rate() or cron() that fires on time",
        runs: true,
    },
    Kind {
        key: "sam-state-machine",
        resource_type: "AWS::Serverless::StateMachine",
        label: "Step Functions state machine",
        base_id: "StateMachine",
        about: "A workflow in the Amazon States Language (SAM)",
        runs: true,
    },
    Kind {
        key: "sfn-state-machine",
        resource_type: "AWS::StepFunctions::StateMachine",
        label: "Step Functions state machine (CloudFormation)",
        base_id: "StateMachine",
        about: "AWS::StepFunctions::StateMachine with a Definition",
        runs: true,
    },
    Kind {
        key: "lambda-layer",
        resource_type: "AWS::Serverless::LayerVersion",
        label: "Lambda layer",
        base_id: "Layer",
        about: "Shared code under /opt/nodejs, for up to 5 layers per function",
        runs: true,
    },
    Kind {
        key: "dynamodb-table",
        resource_type: "AWS::DynamoDB::Table",
        label: "DynamoDB table",
        base_id: "Table",
        about: "Drawn, not run yet",
        runs: false,
    },
    Kind {
        key: "kinesis-stream",
        resource_type: "AWS::Kinesis::Stream",
        label: "Kinesis data stream",
        base_id: "Stream",
        about: "Shards, PutRecord(s), GetRecords",
        runs: true,
    },
    Kind {
        key: "firehose",
        resource_type: "AWS::KinesisFirehose::DeliveryStream",
        label: "Data Firehose stream",
        base_id: "DeliveryStream",
        about: "Direct PUT, buffered into S3 objects",
        runs: true,
    },
    Kind {
        key: "http-api",
        resource_type: "AWS::Serverless::HttpApi",
        label: "API Gateway HTTP API",
        base_id: "HttpApi",
        about: "Drawn, not run yet",
        runs: false,
    },
];

const HANDLER: &str = "exports.handler = async (event, context) => {\n  console.log(JSON.stringify(event));\n  return { ok: true };\n};\n";

fn defaults(kind: &Kind, id: &str) -> Value {
    match kind.key {
        "sam-function" => json!({
            "Runtime": "nodejs22.x", "Handler": "index.handler", "MemorySize": 128,
            "Timeout": 3, "InlineCode": HANDLER
        }),
        "lambda-function" => json!({
            "Runtime": "nodejs22.x", "Handler": "index.handler", "MemorySize": 128,
            "Timeout": 3,
            "Role": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/lambda-execution"},
            "Code": {"ZipFile": HANDLER}
        }),
        "sqs-queue" => json!({"VisibilityTimeout": 30}),
        "sns-fifo-topic" => json!({
            "TopicName": format!("{}.fifo", id.to_lowercase()),
            "FifoTopic": true, "ContentBasedDeduplication": true
        }),
        "sqs-fifo-queue" => json!({
            "QueueName": format!("{}.fifo", id.to_lowercase()),
            "FifoQueue": true, "ContentBasedDeduplication": true, "VisibilityTimeout": 30
        }),
        "eventbridge-bus" => json!({"Name": id.to_lowercase()}),
        "eventbridge-rule" => json!({"EventPattern": {"source": ["my.app"]}}),
        "eventbridge-schedule" => json!({"ScheduleExpression": "rate(5 minutes)"}),
        "sam-state-machine" => json!({
            "Type": "STANDARD",
            "Definition": {"StartAt": "Hello", "States": {"Hello": {
                "Type": "Pass", "Result": {"hello": "world"}, "End": true}}}
        }),
        "sfn-state-machine" => json!({
            "RoleArn": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/states-execution"},
            "Definition": {"StartAt": "Hello", "States": {"Hello": {
                "Type": "Pass", "Result": {"hello": "world"}, "End": true}}}
        }),
        "dynamodb-table" => json!({
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]
        }),
        "kinesis-stream" => json!({"ShardCount": 1}),
        // Firehose needs a destination: a bucket to rename (or point at one of yours).
        "firehose" => json!({
            "DeliveryStreamType": "DirectPut",
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": "arn:aws:s3:::my-firehose-bucket",
                "RoleARN": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/firehose-delivery"},
                "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 5}
            }
        }),
        "lambda-layer" => {
            json!({"LayerName": id.to_lowercase(), "CompatibleRuntimes": ["nodejs22.x"]})
        }
        _ => json!({}),
    }
}

/// A change the canvas made: the new text, what it did in words, and the resource to
/// select afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub text: String,
    pub summary: String,
    pub select: Option<String>,
}

/// Applies `ops`; refuses (with the loader's words) a result that does not load.
fn checked(
    text: &str,
    ops: &[Op],
    summary: String,
    select: Option<String>,
) -> Result<Change, String> {
    let new = text::apply(text, ops)?;
    template::load(&new)
        .map_err(|e| format!("Not done — {summary} would break the template: {e}"))?;
    Ok(Change {
        text: new,
        summary,
        select,
    })
}

fn raw_resources(model: &Model) -> Option<&Map<String, Value>> {
    model.raw.get("Resources").and_then(Value::as_object)
}

/// A logical id not used yet: `Queue`, `Queue2`, `Queue3`…
pub fn unique_id(model: &Model, base: &str) -> String {
    let taken = |id: &str| raw_resources(model).is_some_and(|r| r.contains_key(id));
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|id| !taken(id))
        .unwrap_or_default()
}

/// Layout entries for every drawn box that has none yet, so adding or moving one box
/// leaves the others where the user sees them.
fn freeze_layout(model: &Model, graph: &Graph, except: &[&str]) -> Vec<Op> {
    let layout = model.playground.get("Layout").and_then(Value::as_object);
    graph
        .nodes
        .iter()
        .filter(|n| {
            !except.contains(&n.id.as_str()) && !layout.is_some_and(|l| l.contains_key(&n.id))
        })
        .map(|n| Op::Set(layout_path(&n.id), json!([n.x.round(), n.y.round()])))
        .collect()
}

fn layout_path(id: &str) -> Vec<Seg> {
    ["Metadata", "Playground", "Layout", id]
        .iter()
        .map(|s| Seg::Key(s.to_string()))
        .collect()
}

/// Adds a resource of a palette kind (at a canvas position, when dropped there).
pub fn add_resource(text: &str, key: &str, at: Option<(f64, f64)>) -> Result<Change, String> {
    let kind = PALETTE
        .iter()
        .find(|k| k.key == key)
        .ok_or_else(|| format!("no palette entry {key}"))?;
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let id = unique_id(&model, kind.base_id);
    let mut ops = Vec::new();
    if let Some((x, y)) = at {
        ops.extend(freeze_layout(
            &model,
            &crate::graph::build(&model),
            &[id.as_str()],
        ));
        ops.push(Op::Set(layout_path(&id), json!([x.round(), y.round()])));
    }
    let mut resource = json!({"Type": kind.resource_type, "Properties": defaults(kind, &id)});
    if kind.key == "lambda-layer" {
        // The playground reads a layer's files from its Metadata (there is no S3 here).
        resource["Metadata"] = json!({"Playground": {"Files": {
            "nodejs/node_modules/shared/index.js": "exports.greet = (name) => `Hello, ${name}!`;\n"
        }}});
    }
    ops.insert(
        0,
        Op::Set(
            vec![Seg::Key("Resources".into()), Seg::Key(id.clone())],
            resource,
        ),
    );
    checked(text, &ops, format!("Added {} {id}", kind.label), Some(id))
}

/// Moves a box: its position goes in `Metadata.Playground.Layout`.
pub fn move_node(text: &str, graph: &Graph, id: &str, x: f64, y: f64) -> Result<Change, String> {
    move_nodes(text, graph, &[(id.to_string(), x, y)])
}

/// Moves several boxes at once (a multi-selection dragged or nudged): one change.
pub fn move_nodes(
    text: &str,
    graph: &Graph,
    moves: &[(String, f64, f64)],
) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| e.to_string())?;
    let ids: Vec<&str> = moves.iter().map(|(id, ..)| id.as_str()).collect();
    let mut ops = freeze_layout(&model, graph, &ids);
    for (id, x, y) in moves {
        ops.push(Op::Set(layout_path(id), json!([x.round(), y.round()])));
    }
    let first = ids.first().map(|s| s.to_string());
    checked(text, &ops, format!("Moved {}", ids.join(", ")), first)
}

/// The kinds of resource a wire can join.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    SamFn,
    CfnFn,
    Queue,
    Topic,
    Bucket,
    Bus,
    Rule,
    SamSm,
    CfnSm,
    Layer,
    Stream,
    Firehose,
}

fn class_of(ty: &str) -> Option<Class> {
    Some(match ty {
        "AWS::Serverless::Function" => Class::SamFn,
        "AWS::Lambda::Function" => Class::CfnFn,
        "AWS::SQS::Queue" => Class::Queue,
        "AWS::SNS::Topic" => Class::Topic,
        "AWS::S3::Bucket" => Class::Bucket,
        "AWS::Events::EventBus" => Class::Bus,
        "AWS::Events::Rule" => Class::Rule,
        "AWS::Serverless::StateMachine" => Class::SamSm,
        "AWS::StepFunctions::StateMachine" => Class::CfnSm,
        "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion" => Class::Layer,
        "AWS::Kinesis::Stream" => Class::Stream,
        "AWS::KinesisFirehose::DeliveryStream" => Class::Firehose,
        _ => return None,
    })
}

fn noun(c: Class) -> &'static str {
    match c {
        Class::SamFn | Class::CfnFn => "a Lambda function",
        Class::Queue => "an SQS queue",
        Class::Topic => "an SNS topic",
        Class::Bucket => "an S3 bucket",
        Class::Bus => "an event bus",
        Class::Rule => "an EventBridge rule",
        Class::SamSm | Class::CfnSm => "a state machine",
        Class::Layer => "a Lambda layer",
        Class::Stream => "a Kinesis stream",
        Class::Firehose => "a Firehose stream",
    }
}

fn is_fn(c: Class) -> bool {
    matches!(c, Class::SamFn | Class::CfnFn)
}

fn is_sm(c: Class) -> bool {
    matches!(c, Class::SamSm | Class::CfnSm)
}

/// What a wire can mean: a label for the user and the edits that make it.
#[derive(Clone, Debug)]
pub struct Connection {
    pub label: String,
    ops: Vec<Op>,
}

fn getatt(id: &str, attr: &str) -> Value {
    json!({"Fn::GetAtt": [id, attr]})
}

fn reference(id: &str) -> Value {
    json!({"Ref": id})
}

/// The ARN of a resource as templates write it (`Ref` where Ref gives the ARN).
fn arn_of(c: Class, id: &str) -> Value {
    match c {
        Class::Topic | Class::SamSm | Class::CfnSm => reference(id),
        _ => getatt(id, "Arn"),
    }
}

fn p(parts: &[&str]) -> Vec<Seg> {
    parts.iter().map(|s| Seg::Key(s.to_string())).collect()
}

fn props(id: &str, rest: &[&str]) -> Vec<Seg> {
    let mut v = p(&["Resources", id, "Properties"]);
    v.extend(p(rest));
    v
}

/// The resource policy that lets a service deliver from `from` (a topic, rule or
/// bucket) to `to`, as AWS needs it: a queue policy, a topic policy or a Lambda
/// permission, scoped to the source with `aws:SourceArn`.
fn allow_delivery(model: &Model, from: &str, a: Class, to: &str, b: Class) -> Option<Op> {
    let (service, source) = match a {
        Class::Topic => ("sns.amazonaws.com", reference(from)),
        Class::Rule => ("events.amazonaws.com", getatt(from, "Arn")),
        Class::Bucket => (
            "s3.amazonaws.com",
            json!({"Fn::Sub": format!("arn:aws:s3:::${{{from}}}")}),
        ),
        _ => return None,
    };
    let statement = |action: &str, resource: Value| {
        json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": service},
            "Action": action, "Resource": resource,
            "Condition": {"ArnLike": {"aws:SourceArn": source}}}]})
    };
    let (ty, props) = match b {
        Class::Queue => (
            "AWS::SQS::QueuePolicy",
            json!({"Queues": [reference(to)], "PolicyDocument": statement("sqs:SendMessage", getatt(to, "Arn"))}),
        ),
        Class::Topic => (
            "AWS::SNS::TopicPolicy",
            json!({"Topics": [reference(to)], "PolicyDocument": statement("sns:Publish", reference(to))}),
        ),
        Class::SamFn | Class::CfnFn => (
            "AWS::Lambda::Permission",
            json!({"FunctionName": reference(to), "Action": "lambda:InvokeFunction",
                "Principal": service, "SourceArn": source}),
        ),
        _ => return None,
    };
    let id = unique_id(model, &format!("{to}Allows{from}"));
    Some(Op::Set(
        p(&["Resources", &id]),
        json!({"Type": ty, "Properties": props}),
    ))
}

/// `OrdersQueue` → `ORDERS_QUEUE`.
fn snake(id: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = id.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
        }
    }
    out
}

/// The environment variable a handler reads to reach a resource with the SDK, and the
/// SAM policy template that allows it.
fn env_link(to: Class, id: &str) -> (String, Value, Option<Value>) {
    let (word, attr, value, policy) = match to {
        Class::Queue => (
            "QUEUE",
            "URL",
            reference(id),
            json!({"SQSSendMessagePolicy": {"QueueName": getatt(id, "QueueName")}}),
        ),
        Class::Topic => (
            "TOPIC",
            "ARN",
            reference(id),
            json!({"SNSPublishMessagePolicy": {"TopicName": getatt(id, "TopicName")}}),
        ),
        Class::SamFn | Class::CfnFn => (
            "FUNCTION",
            "NAME",
            reference(id),
            json!({"LambdaInvokePolicy": {"FunctionName": reference(id)}}),
        ),
        Class::Bucket => (
            "BUCKET",
            "NAME",
            reference(id),
            json!({"S3CrudPolicy": {"BucketName": reference(id)}}),
        ),
        Class::Bus => (
            "BUS",
            "NAME",
            reference(id),
            json!({"EventBridgePutEventsPolicy": {"EventBusName": reference(id)}}),
        ),
        Class::SamSm | Class::CfnSm => (
            "STATE_MACHINE",
            "ARN",
            reference(id),
            json!({"StepFunctionsExecutionPolicy": {"StateMachineName": getatt(id, "Name")}}),
        ),
        Class::Rule => ("RULE", "NAME", reference(id), Value::Null),
        Class::Layer => ("LAYER", "ARN", reference(id), Value::Null),
        Class::Stream => (
            "STREAM",
            "NAME",
            reference(id),
            json!({"KinesisCrudPolicy": {"StreamName": reference(id)}}),
        ),
        Class::Firehose => (
            "DELIVERY_STREAM",
            "NAME",
            reference(id),
            json!({"FirehoseWritePolicy": {"DeliveryStreamName": reference(id)}}),
        ),
    };
    let base = snake(id);
    let name = if base.ends_with(word) {
        format!("{base}_{attr}")
    } else {
        format!("{base}_{word}_{attr}")
    };
    (name, value, (!policy.is_null()).then_some(policy))
}

/// Appends a SAM policy (a `Policies` that is one string becomes a list).
fn add_policy(model: &Model, id: &str, policy: Value) -> Vec<Op> {
    let current = raw_resources(model)
        .and_then(|r| r.get(id))
        .and_then(|r| r.pointer("/Properties/Policies"));
    match current {
        Some(Value::Array(a)) if a.contains(&policy) => vec![],
        Some(Value::Array(_)) | None => vec![Op::Append(props(id, &["Policies"]), policy)],
        Some(other) => vec![Op::Set(
            props(id, &["Policies"]),
            json!([other.clone(), policy]),
        )],
    }
}

/// A SAM event on function (or state machine) `to`, under a free name from `base`.
fn sam_event(model: &Model, to: &str, base: &str, event: Value) -> Op {
    Op::Set(props(to, &["Events", &event_name(model, to, base)]), event)
}

/// A name for a new entry under `Events` (unique within the function).
fn event_name(model: &Model, on: &str, base: &str) -> String {
    let taken = |n: &str| {
        raw_resources(model)
            .and_then(|r| r.get(on))
            .and_then(|r| r.pointer("/Properties/Events"))
            .and_then(Value::as_object)
            .is_some_and(|e| e.contains_key(n))
    };
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// What a wire from `from` to `to` can mean. `Err` says why no wire can join them.
pub fn connections(model: &Model, from: &str, to: &str) -> Result<Vec<Connection>, String> {
    let class = |id: &str| -> Result<Class, String> {
        let r = model
            .resource(id)
            .ok_or_else(|| format!("{id} is not a resource of this template"))?;
        class_of(&r.resource_type)
            .ok_or_else(|| format!("{id} ({}) cannot be wired yet", r.resource_type))
    };
    let (a, b) = (class(from)?, class(to)?);
    if from == to {
        return Err(format!("{from} cannot be wired to itself"));
    }
    let mut out: Vec<Connection> = Vec::new();
    let mut add = |label: String, ops: Vec<Op>| out.push(Connection { label, ops });
    let subscription = |protocol: &str| {
        let id = unique_id(model, &format!("{from}To{to}"));
        Op::Set(
            p(&["Resources", &id]),
            json!({"Type": "AWS::SNS::Subscription", "Properties": {
                "TopicArn": reference(from), "Protocol": protocol, "Endpoint": getatt(to, "Arn")}}),
        )
    };
    // The edit that makes the link, and the resource policy that lets the service deliver.
    let delivering = |op: Op| -> Vec<Op> {
        std::iter::once(op)
            .chain(allow_delivery(model, from, a, to, b))
            .collect()
    };
    match (a, b) {
        (Class::Queue, Class::SamFn) => add(
            "SQS event source: the function polls the queue (batches of 10)".into(),
            vec![sam_event(
                model,
                to,
                &format!("{from}Messages"),
                json!({
                "Type": "SQS", "Properties": {"Queue": getatt(from, "Arn"), "BatchSize": 10}}),
            )],
        ),
        (Class::Stream, Class::SamFn) => add(
            "Kinesis event source: the function reads each shard in order (batches of 100, from the oldest record)".into(),
            vec![sam_event(
                model,
                to,
                &format!("{from}Records"),
                json!({"Type": "Kinesis", "Properties": {
                    "Stream": getatt(from, "Arn"), "StartingPosition": "TRIM_HORIZON", "BatchSize": 100}}),
            )],
        ),
        (Class::Stream, Class::CfnFn) => add(
            "Event source mapping: the function reads each shard in order (batches of 100)".into(),
            vec![Op::Set(
                p(&["Resources", &unique_id(model, &format!("{from}To{to}Mapping"))]),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                    "EventSourceArn": getatt(from, "Arn"), "FunctionName": reference(to),
                    "StartingPosition": "TRIM_HORIZON", "BatchSize": 100}}),
            )],
        ),
        (Class::Queue, Class::CfnFn) => add(
            "Event source mapping: the function polls the queue (batches of 10)".into(),
            vec![Op::Set(
                p(&[
                    "Resources",
                    &unique_id(model, &format!("{from}To{to}Mapping")),
                ]),
                json!({
                "Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                    "EventSourceArn": getatt(from, "Arn"), "FunctionName": reference(to), "BatchSize": 10}}),
            )],
        ),
        (Class::Queue, Class::Queue) => add(
            format!("Dead-letter queue: RedrivePolicy moves a message to {to} after 3 receives"),
            vec![Op::Set(
                props(from, &["RedrivePolicy"]),
                json!({
                "deadLetterTargetArn": getatt(to, "Arn"), "maxReceiveCount": 3}),
            )],
        ),
        (Class::Topic, Class::Queue) => add(
            "SNS subscription (protocol sqs), and the queue policy that lets SNS send".into(),
            delivering(subscription("sqs")),
        ),
        (Class::Topic, Class::SamFn) => add(
            "SNS event: the topic invokes the function (asynchronously)".into(),
            vec![sam_event(
                model,
                to,
                &format!("{from}Messages"),
                json!({
                "Type": "SNS", "Properties": {"Topic": reference(from)}}),
            )],
        ),
        (Class::Topic, Class::CfnFn) => add(
            "SNS subscription (protocol lambda), and the permission that lets SNS invoke".into(),
            delivering(subscription("lambda")),
        ),
        (Class::Bucket, Class::SamFn) => add(
            "S3 event: new objects invoke the function (asynchronously)".into(),
            vec![sam_event(
                model,
                to,
                &format!("{from}Uploads"),
                json!({
                "Type": "S3", "Properties": {"Bucket": reference(from), "Events": "s3:ObjectCreated:*"}}),
            )],
        ),
        (Class::Bucket, Class::CfnFn | Class::Queue | Class::Topic) => {
            let (list, key) = match b {
                Class::Queue => ("QueueConfigurations", "Queue"),
                Class::Topic => ("TopicConfigurations", "Topic"),
                _ => ("LambdaConfigurations", "Function"),
            };
            add(
                format!(
                    "Event notification: new objects notify {}, with the policy that lets S3 deliver",
                    noun(b)
                ),
                delivering(Op::Append(
                        props(from, &["NotificationConfiguration", list]),
                        json!({
                        "Event": "s3:ObjectCreated:*", key: arn_of(b, to)}),
                    )),
            )
        }
        (Class::Bus, Class::Rule) => add(
            format!("The rule matches events on {from}"),
            vec![Op::Set(props(to, &["EventBusName"]), reference(from))],
        ),
        (Class::Bus, Class::SamFn | Class::SamSm) => add(
            format!("EventBridge rule on {from} (pattern: source my.app)"),
            vec![sam_event(
                model,
                to,
                &format!("{from}Rule"),
                json!({
                "Type": "EventBridgeRule", "Properties": {
                    "EventBusName": reference(from), "Pattern": {"source": ["my.app"]}}}),
            )],
        ),
        (Class::Rule, Class::Bucket | Class::Rule) => {}
        (Class::Rule, _) => {
            let mut target = json!({"Id": to, "Arn": arn_of(b, to)});
            if is_sm(b) || matches!(b, Class::Bus | Class::Stream | Class::Firehose) {
                target["RoleArn"] =
                    json!({"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/events-invoke"});
            }
            add(
                format!("Target of the rule: matched events go to {to}"),
                delivering(Op::Append(props(from, &["Targets"]), target)),
            );
        }
        _ => {}
    }
    if is_fn(a) && b == Class::Layer {
        let uses = raw_resources(model)
            .and_then(|r| r.get(from))
            .and_then(|r| r.pointer("/Properties/Layers"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if uses >= 5 {
            return Err(format!("{from} already uses 5 layers, Lambda's limit"));
        }
        out.push(Connection {
            label: format!("{from} uses the layer (its files appear under /opt)"),
            ops: vec![Op::Append(props(from, &["Layers"]), reference(to))],
        });
        return Ok(out);
    }
    if is_fn(a) && b != Class::Rule {
        if matches!(b, Class::Queue | Class::Topic | Class::Bus) || is_fn(b) {
            if a == Class::SamFn {
                let ty = match b {
                    Class::Queue => "SQS",
                    Class::Topic => "SNS",
                    Class::Bus => "EventBridge",
                    _ => "Lambda",
                };
                for (key, when) in [
                    ("OnFailure", "fails (after its retries)"),
                    ("OnSuccess", "succeeds"),
                ] {
                    add(
                        format!("{key} destination: a record of each asynchronous invocation that {when}"),
                        vec![Op::Set(props(from, &["EventInvokeConfig", "DestinationConfig", key]), json!({
                            "Type": ty, "Destination": arn_of(b, to)}))],
                    );
                }
            }
            if matches!(b, Class::Queue | Class::Topic) {
                let ops = if a == Class::SamFn {
                    vec![Op::Set(
                        props(from, &["DeadLetterQueue"]),
                        json!({
                        "Type": if b == Class::Queue { "SQS" } else { "SNS" }, "TargetArn": arn_of(b, to)}),
                    )]
                } else {
                    vec![Op::Set(
                        props(from, &["DeadLetterConfig"]),
                        json!({"TargetArn": arn_of(b, to)}),
                    )]
                };
                add(
                    "Dead-letter queue: asynchronous events that fail all retries".into(),
                    ops,
                );
            }
        }
        let (var, value, policy) = env_link(b, to);
        let mut ops = vec![Op::Set(
            props(from, &["Environment", "Variables", &var]),
            value,
        )];
        if a == Class::SamFn {
            if let Some(policy) = policy {
                ops.extend(add_policy(model, from, policy));
            }
        }
        add(
            format!("The handler calls it with the SDK: environment variable {var}"),
            ops,
        );
    }
    if out.is_empty() {
        return Err(why_not(a, b, from, to));
    }
    Ok(out)
}

fn why_not(a: Class, b: Class, from: &str, to: &str) -> String {
    let hint = match (a, b) {
        (Class::Bus, _) => "a bus delivers through rules: add an EventBridge rule, wire the bus to it and the rule to the target".to_string(),
        (Class::Bucket, Class::Bus) => "S3 sends its events to the default event bus only (NotificationConfiguration.EventBridgeConfiguration)".into(),
        (Class::Queue, _) => "a queue only holds messages: a function polls it (wire queue → function) or it is another queue's dead-letter queue".into(),
        (Class::Topic, _) => "SNS delivers to queues and functions (and HTTP/S, email, SMS outside the playground)".into(),
        (Class::SamSm | Class::CfnSm, _) => "a state machine reaches other services from its Task states: edit the definition".into(),
        (Class::Rule, _) => format!("a rule's targets can be functions, queues, topics, buses, state machines, Kinesis streams or Firehose streams, not {}", noun(b)),
        (Class::Bucket, _) => "S3 notifies functions, queues and topics".into(),
        (Class::Layer, _) => "a layer is code a function uses: wire the function to the layer".into(),
        _ => "AWS has no such link".into(),
    };
    format!(
        "{from} ({}) cannot send to {to} ({}): {hint}",
        noun(a),
        noun(b)
    )
}

/// Draws a wire with the chosen meaning (an index into `connections`).
pub fn connect(text: &str, from: &str, to: &str, choice: usize) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let options = connections(&model, from, to)?;
    let c = options
        .get(choice)
        .ok_or_else(|| format!("no such choice for {from} → {to}"))?;
    checked(
        text,
        &c.ops,
        format!("Wired {from} → {to}: {}", c.label),
        Some(to.to_string()),
    )
}

/// Whether a wire of this kind can be deleted from the canvas (and if not, why).
pub fn deletable(kind: &str) -> Result<(), String> {
    match kind {
        "task" => Err("this wire is a Task state in the state machine's definition: edit the definition to remove it".into()),
        "reference" => Err("this wire is a reference (Ref/GetAtt/Sub) inside the resource's properties: edit the template to remove it".into()),
        _ => Ok(()),
    }
}

/// Removes the property behind a wire.
pub fn disconnect(text: &str, graph: &Graph, from: &str, to: &str) -> Result<Change, String> {
    let edge = graph
        .edges
        .iter()
        .find(|e| e.from == from && e.to == to && deletable(&e.kind).is_ok())
        .or_else(|| graph.edges.iter().find(|e| e.from == from && e.to == to))
        .ok_or_else(|| format!("there is no wire {from} → {to}"))?;
    deletable(&edge.kind).map_err(|e| format!("Not removed: {e}"))?;
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let mut ops = vec![Op::Remove(path(&edge.property))];
    // The policy the wire brought (it names both ends) goes with it.
    ops.extend(
        attachments(&model, &[from, to], true)
            .into_iter()
            .map(|id| Op::Remove(p(&["Resources", &id]))),
    );
    checked(
        text,
        &ops,
        format!("Removed the wire {from} → {to} ({})", edge.property),
        None,
    )
}

/// Policies and permissions that name `ids` (all of them, or any).
fn attachments(model: &Model, ids: &[&str], all: bool) -> Vec<String> {
    let Some(raw) = raw_resources(model) else {
        return Vec::new();
    };
    let wanted: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    model
        .resources
        .iter()
        .filter(|r| crate::graph::ATTACHMENT_TYPES.contains(&r.resource_type.as_str()))
        .filter(|r| {
            let named = raw
                .get(&r.logical_id)
                .map(|x| crate::graph::referenced_ids(x, &wanted).len())
                .unwrap_or(0);
            if all {
                named == wanted.len()
            } else {
                named > 0
            }
        })
        .map(|r| r.logical_id.clone())
        .collect()
}

/// Deletes a resource with the wires that lead to it, its layout entry and the drivers
/// that send to it. Refused while something else still refers to it.
pub fn delete_resource(text: &str, graph: &Graph, id: &str) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let own = format!("Resources.{id}");
    let mut paths: Vec<String> = graph
        .edges
        .iter()
        .filter(|e| (e.from == id || e.to == id) && deletable(&e.kind).is_ok())
        .map(|e| e.property.clone())
        .filter(|p| p != &own && !p.starts_with(&format!("{own}.")))
        .collect();
    // Wire resources (subscriptions, mappings) that join it.
    paths.sort();
    paths.dedup();
    // Later list items first, so earlier indices stay right.
    paths.sort_by(|a, b| b.cmp(a));
    let mut ops: Vec<Op> = paths.iter().map(|p| Op::Remove(path(p))).collect();
    // Policies and permissions that grant something to or from it go with it.
    ops.extend(
        attachments(&model, &[id], false)
            .into_iter()
            .map(|a| Op::Remove(p(&["Resources", &a]))),
    );
    ops.push(Op::Remove(p(&["Resources", id])));
    if model.playground.pointer(&format!("/Layout/{id}")).is_some() {
        ops.push(Op::Remove(layout_path(id)));
    }
    if let Some(drivers) = model.playground.get("Drivers").and_then(Value::as_array) {
        for (i, d) in drivers.iter().enumerate().rev() {
            if d.get("Target").and_then(Value::as_str) == Some(id) {
                let mut dp = p(&["Metadata", "Playground", "Drivers"]);
                dp.push(Seg::Index(i));
                ops.push(Op::Remove(dp));
            }
        }
    }
    checked(text, &ops, format!("Deleted {id}"), None)
        .map_err(|e| format!("{e} (something still refers to {id}: remove that reference first)"))
}

/// The resources to copy: each id with its template JSON (as written, long form).
pub fn copy_resources(text: &str, ids: &[String]) -> Result<Value, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let mut out = Map::new();
    for id in ids {
        let r = raw_resources(&model)
            .and_then(|r| r.get(id))
            .ok_or_else(|| format!("{id} is not a resource of this template"))?;
        out.insert(id.clone(), r.clone());
    }
    Ok(Value::Object(out))
}

/// Pastes copied resources (from this scenario or another): each gets a free logical id
/// and loses its name properties (names must be unique); references between the pasted
/// resources follow the new ids. A reference to something this template does not have
/// is refused with the loader's words.
pub fn paste_resources(text: &str, copied: &Value) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let list = copied
        .as_object()
        .filter(|m| !m.is_empty())
        .ok_or("Nothing to paste: copy a resource first (Ctrl+C)")?;
    // New ids first, so references between pasted resources can be renamed.
    let mut taken: Vec<String> = raw_resources(&model)
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    let mut renames: Vec<(String, String)> = Vec::new();
    for id in list.keys() {
        let mut new_id = id.clone();
        let mut n = 2;
        while taken.contains(&new_id) {
            new_id = format!("{id}{n}");
            n += 1;
        }
        taken.push(new_id.clone());
        renames.push((id.clone(), new_id));
    }
    let rename = |v: &Value| -> Value {
        let mut text = v.to_string();
        for (old, new) in &renames {
            if old != new {
                for (a, b) in [
                    (
                        format!("{{\"Ref\":\"{old}\"}}"),
                        format!("{{\"Ref\":\"{new}\"}}"),
                    ),
                    (format!("[\"{old}\","), format!("[\"{new}\",")),
                    (format!("${{{old}."), format!("${{{new}.")),
                    (format!("${{{old}}}"), format!("${{{new}}}")),
                ] {
                    text = text.replace(&a, &b);
                }
            }
        }
        serde_json::from_str(&text).unwrap_or_else(|_| v.clone())
    };
    let mut ops = Vec::new();
    for ((_, new_id), r) in renames.iter().zip(list.values()) {
        let mut r = rename(r);
        drop_names(&mut r);
        ops.push(Op::Set(p(&["Resources", new_id]), r));
    }
    let names: Vec<&str> = renames.iter().map(|(_, n)| n.as_str()).collect();
    checked(
        text,
        &ops,
        format!("Pasted {}", names.join(", ")),
        renames.first().map(|(_, n)| n.clone()),
    )
}

/// Removes a copied resource's name properties: names must be unique, so
/// CloudFormation generates the copy's.
fn drop_names(resource: &mut Value) {
    if let Some(props) = resource
        .get_mut("Properties")
        .and_then(Value::as_object_mut)
    {
        for name in [
            "QueueName",
            "TopicName",
            "FunctionName",
            "BucketName",
            "Name",
            "StateMachineName",
            "LayerName",
        ] {
            props.shift_remove(name);
        }
    }
}

/// Forgets every box's position: the automatic left-to-right layout draws them.
pub fn auto_layout(text: &str) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    if model.playground.get("Layout").is_none() {
        return Err("The boxes are already laid out automatically.".into());
    }
    checked(
        text,
        &[Op::Remove(p(&["Metadata", "Playground", "Layout"]))],
        "Arranged automatically (Metadata.Playground.Layout removed)".into(),
        None,
    )
}

/// A copy of a resource under a new logical id, without the name properties (names
/// must be unique, so CloudFormation generates the copy's), a little below and right
/// of the original when the layout places it.
pub fn duplicate(text: &str, id: &str) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let mut copy = raw_resources(&model)
        .and_then(|r| r.get(id))
        .cloned()
        .ok_or_else(|| format!("{id} is not a resource of this template"))?;
    drop_names(&mut copy);
    let new_id = unique_id(&model, id);
    let mut ops = vec![Op::Set(p(&["Resources", &new_id]), copy)];
    if let Some(pos) = model
        .playground
        .pointer(&format!("/Layout/{id}"))
        .and_then(Value::as_array)
    {
        if let (Some(x), Some(y)) = (
            pos.first().and_then(Value::as_f64),
            pos.get(1).and_then(Value::as_f64),
        ) {
            ops.push(Op::Set(layout_path(&new_id), json!([x + 30.0, y + 30.0])));
        }
    }
    checked(
        text,
        &ops,
        format!("Duplicated {id} as {new_id}"),
        Some(new_id),
    )
}

/// One line of a diff: `' '` kept, `'-'` removed, `'+'` added.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffLine {
    pub sign: char,
    pub text: String,
}

/// The lines that changed between two texts, with `context` kept lines around each
/// change (a longest-common-subsequence diff; templates are small).
pub fn diff(old: &str, new: &str, context: usize) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common prefix and suffix first: most edits touch a few lines.
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let (n, m) = (am.len(), bm.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if am[i] == bm[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut all: Vec<DiffLine> = a[..pre]
        .iter()
        .map(|l| DiffLine {
            sign: ' ',
            text: l.to_string(),
        })
        .collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && am[i] == bm[j] {
            all.push(DiffLine {
                sign: ' ',
                text: am[i].to_string(),
            });
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            all.push(DiffLine {
                sign: '-',
                text: am[i].to_string(),
            });
            i += 1;
        } else {
            all.push(DiffLine {
                sign: '+',
                text: bm[j].to_string(),
            });
            j += 1;
        }
    }
    all.extend(a[a.len() - suf..].iter().map(|l| DiffLine {
        sign: ' ',
        text: l.to_string(),
    }));
    let near = |k: usize| {
        all[k.saturating_sub(context)..(k + context + 1).min(all.len())]
            .iter()
            .any(|d| d.sign != ' ')
    };
    (0..all.len())
        .filter(|&k| near(k))
        .map(|k| all[k].clone())
        .collect()
}

#[cfg(test)]
mod tests;
