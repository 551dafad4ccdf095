//! The inspector's fields: for each resource type, the properties the engine runs, under
//! their AWS documentation names, with AWS's limits checked before the template is
//! touched. A value that passes is written with `text.rs` like any other edit; an empty
//! value removes the property (AWS's default applies).

use super::text::{Op, Seg};
use super::{checked, Change};
use crate::template;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldKind {
    /// A whole number within AWS's limits.
    Int {
        min: i64,
        max: i64,
    },
    /// Text; `max` characters at most.
    Text {
        max: usize,
    },
    Bool,
    Choice(&'static [&'static str]),
    /// A JSON document (an event pattern).
    Json,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The property's name in the AWS documentation (and the template).
    pub name: &'static str,
    pub kind: FieldKind,
    /// AWS's default, as the documentation states it ("" when there is none).
    pub default: &'static str,
    pub about: &'static str,
}

const fn int(
    name: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    about: &'static str,
) -> Field {
    Field {
        name,
        kind: FieldKind::Int { min, max },
        default,
        about,
    }
}
const fn text(name: &'static str, max: usize, about: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Text { max },
        default: "",
        about,
    }
}
const fn flag(name: &'static str, about: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Bool,
        default: "false",
        about,
    }
}
const fn choice(
    name: &'static str,
    options: &'static [&'static str],
    default: &'static str,
    about: &'static str,
) -> Field {
    Field {
        name,
        kind: FieldKind::Choice(options),
        default,
        about,
    }
}

const RUNTIMES: &[&str] = &["nodejs22.x", "nodejs20.x", "nodejs18.x"];

/// A function's fields (SAM's AutoPublishAlias only on `AWS::Serverless::Function`).
const FUNCTION: &[Field] = &[
    choice(
        "Runtime",
        RUNTIMES,
        "",
        "The Node.js runtime the handler runs on",
    ),
    text(
        "Handler",
        128,
        "file.export of the handler function (index.handler)",
    ),
    int(
        "MemorySize",
        128,
        10_240,
        "128",
        "Memory in MB; CPU share grows with it",
    ),
    int(
        "Timeout",
        1,
        900,
        "3",
        "Seconds before the invocation is stopped",
    ),
    int(
        "ReservedConcurrentExecutions",
        0,
        1_000,
        "",
        "Concurrency reserved for (and limiting) this function; 0 stops it",
    ),
    text(
        "AutoPublishAlias",
        128,
        "Publish a version on each change and point this alias at it",
    ),
    text("Description", 256, "What the function does"),
];

const QUEUE: &[Field] = &[
    text(
        "QueueName",
        80,
        "Letters, digits, - and _ (FIFO queues end in .fifo); generated when empty",
    ),
    int(
        "VisibilityTimeout",
        0,
        43_200,
        "30",
        "Seconds a received message stays hidden from other consumers",
    ),
    int(
        "DelaySeconds",
        0,
        900,
        "0",
        "Seconds every new message waits before it can be received",
    ),
    int(
        "MessageRetentionPeriod",
        60,
        1_209_600,
        "345600",
        "Seconds a message is kept (1 minute to 14 days)",
    ),
    int(
        "ReceiveMessageWaitTimeSeconds",
        0,
        20,
        "0",
        "Long polling: seconds ReceiveMessage waits for a message",
    ),
    int(
        "MaximumMessageSize",
        1_024,
        1_048_576,
        "1048576",
        "Largest message in bytes (1 MiB since 2026; 256 KiB before)",
    ),
    flag(
        "FifoQueue",
        "First-in-first-out per message group, exactly-once processing",
    ),
    flag(
        "ContentBasedDeduplication",
        "FIFO: deduplicate by the SHA-256 of the body",
    ),
    choice(
        "DeduplicationScope",
        &["queue", "messageGroup"],
        "queue",
        "FIFO: deduplicate per queue or per message group",
    ),
    choice(
        "FifoThroughputLimit",
        &["perQueue", "perMessageGroupId"],
        "perQueue",
        "FIFO: throughput quota per queue or per group",
    ),
];

const TOPIC: &[Field] = &[
    text(
        "TopicName",
        256,
        "Letters, digits, - and _ (FIFO topics end in .fifo); generated when empty",
    ),
    text("DisplayName", 100, "Shown in SMS and email deliveries"),
];

