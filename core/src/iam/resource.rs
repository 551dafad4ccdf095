//! Resource policies: what a queue, topic or function lets AWS services do to it.
//! SNS, EventBridge and S3 deliver as service principals (`sns.amazonaws.com`, …); a
//! queue accepts them only if its `AWS::SQS::QueuePolicy` allows `sqs:SendMessage`, a
//! topic only with an `AWS::SNS::TopicPolicy`, a function only with an
//! `AWS::Lambda::Permission` — which SAM adds itself for a function's SNS, S3 and
//! EventBridge events. Conditions are evaluated as in identity policies, with the keys a
//! service's delivery carries (`aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOwner`,
//! `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`). A statement naming a role
//! of the template as its principal allows that role's calls on its own (one account).
//! S3 checks its destinations when the notification configuration is put, so a missing
//! permission fails the template as it fails the stack.

use super::{decide, strings, Condition, Denied, Grant, Iam, RequestContext, Verdict};
use crate::error::{AwsError, TemplateError};
use crate::template::Model;
use serde_json::Value;

/// The principals of a statement: `*`, `{AWS: * | ARN | account}`, `{Service: …}`.
fn principals(p: Option<&Value>) -> Vec<String> {
    match p {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(o)) => {
            let mut out = strings(o.get("Service"));
            for a in strings(o.get("AWS")) {
                if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
                    out.push(format!("arn:aws:iam::{a}:root"));
                } else {
                    out.push(a);
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A policy document's statements as grants; `at` is the document's template path.
fn grants_of(doc: &Value, at: &str) -> Result<Vec<Grant>, TemplateError> {
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => Vec::new(),
    };
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(Grant {
                allow: s.get("Effect").and_then(Value::as_str) != Some("Deny"),
                principals: principals(s.get("Principal")),
                actions: strings(s.get("Action")),
                condition: Condition::parse(
                    s.get("Condition"),
                    &format!("{at}.Statement[{i}].Condition"),
                )?,
            })
        })
        .collect()
}

/// `AWS::Lambda::Permission`'s SourceArn and SourceAccount, as the condition Lambda
/// writes into the function's policy.
fn permission_condition(source_arn: Option<&str>, account: Option<&str>) -> Condition {
    let mut c = serde_json::Map::new();
    if let Some(arn) = source_arn {
        c.insert(
            "ArnLike".into(),
            serde_json::json!({ "AWS:SourceArn": arn }),
        );
    }
    if let Some(a) = account {
        c.insert(
            "StringEquals".into(),
            serde_json::json!({ "AWS:SourceAccount": a }),
        );
    }
    Condition::parse(Some(&Value::Object(c)), "").unwrap_or_default()
}

impl Iam {
    /// A function ARN without its qualifier, from a name, partial or full ARN.
    pub(super) fn function_arn(&self, f: &str) -> String {
        let full = if f.starts_with("arn:") {
            f.to_string()
        } else if f.contains(":function:") {
            format!("arn:aws:lambda:{}:{f}", self.region)
        } else {
            format!(
                "arn:aws:lambda:{}:{}:function:{f}",
                self.region, self.account
            )
        };
        full.split(':').take(7).collect::<Vec<_>>().join(":")
    }

    fn queue_arn(&self, url_or_arn: &str) -> String {
        if url_or_arn.starts_with("arn:") {
            return url_or_arn.to_string();
        }
        let mut parts = url_or_arn.rsplit('/');
        let name = parts.next().unwrap_or("");
        let account = parts.next().unwrap_or(&self.account);
        format!("arn:aws:sqs:{}:{account}:{name}", self.region)
    }

    /// A service may act on a resource (what SAM's own permissions amount to).
    pub fn grant(&mut self, resource_arn: &str, service: &str, source_arn: &str) {
        let key = if resource_arn.starts_with("arn:aws:lambda:") {
            self.function_arn(resource_arn)
        } else {
            resource_arn.to_string()
        };
        self.grants.entry(key).or_default().push(Grant {
            allow: true,
            principals: vec![service.to_string()],
            actions: vec!["*".into()],
            condition: permission_condition(Some(source_arn), None),
        });
    }

    /// A caller that delivers as a service (a topic, a bucket, a rule).
    pub fn service_source(&mut self, caller: &str, service: &str, source_arn: &str) {
        self.sources.insert(
            caller.to_string(),
            (service.to_string(), source_arn.to_string()),
        );
    }

