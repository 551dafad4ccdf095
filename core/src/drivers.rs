//! Drivers: the scenario's traffic, from `Metadata.Playground.Drivers`. Each is a
//! scheduled API call (`At`, optional `Every` and `Count`) with the API's own request
//! fields; `Target` names a resource by logical id and fills the field the action needs
//! (QueueUrl, FunctionName, TopicArn, …); `{{index}}` in any string becomes the
//! repetition number.

use crate::error::TemplateError;
use crate::template::Model;
use crate::util::parse_duration_ms;
use serde_json::{Map, Value};

#[derive(Clone, Debug)]
pub struct Driver {
    pub at_ms: u64,
    pub every_ms: Option<u64>,
    pub count: u64,
    pub action: String,
    pub target: Option<String>,
    pub params: Value,
}

fn duration(v: &Value, path: &str) -> Result<u64, TemplateError> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map(|f| f.max(0.0) as u64)
            .ok_or_else(|| TemplateError::at(path, "not a duration")),
        Value::String(s) => parse_duration_ms(s).ok_or_else(|| {
            TemplateError::at(
                path,
                format!("'{s}' is not a duration (use 500ms, 30s, 10m, 2h)"),
            )
        }),
        other => Err(TemplateError::at(
            path,
            format!("expected a duration, found {other}"),
        )),
    }
}

pub fn parse(model: &Model) -> Result<Vec<Driver>, TemplateError> {
    let Some(list) = model.playground.get("Drivers") else {
        return Ok(vec![]);
    };
    let list = list.as_array().ok_or_else(|| {
        TemplateError::at("Metadata.Playground.Drivers", "Drivers must be a list")
    })?;
    let mut out = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let path = format!("Metadata.Playground.Drivers[{i}]");
        let at_ms = match d.get("At") {
            Some(v) => duration(v, &format!("{path}.At"))?,
            None => 0,
        };
        let every_ms = d
            .get("Every")
            .map(|v| duration(v, &format!("{path}.Every")))
            .transpose()?;
        if every_ms == Some(0) {
            return Err(TemplateError::at(
                format!("{path}.Every"),
                "Every must be longer than 0",
            ));
        }
        let count = match d.get("Count") {
            None => 1,
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| {
                    TemplateError::at(format!("{path}.Count"), "Count must be a whole number")
                })?,
        };
        let action = d.get("Action").and_then(Value::as_str).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.Action"),
                "a driver needs an Action such as sqs:SendMessage",
            )
        })?;
        if !action.contains(':') {
            return Err(TemplateError::at(
                format!("{path}.Action"),
                format!("'{action}' must be service:Action, e.g. sqs:SendMessage"),
            ));
        }
        let target = d.get("Target").and_then(Value::as_str).map(String::from);
        let mut params = d
            .get("Params")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        if !params.is_object() {
            return Err(TemplateError::at(
                format!("{path}.Params"),
                "Params must be a mapping of the API's request fields",
            ));
        }
        if let Some(t) = &target {
            fill_target(model, action, t, &mut params);
        }
        out.push(Driver {
            at_ms,
            every_ms,
            count,
            action: action.to_string(),
            target,
            params,
        });
    }
    Ok(out)
}

/// Fills the request field that names the target, unless Params already has it.
fn fill_target(model: &Model, action: &str, target: &str, params: &mut Value) {
    let service = action.split(':').next().unwrap_or("");
    let (field, value) = match model.resource(target) {
        Some(r) => {
            let name = r.physical_name.clone();
            match r.resource_type.as_str() {
                "AWS::SQS::Queue" => (
                    "QueueUrl",
                    format!(
                        "https://sqs.{}.amazonaws.com/{}/{}",
                        model.region, model.account, name
                    ),
                ),
                "AWS::Serverless::Function" | "AWS::Lambda::Function" => ("FunctionName", name),
                "AWS::SNS::Topic" => (
                    "TopicArn",
                    format!("arn:aws:sns:{}:{}:{}", model.region, model.account, name),
                ),
                "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => (
                    "stateMachineArn",
                    format!(
                        "arn:aws:states:{}:{}:stateMachine:{}",
                        model.region, model.account, name
                    ),
                ),
                "AWS::Events::EventBus" => ("EventBusName", name),
                "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => ("TableName", name),
                "AWS::S3::Bucket" => ("Bucket", name),
                "AWS::Kinesis::Stream" => ("StreamName", name),
                "AWS::KinesisFirehose::DeliveryStream" => ("DeliveryStreamName", name),
                _ => return,
            }
        }
        None => {
            let field = match service {
                "sqs" => "QueueUrl",
                "lambda" => "FunctionName",
                "sns" => "TopicArn",
                "states" => "stateMachineArn",
                "events" => "EventBusName",
                "dynamodb" => "TableName",
                "s3" => "Bucket",
                "kinesis" => "StreamName",
                "firehose" => "DeliveryStreamName",
                _ => return,
            };
            (field, target.to_string())
        }
    };
    if let Some(obj) = params.as_object_mut() {
        obj.entry(field).or_insert(Value::String(value));
    }
}

/// Replaces `{{index}}` in every string of `v`.
pub fn with_index(v: &Value, index: u64) -> Value {
    match v {
        Value::String(s) if s.contains("{{index}}") => {
            Value::String(s.replace("{{index}}", &index.to_string()))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| with_index(x, index)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), with_index(x, index)))
                .collect(),
        ),
        other => other.clone(),
    }
}