const BUCKET: &[Field] = &[text(
    "BucketName",
    63,
    "3–63 lowercase letters, digits, dots and hyphens; generated when empty",
)];

const BUS: &[Field] = &[text("Name", 256, "The event bus's name")];

const LAYER: &[Field] = &[
    text("LayerName", 140, "The layer's name; generated when empty"),
    text("Description", 256, "What the layer holds"),
];

const RULE: &[Field] = &[
    text("Name", 64, "The rule's name; generated when empty"),
    text("Description", 512, "What the rule is for"),
    text(
        "ScheduleExpression",
        256,
        "rate(5 minutes) or cron(0 12 * * ? *): a scheduled rule",
    ),
    Field {
        name: "EventPattern",
        kind: FieldKind::Json,
        default: "",
        about: "The events the rule matches (JSON)",
    },
    choice(
        "State",
        &["ENABLED", "DISABLED"],
        "ENABLED",
        "Whether the rule delivers",
    ),
];

const STATE_MACHINE: &[Field] = &[
    text("Name", 80, "The state machine's name; generated when empty"),
    choice(
        "Type",
        &["STANDARD", "EXPRESS"],
        "STANDARD",
        "Standard (exactly-once, up to a year) or Express (at-least-once, 5 minutes)",
    ),
];

/// The inspector's fields for a resource type (none for types not run).
pub fn fields(resource_type: &str) -> Vec<Field> {
    let list: &[Field] = match resource_type {
        "AWS::Serverless::Function" => FUNCTION,
        "AWS::Lambda::Function" => {
            return FUNCTION
                .iter()
                .filter(|f| f.name != "AutoPublishAlias")
                .copied()
                .collect()
        }
        "AWS::SQS::Queue" => QUEUE,
        "AWS::SNS::Topic" => TOPIC,
        "AWS::S3::Bucket" => BUCKET,
        "AWS::Events::EventBus" => BUS,
        "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion" => LAYER,
        "AWS::Events::Rule" => RULE,
        "AWS::Serverless::StateMachine" => STATE_MACHINE,
        "AWS::StepFunctions::StateMachine" => &STATE_MACHINE[..1],
        _ => &[],
    };
    list.to_vec()
}

/// The limit as the inspector shows it: `128–10,240 · default 128`.
pub fn hint(f: &Field) -> String {
    let thousands = |n: i64| {
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let range = match f.kind {
        FieldKind::Int { min, max } => format!("{}–{}", thousands(min), thousands(max)),
        FieldKind::Text { max } => format!("up to {max} characters"),
        FieldKind::Bool => "true or false".into(),
        FieldKind::Choice(o) => o.join(" | "),
        FieldKind::Json => "JSON".into(),
    };
    if f.default.is_empty() {
        range
    } else {
        format!("{range} · default {}", f.default)
    }
}

/// Reads what the user typed into a field: `None` means "remove the property".
pub fn parse(f: &Field, input: &str) -> Result<Option<Value>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let v = match f.kind {
        FieldKind::Int { min, max } => {
            let n: i64 = input
                .parse()
                .map_err(|_| format!("{} must be a whole number", f.name))?;
            if n < min || n > max {
                return Err(format!(
                    "{} must be between {min} and {max} (AWS's limit); {n} is not",
                    f.name
                ));
            }
            Value::from(n)
        }
        FieldKind::Text { max } => {
            if input.chars().count() > max {
                return Err(format!("{} can be at most {max} characters", f.name));
            }
            Value::from(input)
        }
        FieldKind::Bool => match input {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{} is true or false", f.name)),
        },
        FieldKind::Choice(options) => {
            if !options.contains(&input) {
                return Err(format!("{} is one of {}", f.name, options.join(", ")));
            }
            Value::from(input)
        }
        FieldKind::Json => {
            serde_json::from_str(input).map_err(|e| format!("{} is not valid JSON: {e}", f.name))?
        }
    };
    Ok(Some(v))
}

