//! The CloudFormation intrinsic-function evaluator: parameters, pseudo parameters,
//! conditions, `Ref`, `Fn::GetAtt` and the string/list functions. Physical names and
//! ARNs follow CloudFormation's conventions (a generated `stack-LogicalId-SUFFIX` name
//! where the template gives none).

use crate::error::TemplateError;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Resolver<'a> {
    root: &'a Map<String, Value>,
    resources: Map<String, Value>,
    params: BTreeMap<String, Value>,
    conditions: BTreeMap<String, bool>,
    names: BTreeMap<String, String>,
    naming: BTreeSet<String>,
    evaluating: BTreeSet<String>,
    account: String,
    region: String,
    stack: String,
}

/// Where a resource type keeps its name, what `Ref` gives and which attributes exist.
struct Identity {
    name_prop: &'static str,
    service: &'static str,
}

fn identity(ty: &str) -> Option<Identity> {
    let (name_prop, service) = match ty {
        "AWS::SQS::Queue" => ("QueueName", "sqs"),
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => ("FunctionName", "lambda"),
        "AWS::SNS::Topic" => ("TopicName", "sns"),
        "AWS::Serverless::StateMachine" => ("Name", "states"),
        "AWS::StepFunctions::StateMachine" => ("StateMachineName", "states"),
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => ("TableName", "dynamodb"),
        "AWS::S3::Bucket" => ("BucketName", "s3"),
        "AWS::Kinesis::Stream" => ("Name", "kinesis"),
        "AWS::KinesisFirehose::DeliveryStream" => ("DeliveryStreamName", "firehose"),
        "AWS::Events::Rule" | "AWS::Events::EventBus" => ("Name", "events"),
        "AWS::Events::Archive" => ("ArchiveName", "events"),
        "AWS::Scheduler::Schedule" => ("Name", "scheduler"),
        "AWS::StepFunctions::Activity" => ("Name", "states"),
        "AWS::IAM::Role" => ("RoleName", "iam"),
        "AWS::Lambda::LayerVersion" | "AWS::Serverless::LayerVersion" => ("LayerName", "lambda"),
        _ => return None,
    };
    Some(Identity { name_prop, service })
}

/// The name of the CodeDeploy application SAM creates for DeploymentPreference
/// (`!Ref ServerlessDeploymentApplication`).
pub(crate) fn deployment_application(stack: &str) -> String {
    format!(
        "{stack}-ServerlessDeploymentApplication-{}",
        suffix("ServerlessDeploymentApplication")
    )
}

/// The id of the CodeDeploy deployment of a function's DeploymentPreference: `d-` and
/// nine capital letters or digits.
pub(crate) fn deployment_id(function: &str) -> String {
    format!("d-{}", &suffix(&format!("{function}Deployment"))[..9])
}

/// The 12-character suffix CloudFormation-style generated names end with (stable per id).
pub(crate) fn suffix(logical_id: &str) -> String {
    let mut h = crate::util::fnv1a(logical_id.as_bytes());
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..12)
        .map(|_| {
            let c = ALPHA[(h % 36) as usize] as char;
            h /= 36;
            if h == 0 {
                h = 0x9E37_79B9_7F4A_7C15;
            }
            c
        })
        .collect()
}

