//! Scenario templates: AWS SAM / CloudFormation, YAML or JSON. `load` parses the text,
//! evaluates `Parameters`, `Conditions` and the intrinsic functions (`Ref`,
//! `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::If`, …) and merges SAM
//! `Globals`, giving a [`Model`]: every resource with resolved properties, in template
//! order. Unsupported resource types are kept and flagged, never dropped. Every error
//! names its template path, e.g. `Resources.Worker.Properties.Timeout`.

pub(crate) mod parse;
mod resolve;

pub use parse::parse_template_text;
pub(crate) use resolve::{deployment_application, deployment_id, suffix};

use crate::error::TemplateError;
use serde_json::{Map, Value};

/// Resource types the engine runs. Everything else is drawn and reported as unsupported.
pub const SUPPORTED_TYPES: &[&str] = &[
    "AWS::SQS::Queue",
    "AWS::Serverless::Function",
    "AWS::Lambda::Function",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::Serverless::StateMachine",
    "AWS::StepFunctions::StateMachine",
    "AWS::Events::Rule",
    "AWS::Events::EventBus",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::S3::Bucket",
    "AWS::Lambda::LayerVersion",
    "AWS::Serverless::LayerVersion",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::Lambda::Permission",
    "AWS::Events::Archive",
    "AWS::CloudWatch::Alarm",
    "AWS::Scheduler::Schedule",
    "AWS::StepFunctions::Activity",
    "AWS::Kinesis::Stream",
    "AWS::KinesisFirehose::DeliveryStream",
];

/// Account and region used for ARNs and URLs unless `Metadata.Playground` says otherwise.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
pub const DEFAULT_REGION: &str = "us-east-1";

#[derive(Clone, Debug)]
pub struct Resource {
    pub logical_id: String,
    pub resource_type: String,
    /// Properties with every intrinsic function resolved (AWS::NoValue removed).
    pub properties: Value,
    /// The physical name CloudFormation would give it (QueueName, FunctionName, …).
    pub physical_name: String,
    pub supported: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub stack_name: String,
    pub account: String,
    pub region: String,
    pub seed: u64,
    pub resources: Vec<Resource>,
    /// `Metadata.Playground` with intrinsics resolved (Drivers, Layout, …).
    pub playground: Value,
    pub warnings: Vec<String>,
    /// The template as parsed (long-form intrinsics), for the canvas and export.
    pub raw: Value,
}

impl Model {
    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }
}

/// Parses and resolves a template.
pub fn load(text: &str) -> Result<Model, TemplateError> {
    let raw = parse_template_text(text)?;
    load_value(raw)
}

pub fn load_value(raw: Value) -> Result<Model, TemplateError> {
    let root = raw
        .as_object()
        .ok_or_else(|| TemplateError::at("", "a template must be a mapping at the top level"))?;
    let resources = root
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or_else(|| TemplateError::at("Resources", "the template has no Resources section"))?;
    let pg = root
        .get("Metadata")
        .and_then(|m| m.get("Playground"))
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let str_of = |k: &str, d: &str| pg.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
    let account = str_of("AccountId", DEFAULT_ACCOUNT);
    let region = str_of("Region", DEFAULT_REGION);
    let stack_name = str_of("StackName", "playground");
    let seed = match pg.get("Seed") {
        None => 1,
        Some(v) => v.as_u64().ok_or_else(|| {
            TemplateError::at("Metadata.Playground.Seed", "Seed must be a whole number")
        })?,
    };
    let globals = root.get("Globals").cloned().unwrap_or(Value::Null);
    let mut r = resolve::Resolver::new(root, &account, &region, &stack_name)?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (id, res) in resources {
        let path = format!("Resources.{id}");
        let ty = res
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| TemplateError::at(format!("{path}.Type"), "resource has no Type"))?
            .to_string();
        if let Some(cond) = res.get("Condition").and_then(Value::as_str) {
            if !r.condition(cond, &format!("{path}.Condition"))? {
                continue;
            }
        }
        let mut props = res
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        if ty == "AWS::Serverless::Function" {
            if let Some(g) = globals.get("Function") {
                merge_globals(&mut props, g);
            }
        }
        let properties = r.resolve(&props, &format!("{path}.Properties"))?;
        let properties = if properties.is_null() {
            Value::Object(Map::new())
        } else {
            properties
        };
        let supported = SUPPORTED_TYPES.contains(&ty.as_str());
        if !supported {
            warnings.push(format!(
                "{path}: resource type {ty} is not supported yet; it is kept in the template and drawn, but not run"
            ));
        }
        let physical_name = r.physical_name(id)?;
        out.push(Resource {
            logical_id: id.clone(),
            resource_type: ty,
            properties,
            physical_name,
            supported,
        });
    }
    let playground = r.resolve(&pg, "Metadata.Playground")?;
    Ok(Model {
        stack_name,
        account,
        region,
        seed,
        resources: out,
        playground,
        warnings,
        raw,
    })
}

/// SAM `Globals.Function`: a function's own property wins; `Environment.Variables`
/// are merged key by key, as SAM documents.
fn merge_globals(props: &mut Value, globals: &Value) {
    let (Some(p), Some(g)) = (props.as_object_mut(), globals.as_object()) else {
        return;
    };
    for (k, gv) in g {
        match p.get_mut(k) {
            None => {
                p.insert(k.clone(), gv.clone());
            }
            Some(pv) if k == "Environment" => {
                let gvars = gv.get("Variables").and_then(Value::as_object).cloned();
                if let (Some(gvars), Some(pvars)) = (
                    gvars,
                    pv.as_object_mut()
                        .map(|o| {
                            o.entry("Variables")
                                .or_insert_with(|| Value::Object(Map::new()))
                        })
                        .and_then(Value::as_object_mut),
                ) {
                    for (vk, vv) in gvars {
                        pvars.entry(vk).or_insert(vv);
                    }
                }
            }
            Some(_) => {}
        }
    }
}

/// A boolean property written as `true` or `"true"` (CloudFormation passes both).
pub fn truthy(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || v.and_then(Value::as_str) == Some("true")
}

/// A JSON-document property (RedrivePolicy, FilterPolicy, …) given as an object or as a
/// string of JSON; `None` when absent or null. Errors name `path.key`.
pub fn json_prop(props: &Value, key: &str, path: &str) -> Result<Option<Value>, TemplateError> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|e| {
            TemplateError::at(format!("{path}.{key}"), format!("not valid JSON: {e}"))
        }),
        Some(v) => Ok(Some(v.clone())),
    }
}

/// Reads a number property that may be written as a number or a numeric string
/// (parameters of type Number arrive as strings, as in CloudFormation).
pub fn num_prop(props: &Value, key: &str, path: &str) -> Result<Option<f64>, TemplateError> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| {
            TemplateError::at(format!("{path}.{key}"), format!("'{s}' is not a number"))
        }),
        Some(other) => Err(TemplateError::at(
            format!("{path}.{key}"),
            format!("expected a number, found {other}"),
        )),
    }
}

#[cfg(test)]
mod tests;