/// The value of a property as written in the template, for the field's input: text
/// for scalars, JSON for the rest (an intrinsic function shows as its JSON).
pub fn current(model: &template::Model, id: &str, name: &str) -> Option<String> {
    let v = model
        .raw
        .pointer(&format!("/Resources/{id}/Properties/{name}"))?;
    Some(match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Sets (or, when empty, removes) a property from the inspector.
pub fn set_property(text: &str, id: &str, name: &str, input: &str) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let r = model
        .resource(id)
        .ok_or_else(|| format!("{id} is not a resource of this template"))?;
    let f = fields(&r.resource_type)
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            format!(
                "{name} is not a property the inspector edits on {}",
                r.resource_type
            )
        })?;
    let path: Vec<Seg> = ["Resources", id, "Properties", name]
        .iter()
        .map(|s| Seg::Key(s.to_string()))
        .collect();
    let (op, summary) = match parse(&f, input)? {
        Some(v) => (Op::Set(path, v), format!("Set {id}.{name}")),
        None if current(&model, id, name).is_none() => return Err(format!("{name} is not set")),
        None => (
            Op::Remove(path),
            format!("Removed {id}.{name} (AWS's default applies)"),
        ),
    };
    checked(text, &[op], summary, Some(id.to_string()))
}

/// A function's inline handler code (`InlineCode`, or `Code.ZipFile` on
/// `AWS::Lambda::Function`), if the template writes it as text.
pub fn code_of(model: &template::Model, id: &str) -> Option<String> {
    let props = model.raw.pointer(&format!("/Resources/{id}/Properties"))?;
    props
        .get("InlineCode")
        .or_else(|| props.pointer("/Code/ZipFile"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Replaces a function's inline handler code.
pub fn set_code(text: &str, id: &str, code: &str) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    let r = model
        .resource(id)
        .ok_or_else(|| format!("{id} is not a resource of this template"))?;
    let zip = r.resource_type == "AWS::Lambda::Function";
    let mut path: Vec<Seg> = ["Resources", id, "Properties"]
        .iter()
        .map(|s| Seg::Key(s.to_string()))
        .collect();
    if zip {
        path.push(Seg::Key("Code".into()));
        path.push(Seg::Key("ZipFile".into()));
    } else {
        path.push(Seg::Key("InlineCode".into()));
    }
    let mut code = code.to_string();
    if !code.ends_with('\n') {
        code.push('\n');
    }
    checked(
        text,
        &[Op::Set(path, Value::from(code))],
        format!("Saved {id}'s handler code"),
        Some(id.to_string()),
    )
}

/// A state machine's definition as written in the template (`Definition`, or the JSON
/// text of `DefinitionString`), before DefinitionSubstitutions.
pub fn definition_of(model: &template::Model, id: &str) -> Option<Value> {
    let props = model.raw.pointer(&format!("/Resources/{id}/Properties"))?;
    match (props.get("Definition"), props.get("DefinitionString")) {
        (Some(d), _) if d.is_object() => Some(d.clone()),
        (_, Some(Value::String(s))) => serde_json::from_str(s).ok(),
        _ => None,
    }
}

/// Replaces a state machine's definition (in `DefinitionString` as JSON text when the
/// template keeps it there, else in `Definition`).
pub fn set_definition(text: &str, id: &str, definition: &Value) -> Result<Change, String> {
    let model = template::load(text).map_err(|e| format!("Fix the template first: {e}"))?;
    if model.resource(id).is_none() {
        return Err(format!("{id} is not a resource of this template"));
    }
    let as_string = model
        .raw
        .pointer(&format!("/Resources/{id}/Properties/DefinitionString"))
        .is_some_and(Value::is_string);
    let (key, value) = if as_string {
        let mut s = serde_json::to_string_pretty(definition).map_err(|e| e.to_string())?;
        s.push('\n');
        ("DefinitionString", Value::from(s))
    } else {
        ("Definition", definition.clone())
    };
    let path: Vec<Seg> = ["Resources", id, "Properties", key]
        .iter()
        .map(|s| Seg::Key(s.to_string()))
        .collect();
    let c = checked(
        text,
        &[Op::Set(path, value)],
        format!("Saved {id}'s definition"),
        Some(id.to_string()),
    )?;
    // CreateStateMachine refuses a definition that does not validate; so does this.
    let model = template::load(&c.text).map_err(|e| e.to_string())?;
    if let Some(r) = model.resource(id) {
        let def = crate::sfn_definition(r).map_err(|e| format!("Not done — {e}"))?;
        let (_, diagnostics) = crate::asl::definition::read(&def);
        if let Some(d) = diagnostics.iter().find(|d| d.severity == "ERROR") {
            return Err(format!(
                "Not done — the definition does not validate: {} at {}: {}",
                d.code, d.location, d.message
            ));
        }
    }
    Ok(c)
}