    /// Queue policies, topic policies, Lambda permissions, and what SAM adds for a
    /// function's SNS and S3 events; then S3's check of its destinations.
    pub(super) fn resource_policies(&mut self, model: &Model) -> Result<(), TemplateError> {
        for r in &model.resources {
            let p = &r.properties;
            let (region, account) = (&self.region, &self.account);
            match r.resource_type.as_str() {
                "AWS::SQS::Queue" => {
                    self.known.insert(format!(
                        "arn:aws:sqs:{region}:{account}:{}",
                        r.physical_name
                    ));
                }
                "AWS::SNS::Topic" => {
                    self.known.insert(format!(
                        "arn:aws:sns:{region}:{account}:{}",
                        r.physical_name
                    ));
                }
                "AWS::Lambda::Function" => {
                    let arn = self.function_arn(&r.physical_name);
                    self.known.insert(arn);
                }
                "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
                    let (list, queue) = if r.resource_type == "AWS::SQS::QueuePolicy" {
                        ("Queues", true)
                    } else {
                        ("Topics", false)
                    };
                    let grants = grants_of(
                        p.get("PolicyDocument").unwrap_or(&Value::Null),
                        &format!("Resources.{}.Properties.PolicyDocument", r.logical_id),
                    )?;
                    for target in strings(p.get(list)) {
                        let arn = if queue {
                            self.queue_arn(&target)
                        } else {
                            target
                        };
                        self.grants.entry(arn).or_default().extend(grants.clone());
                    }
                }
                "AWS::Lambda::Permission" => {
                    let Some(f) = p.get("FunctionName").and_then(Value::as_str) else {
                        continue;
                    };
                    let arn = self.function_arn(f);
                    let principal = strings(p.get("Principal"))
                        .into_iter()
                        .map(|a| {
                            if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
                                format!("arn:aws:iam::{a}:root")
                            } else {
                                a
                            }
                        })
                        .collect();
                    self.grants.entry(arn).or_default().push(Grant {
                        allow: true,
                        principals: principal,
                        actions: strings(p.get("Action")),
                        condition: permission_condition(
                            p.get("SourceArn").and_then(Value::as_str),
                            p.get("SourceAccount").and_then(Value::as_str),
                        ),
                    });
                }
                "AWS::Serverless::Function" => {
                    let arn = self.function_arn(&r.physical_name);
                    self.known.insert(arn.clone());
                    for e in p
                        .get("Events")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flat_map(|m| m.values())
                    {
                        let ep = e.get("Properties");
                        match e.get("Type").and_then(Value::as_str) {
                            Some("SNS") => {
                                if let Some(t) =
                                    ep.and_then(|x| x.get("Topic")).and_then(Value::as_str)
                                {
                                    self.grant(&arn, "sns.amazonaws.com", t);
                                }
                            }
                            Some("S3") => {
                                if let Some(b) =
                                    ep.and_then(|x| x.get("Bucket")).and_then(Value::as_str)
                                {
                                    self.grant(
                                        &arn,
                                        "s3.amazonaws.com",
                                        &format!("arn:aws:s3:::{b}"),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if !self.enforce {
            return Ok(());
        }
        // S3 validates each destination when the configuration is put.
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::S3::Bucket")
        {
            let source = format!("arn:aws:s3:::{}", r.physical_name);
            let Some(nc) = r.properties.get("NotificationConfiguration") else {
                continue;
            };
            for (list, key, action) in [
                ("LambdaConfigurations", "Function", "lambda:InvokeFunction"),
                ("QueueConfigurations", "Queue", "sqs:SendMessage"),
                ("TopicConfigurations", "Topic", "sns:Publish"),
            ] {
                for (i, c) in nc
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let Some(dest) = c.get(key).and_then(Value::as_str) else {
                        continue;
                    };
                    // An ARN of the wrong kind is S3's own error, reported by the bucket.
                    let kind = action.split(':').next().unwrap_or("");
                    if !dest.starts_with(&format!("arn:aws:{kind}:")) {
                        continue;
                    }
                    let resource = if key == "Function" {
                        self.function_arn(dest)
                    } else {
                        dest.to_string()
                    };
                    if !self.resource_allows(&resource, "s3.amazonaws.com", action, &source) {
                        return Err(TemplateError::at(
                            format!("Resources.{}.Properties.NotificationConfiguration.{list}[{i}].{key}", r.logical_id),
                            format!("InvalidArgument: Unable to validate the following destination configurations ({dest}): S3 may not {action} there — {}", resource_hint(&resource, "s3.amazonaws.com", action, &source)),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn resource_allows(&self, resource: &str, service: &str, action: &str, source: &str) -> bool {
        let grants = self.grants.get(resource).map(Vec::as_slice).unwrap_or(&[]);
        let ctx = self.service_context(service, source);
        decide(
            grants
                .iter()
                .filter(|g| g.applies(service, action, &ctx))
                .map(|g| g.allow),
        ) == Verdict::Allowed
    }

    /// The request context of a delivery a service makes on behalf of `source`.
    fn service_context(&self, service: &str, source: &str) -> RequestContext {
        let mut c = RequestContext::default();
        c.set("aws:SourceArn", source);
        c.set("aws:SourceAccount", self.account.clone());
        c.set("aws:SourceOwner", self.account.clone());
        c.set("aws:PrincipalIsAWSService", "true");
        c.set("aws:PrincipalServiceName", service);
        c.set("aws:SecureTransport", "true");
        c.set("aws:RequestedRegion", self.region.clone());
        c
    }

    /// A delivery by a service (caller a topic, bucket or rule) to a queue, topic or
    /// function: the target's resource policy must allow it.
    pub(super) fn check_resource(
        &self,
        caller: &str,
        service: &str,
        action: &str,
        params: &Value,
    ) -> Result<(), Denied> {
        let Some((principal, source)) = self.sources.get(caller) else {
            return Ok(());
        };
        for (iam_action, resource) in self.requested(service, action, params, None) {
            let resource = if service == "lambda" {
                self.function_arn(&resource)
            } else {
                resource
            };
            if !matches!(service, "sqs" | "sns" | "lambda") || !self.known.contains(&resource) {
                continue;
            }
            if self.resource_allows(&resource, principal, &iam_action, source) {
                continue;
            }
            let shown = match iam_action.split_once(':') {
                Some(("sns", a)) => format!("SNS:{a}"),
                _ => iam_action.clone(),
            };
            let error = match service {
                "sqs" => AwsError::new(
                    "AccessDenied",
                    format!(
                        "Access to the resource https://sqs.{}.amazonaws.com/ is denied.",
                        self.region
                    ),
                    403,
                ),
                "sns" => AwsError::new(
                    "AuthorizationError",
                    format!("User: {principal} is not authorized to perform: {shown} on resource: {resource}"),
                    403,
                ),
                _ => AwsError::new(
                    "AccessDeniedException",
                    format!("User: {principal} is not authorized to perform: {shown} on resource: {resource} because no resource-based policy allows the {shown} action"),
                    403,
                ),
            };
            return Err(Denied {
                error,
                hint: resource_hint(&resource, principal, &iam_action, source),
            });
        }
        Ok(())
    }
}

/// What to add so the service may deliver.
fn resource_hint(resource: &str, service: &str, action: &str, source: &str) -> String {
    let what = if resource.starts_with("arn:aws:sqs:") {
        "an AWS::SQS::QueuePolicy on the queue"
    } else if resource.starts_with("arn:aws:sns:") {
        "an AWS::SNS::TopicPolicy on the topic"
    } else {
        "an AWS::Lambda::Permission for the function (SAM adds it for the function's own SNS, S3 and EventBridge events)"
    };
    format!("{what} must allow the principal {service} to {action} on {resource} (Condition ArnEquals aws:SourceArn: {source}).")
}

#[cfg(test)]
mod tests {
    use super::super::wildcard;
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_with_service_principals_and_source_conditions() {
        let g = grants_of(
            &json!({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}}}]}),
            "PolicyDocument",
        )
        .unwrap();
        let ctx = |source: &str| {
            let mut c = RequestContext::default();
            c.set("aws:SourceArn", source);
            c
        };
        assert!(g[0].applies(
            "sns.amazonaws.com",
            "sqs:SendMessage",
            &ctx("arn:aws:sns:us-east-1:1:t")
        ));
        assert!(!g[0].applies(
            "sns.amazonaws.com",
            "sqs:SendMessage",
            &ctx("arn:aws:sns:us-east-1:1:other")
        ));
        assert!(!g[0].applies(
            "events.amazonaws.com",
            "sqs:SendMessage",
            &ctx("arn:aws:sns:us-east-1:1:t")
        ));
        assert!(wildcard("SQS:*", "sqs:SendMessage", true));
    }
}