impl<'a> Resolver<'a> {
    pub fn new(
        root: &'a Map<String, Value>,
        account: &str,
        region: &str,
        stack: &str,
    ) -> Result<Self, TemplateError> {
        let mut params = BTreeMap::new();
        if let Some(ps) = root.get("Parameters").and_then(Value::as_object) {
            for (name, p) in ps {
                let path = format!("Parameters.{name}");
                let default = p.get("Default").ok_or_else(|| {
                    TemplateError::at(
                        &path,
                        "parameter has no Default; the playground deploys with defaults only",
                    )
                })?;
                let as_text = match default {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(TemplateError::at(
                            format!("{path}.Default"),
                            format!(
                                "a parameter value must be a string or a number, found {other}"
                            ),
                        ))
                    }
                };
                if let Some(allowed) = p.get("AllowedValues").and_then(Value::as_array) {
                    // AllowedValues may be written as numbers; compare their text.
                    let ok = allowed.iter().any(|a| match a {
                        Value::String(s) => *s == as_text,
                        other => {
                            let text = other.to_string();
                            text == as_text
                        }
                    });
                    if !ok {
                        return Err(TemplateError::at(
                            format!("{path}.Default"),
                            format!("'{as_text}' is not one of the AllowedValues"),
                        ));
                    }
                }
                let ty = p.get("Type").and_then(Value::as_str).unwrap_or("String");
                let value = if ty == "CommaDelimitedList" || ty.starts_with("List<") {
                    Value::Array(
                        as_text
                            .split(',')
                            .map(|s| Value::String(s.trim().into()))
                            .collect(),
                    )
                } else {
                    Value::String(as_text)
                };
                params.insert(name.clone(), value);
            }
        }
        let resources = root
            .get("Resources")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(Resolver {
            root,
            resources,
            params,
            conditions: BTreeMap::new(),
            names: BTreeMap::new(),
            naming: BTreeSet::new(),
            evaluating: BTreeSet::new(),
            account: account.into(),
            region: region.into(),
            stack: stack.into(),
        })
    }

    /// Evaluates a named condition from the `Conditions` section.
    pub fn condition(&mut self, name: &str, path: &str) -> Result<bool, TemplateError> {
        if let Some(v) = self.conditions.get(name) {
            return Ok(*v);
        }
        let body = self
            .root
            .get("Conditions")
            .and_then(|c| c.get(name))
            .cloned()
            .ok_or_else(|| TemplateError::at(path, format!("unknown condition '{name}'")))?;
        if !self.evaluating.insert(name.to_string()) {
            return Err(TemplateError::at(
                path,
                format!("condition '{name}' refers to itself"),
            ));
        }
        let v = self.eval_condition(&body, &format!("Conditions.{name}"))?;
        self.evaluating.remove(name);
        self.conditions.insert(name.to_string(), v);
        Ok(v)
    }

    fn eval_condition(&mut self, v: &Value, path: &str) -> Result<bool, TemplateError> {
        let Some((k, arg)) = single_key(v) else {
            return match v {
                Value::Bool(b) => Ok(*b),
                Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
                _ => Err(TemplateError::at(
                    path,
                    "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition",
                )),
            };
        };
        let p = format!("{path}.{k}");
        match k {
            "Fn::Equals" => {
                let args = arg.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    TemplateError::at(&p, "Fn::Equals takes a list of two values")
                })?;
                let a = self.resolve(&args[0], &format!("{p}[0]"))?;
                let b = self.resolve(&args[1], &format!("{p}[1]"))?;
                Ok(loose_eq(&a, &b))
            }
            "Fn::Not" => {
                let a = arg.as_array().and_then(|a| a.first()).ok_or_else(|| {
                    TemplateError::at(&p, "Fn::Not takes a list of one condition")
                })?;
                Ok(!self.eval_condition(a, &format!("{p}[0]"))?)
            }
            "Fn::And" | "Fn::Or" => {
                let items = arg.as_array().ok_or_else(|| {
                    TemplateError::at(&p, format!("{k} takes a list of conditions"))
                })?;
                let mut acc = k == "Fn::And";
                for (i, c) in items.iter().enumerate() {
                    let b = self.eval_condition(c, &format!("{p}[{i}]"))?;
                    acc = if k == "Fn::And" { acc && b } else { acc || b };
                }
                Ok(acc)
            }
            "Condition" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| TemplateError::at(&p, "Condition takes a name"))?;
                self.condition(name, &p)
            }
            other => Err(TemplateError::at(
                path,
                format!("{other} is not a condition function"),
            )),
        }
    }

    /// The name CloudFormation gives a resource: its name property, or a generated one.
    pub fn physical_name(&mut self, logical_id: &str) -> Result<String, TemplateError> {
        if let Some(n) = self.names.get(logical_id) {
            return Ok(n.clone());
        }
        let res = self
            .resources
            .get(logical_id)
            .cloned()
            .unwrap_or(Value::Null);
        let ty = res
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !self.naming.insert(logical_id.to_string()) {
            return Err(TemplateError::at(
                format!("Resources.{logical_id}"),
                "the resource's name refers to itself (circular reference)",
            ));
        }
        let given = match identity(&ty) {
            Some(id) => match res.get("Properties").and_then(|p| p.get(id.name_prop)) {
                Some(v) => {
                    let path = format!("Resources.{logical_id}.Properties.{}", id.name_prop);
                    match self.resolve(v, &path)? {
                        Value::String(s) => Some(s),
                        Value::Null => None,
                        other => {
                            return Err(TemplateError::at(
                                path,
                                format!("a name must be a string, found {other}"),
                            ))
                        }
                    }
                }
                None => None,
            },
            None => None,
        };
        self.naming.remove(logical_id);
        let name = given.unwrap_or_else(|| {
            let mut n = format!("{}-{}-{}", self.stack, logical_id, suffix(logical_id));
            if ty == "AWS::S3::Bucket" {
                n = n.to_lowercase();
            }
            let fifo = super::truthy(res.pointer("/Properties/FifoQueue"));
            if ty == "AWS::SQS::Queue" && fifo {
                n.push_str(".fifo");
            }
            if ty == "AWS::SNS::Topic" && super::truthy(res.pointer("/Properties/FifoTopic")) {
                n.push_str(".fifo");
            }
            n
        });
        self.names.insert(logical_id.to_string(), name.clone());
        Ok(name)
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        let (region, account) = match service {
            "s3" => ("", ""),
            "iam" => ("", self.account.as_str()),
            _ => (self.region.as_str(), self.account.as_str()),
        };
        format!("arn:aws:{service}:{region}:{account}:{resource}")
    }

    /// The function an `AWS::Lambda::Version` or `AWS::Lambda::Alias` belongs to (its
    /// name), and for a version its number: versions of one function are numbered in
    /// template order, as successive PublishVersion calls would number them.
    fn lambda_child(&mut self, id: &str, path: &str) -> Result<(String, u32), TemplateError> {
        let fn_of = |r: &mut Self, rid: &str| -> Result<String, TemplateError> {
            let raw = r.resources[rid]
                .get("Properties")
                .and_then(|p| p.get("FunctionName"))
                .cloned()
                .unwrap_or(Value::Null);
            let v = r.resolve(&raw, &format!("Resources.{rid}.Properties.FunctionName"))?;
            let text = v.as_str().unwrap_or("").to_string();
            Ok(text
                .split_once(":function:")
                .map(|(_, n)| n.split(':').next().unwrap_or(n).to_string())
                .unwrap_or(text))
        };
        let name = fn_of(self, id)?;
        let _ = path;
        let mut n = 0;
        let ids: Vec<String> = self.resources.keys().cloned().collect();
        for rid in ids {
            if self.resources[&rid].get("Type").and_then(Value::as_str)
                == Some("AWS::Lambda::Version")
                && fn_of(self, &rid)? == name
            {
                n += 1;
            }
            if rid == id {
                break;
            }
        }
        Ok((name, n))
    }

    fn ref_resource(&mut self, id: &str, path: &str) -> Result<Value, TemplateError> {
        let ty = self.resources[id]
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if ty == "AWS::Lambda::Version" || ty == "AWS::Lambda::Alias" {
            let (name, n) = self.lambda_child(id, path)?;
            let qualifier = if ty == "AWS::Lambda::Version" {
                n.to_string()
            } else {
                let raw = self.resources[id]
                    .get("Properties")
                    .and_then(|p| p.get("Name"))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.resolve(&raw, &format!("Resources.{id}.Properties.Name"))?
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            };
            return Ok(Value::String(
                self.arn("lambda", &format!("function:{name}:{qualifier}")),
            ));
        }
        let name = self.physical_name(id)?;
        let _ = path;
        Ok(Value::String(match ty.as_str() {
            "AWS::SQS::Queue" => {
                format!(
                    "https://sqs.{}.amazonaws.com/{}/{}",
                    self.region, self.account, name
                )
            }
            "AWS::SNS::Topic" => self.arn("sns", &name),
            "AWS::StepFunctions::Activity" => self.arn("states", &format!("activity:{name}")),
            // A layer's Ref is its (first) version's ARN.
            "AWS::Lambda::LayerVersion" | "AWS::Serverless::LayerVersion" => {
                self.arn("lambda", &format!("layer:{name}:1"))
            }
            "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
                self.arn("states", &format!("stateMachine:{name}"))
            }
            _ => name,
        }))
    }

    fn get_att(&mut self, id: &str, attr: &str, path: &str) -> Result<Value, TemplateError> {
        let ty = self.resources[id]
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if ty == "AWS::Lambda::Version" && attr == "Version" {
            return Ok(Value::String(self.lambda_child(id, path)?.1.to_string()));
        }
        let name = self.physical_name(id)?;
        let Some(ident) = identity(&ty) else {
            // A type the engine does not model: keep going with a recognisable placeholder.
            return Ok(Value::String(format!("{id}.{attr}")));
        };
        let s = ident.service;
        let v = match (ty.as_str(), attr) {
            ("AWS::SQS::Queue", "Arn") => self.arn(s, &name),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SQS::Queue", "QueueUrl") => {
                format!(
                    "https://sqs.{}.amazonaws.com/{}/{}",
                    self.region, self.account, name
                )
            }
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => {
                self.arn(s, &format!("function:{name}"))
            }
            ("AWS::SNS::Topic", "TopicArn") => self.arn(s, &name),
            ("AWS::SNS::Topic", "TopicName") => name,
            ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", "Arn") => {
                self.arn(s, &format!("stateMachine:{name}"))
            }
            ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", "Name") => name,
            (_, "Arn") if s == "dynamodb" => self.arn(s, &format!("table/{name}")),
            (_, "StreamArn") if s == "dynamodb" => {
                self.arn(s, &format!("table/{name}/stream/1970-01-01T00:00:00.000"))
            }
            ("AWS::S3::Bucket", "Arn") => self.arn(s, &name),
            ("AWS::S3::Bucket", "DomainName") => format!("{name}.s3.amazonaws.com"),
            ("AWS::S3::Bucket", "RegionalDomainName") => {
                format!("{name}.s3.{}.amazonaws.com", self.region)
            }
            ("AWS::Kinesis::Stream", "Arn") => self.arn(s, &format!("stream/{name}")),
            ("AWS::KinesisFirehose::DeliveryStream", "Arn") => {
                self.arn(s, &format!("deliverystream/{name}"))
            }
            ("AWS::Events::Rule", "Arn") => {
                // A rule on a custom bus is `rule/BUS/NAME`.
                let bus = self.resources[id]
                    .get("Properties")
                    .and_then(|p| p.get("EventBusName"))
                    .cloned();
                let bus = match bus {
                    Some(v) => {
                        self.resolve(&v, &format!("Resources.{id}.Properties.EventBusName"))?
                    }
                    None => Value::Null,
                };
                let bus = bus
                    .as_str()
                    .map(|b| b.rsplit("event-bus/").next().unwrap_or(b).to_string())
                    .filter(|b| b != "default");
                match bus {
                    Some(b) => self.arn(s, &format!("rule/{b}/{name}")),
                    None => self.arn(s, &format!("rule/{name}")),
                }
            }
            ("AWS::Events::EventBus", "Arn") => self.arn(s, &format!("event-bus/{name}")),
            ("AWS::Events::Archive", "Arn") => self.arn(s, &format!("archive/{name}")),
            ("AWS::StepFunctions::Activity", "Name") => name,
            ("AWS::Events::EventBus", "Name") => name,
            ("AWS::IAM::Role", "Arn") => self.arn(s, &format!("role/{name}")),
            _ => {
                return Err(TemplateError::at(
                    path,
                    format!("Fn::GetAtt: {ty} '{id}' has no attribute '{attr}'"),
                ))
            }
        };
        Ok(Value::String(v))
    }

    fn reference(&mut self, name: &str, path: &str) -> Result<Option<Value>, TemplateError> {
        let pseudo = match name {
            "AWS::Region" => Some(self.region.clone()),
            "AWS::AccountId" => Some(self.account.clone()),
            "AWS::StackName" => Some(self.stack.clone()),
            "AWS::StackId" => Some(format!(
                "arn:aws:cloudformation:{}:{}:stack/{}/00000000-0000-4000-8000-000000000000",
                self.region, self.account, self.stack
            )),
            "AWS::Partition" => Some("aws".into()),
            "AWS::URLSuffix" => Some("amazonaws.com".into()),
            "AWS::NoValue" => return Ok(None),
            _ => None,
        };
        if let Some(p) = pseudo {
            return Ok(Some(Value::String(p)));
        }
        if name == "AWS::NotificationARNs" {
            return Ok(Some(Value::Array(vec![])));
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Some(v.clone()));
        }
        if self.resources.contains_key(name) {
            return self.ref_resource(name, path).map(Some);
        }
        // SAM's generated CodeDeploy application, there when a function deploys gradually.
        if name == "ServerlessDeploymentApplication"
            && self
                .resources
                .values()
                .any(|r| r.pointer("/Properties/DeploymentPreference").is_some())
        {
            return Ok(Some(Value::String(deployment_application(&self.stack))));
        }
        Err(TemplateError::at(
            path,
            format!("Ref refers to unknown resource or parameter '{name}'"),
        ))
    }

    /// Resolves every intrinsic function in `v`. `AWS::NoValue` removes the property.
    pub fn resolve(&mut self, v: &Value, path: &str) -> Result<Value, TemplateError> {
        Ok(self.resolve_opt(v, path)?.unwrap_or(Value::Null))
    }

    fn resolve_opt(&mut self, v: &Value, path: &str) -> Result<Option<Value>, TemplateError> {
        match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(x) = self.resolve_opt(item, &format!("{path}[{i}]"))? {
                        out.push(x);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(m) => {
                if let Some((k, arg)) = single_key(v) {
                    if k == "Ref" || k.starts_with("Fn::") {
                        return self.intrinsic(k, arg, &format!("{path}.{k}"));
                    }
                }
                let mut out = Map::new();
                for (k, item) in m {
                    if let Some(x) = self.resolve_opt(item, &format!("{path}.{k}"))? {
                        out.insert(k.clone(), x);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn string_of(&mut self, v: &Value, path: &str) -> Result<String, TemplateError> {
        match self.resolve(v, path)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(TemplateError::at(
                path,
                format!("expected a string, found {other}"),
            )),
        }
    }

    fn intrinsic(
        &mut self,
        k: &str,
        arg: &Value,
        path: &str,
    ) -> Result<Option<Value>, TemplateError> {
        // Errors name the place of the reference itself: `...Queue: Fn::GetAtt refers to …`.
        let at = path
            .rsplit_once('.')
            .map(|(p, _)| p)
            .unwrap_or(path)
            .to_string();
        match k {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| TemplateError::at(&at, "Ref takes a name"))?;
                self.reference(name, &at)
            }
            "Fn::GetAtt" => {
                let (id, attr) = match arg {
                    Value::Array(a) if a.len() == 2 => {
                        let id = a[0].as_str().unwrap_or_default().to_string();
                        let attr = self.string_of(&a[1], &at)?;
                        (id, attr)
                    }
                    Value::String(s) => match s.split_once('.') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => {
                            return Err(TemplateError::at(
                                &at,
                                "Fn::GetAtt takes LogicalId.Attribute",
                            ))
                        }
                    },
                    _ => {
                        return Err(TemplateError::at(
                            &at,
                            "Fn::GetAtt takes [LogicalId, Attribute]",
                        ))
                    }
                };
                if !self.resources.contains_key(&id) {
                    return Err(TemplateError::at(
                        &at,
                        format!("Fn::GetAtt refers to unknown resource '{id}'"),
                    ));
                }
                self.get_att(&id, &attr, &at).map(Some)
            }
            "Fn::Sub" => {
                let (template, vars) = match arg {
                    Value::String(s) => (s.clone(), Map::new()),
                    Value::Array(a) if a.len() == 2 => {
                        let t = a[0].as_str().ok_or_else(|| {
                            TemplateError::at(&at, "Fn::Sub's first item must be a string")
                        })?;
                        let m = a[1].as_object().cloned().ok_or_else(|| {
                            TemplateError::at(
                                &at,
                                "Fn::Sub's second item must be a mapping of variables",
                            )
                        })?;
                        (t.to_string(), m)
                    }
                    _ => {
                        return Err(TemplateError::at(
                            &at,
                            "Fn::Sub takes a string or [string, variables]",
                        ))
                    }
                };
                self.sub(&template, &vars, &at)
                    .map(|s| Some(Value::String(s)))
            }
            "Fn::Join" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    TemplateError::at(&at, "Fn::Join takes [delimiter, [values]]")
                })?;
                let delim = a[0].as_str().unwrap_or("").to_string();
                let list = self.resolve(&a[1], &format!("{at}[1]"))?;
                let items = list
                    .as_array()
                    .ok_or_else(|| TemplateError::at(&at, "Fn::Join needs a list"))?;
                let mut parts = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    parts.push(self.string_of(item, &format!("{at}[1][{i}]"))?);
                }
                Ok(Some(Value::String(parts.join(&delim))))
            }
            "Fn::Select" => {
                let a = arg
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| TemplateError::at(&at, "Fn::Select takes [index, [values]]"))?;
                let idx = self.string_of(&a[0], &format!("{at}[0]"))?;
                let idx: usize = idx.parse().map_err(|_| {
                    TemplateError::at(
                        &at,
                        format!("Fn::Select index '{idx}' is not a whole number"),
                    )
                })?;
                let list = self.resolve(&a[1], &format!("{at}[1]"))?;
                let items = list
                    .as_array()
                    .ok_or_else(|| TemplateError::at(&at, "Fn::Select needs a list"))?;
                items.get(idx).cloned().map(Some).ok_or_else(|| {
                    TemplateError::at(
                        &at,
                        format!(
                            "Fn::Select index {idx} is out of range (the list has {} items)",
                            items.len()
                        ),
                    )
                })
            }
            "Fn::Split" => {
                let a = arg
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| TemplateError::at(&at, "Fn::Split takes [delimiter, string]"))?;
                let delim = a[0].as_str().unwrap_or(",").to_string();
                let s = self.string_of(&a[1], &format!("{at}[1]"))?;
                Ok(Some(Value::Array(
                    s.split(delim.as_str())
                        .map(|x| Value::String(x.into()))
                        .collect(),
                )))
            }
            "Fn::If" => {
                let a = arg.as_array().filter(|a| a.len() == 3).ok_or_else(|| {
                    TemplateError::at(
                        &at,
                        "Fn::If takes [condition, value if true, value if false]",
                    )
                })?;
                let cond = a[0]
                    .as_str()
                    .ok_or_else(|| TemplateError::at(&at, "Fn::If needs a condition name"))?;
                let branch = if self.condition(cond, &at)? { 1 } else { 2 };
                self.resolve_opt(&a[branch], &format!("{at}[{branch}]"))
            }
            "Fn::Base64" => {
                let s = self.string_of(arg, &at)?;
                Ok(Some(Value::String(crate::util::base64_encode(
                    s.as_bytes(),
                ))))
            }
            "Fn::GetAZs" => Ok(Some(Value::Array(
                ["a", "b", "c"]
                    .iter()
                    .map(|z| Value::String(format!("{}{z}", self.region)))
                    .collect(),
            ))),
            "Fn::FindInMap" => {
                let a = arg.as_array().filter(|a| a.len() == 3).ok_or_else(|| {
                    TemplateError::at(
                        &at,
                        "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]",
                    )
                })?;
                let keys: Vec<String> = (0..3)
                    .map(|i| self.string_of(&a[i], &format!("{at}[{i}]")))
                    .collect::<Result<_, _>>()?;
                self.root
                    .get("Mappings")
                    .and_then(|m| m.get(&keys[0]))
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| {
                        TemplateError::at(
                            &at,
                            format!(
                                "Fn::FindInMap: no Mappings.{}.{}.{}",
                                keys[0], keys[1], keys[2]
                            ),
                        )
                    })
            }
            "Fn::ToJsonString" => {
                let v = self.resolve(arg, &at)?;
                Ok(Some(Value::String(v.to_string())))
            }
            "Fn::Length" => {
                let v = self.resolve(arg, &at)?;
                let n = v
                    .as_array()
                    .map(Vec::len)
                    .ok_or_else(|| TemplateError::at(&at, "Fn::Length needs a list"))?;
                Ok(Some(Value::from(n)))
            }
            other => Err(TemplateError::at(
                &at,
                format!("{other} is not supported by the playground yet"),
            )),
        }
    }

    fn sub(
        &mut self,
        template: &str,
        vars: &Map<String, Value>,
        path: &str,
    ) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| {
                TemplateError::at(path, format!("Fn::Sub: unclosed '${{' in '{template}'"))
            })?;
            let name = after[..end].trim();
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                let v = v.clone();
                out.push_str(&self.string_of(&v, &format!("{path}[1].{name}"))?);
            } else if let Some((id, attr)) =
                name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                if !self.resources.contains_key(id) {
                    return Err(TemplateError::at(
                        path,
                        format!("Fn::Sub refers to unknown resource '{id}' in '${{{name}}}'"),
                    ));
                }
                match self.get_att(id, attr, path)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            } else {
                match self.reference(name, path)? {
                    Some(Value::String(s)) => out.push_str(&s),
                    Some(Value::Array(items)) => out.push_str(
                        &items
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Some(other) => out.push_str(&other.to_string()),
                    None => {}
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn single_key(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text(a) == text(b)
}
