//! IAM as the playground enforces it: the execution role of each function and state
//! machine, built from the template the way SAM and CloudFormation build it, and the
//! identity-policy check every API call from that role goes through.
//!
//! A role's statements come from SAM `Policies` (managed policy names or ARNs, SAM policy
//! templates such as `SQSSendMessagePolicy`, inline policy documents), from the policies
//! SAM adds on its own (AWSLambdaBasicExecutionRole, the event-source execution roles,
//! the dead-letter queue and typed destinations), or from an `AWS::IAM::Role` in the
//! template (`Policies`, `ManagedPolicyArns`, and `AWS::IAM::Policy` /
//! `AWS::IAM::ManagedPolicy` resources attached to it by `Roles`). Evaluation is IAM's for
//! one account: an explicit `Deny` wins, then any `Allow`, else the implicit deny.
//! Actions and resources match with `*` and `?`, actions case-insensitively. `Condition`
//! blocks are evaluated (`condition.rs`) against the request context a call from the role
//! carries: the principal (`aws:PrincipalArn`, `aws:userid`, …), the region, virtual
//! time (`aws:CurrentTime`, `aws:EpochTime`), `lambda:SourceFunctionArn` for calls made
//! with a function's credentials, and the service keys of the request (`s3:prefix`,
//! `sns:Protocol`, `events:source`, …); a key the playground does not set is absent, and
//! the template gets a warning naming it. A role defined outside the template cannot be
//! seen, so it is not enforced.
//!
//! A denied call fails with the code each service uses (`AccessDenied` for SQS and S3,
//! `AuthorizationError` for SNS, `AccessDeniedException` elsewhere) and AWS's message
//! naming the assumed role, the action and the resource; `hint` names the SAM policy
//! template that would grant it. `Metadata.Playground.Iam: off` switches checks off.

mod condition;
mod resource;

use condition::{Condition, RequestContext};

use crate::error::{AwsError, TemplateError};
use crate::template::{Model, Resource};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One statement of a policy, as written (patterns, not yet matched).
#[derive(Clone, Debug)]
struct Statement {
    allow: bool,
    actions: Vec<String>,
    not_actions: Vec<String>,
    resources: Vec<String>,
    not_resources: Vec<String>,
    condition: Condition,
}

impl Statement {
    /// Whether the statement applies to one action on one resource in this request.
    fn applies(&self, action: &str, resource: &str, ctx: &RequestContext) -> bool {
        let action_ok = if self.not_actions.is_empty() {
            self.actions.iter().any(|p| wildcard(p, action, true))
        } else {
            !self.not_actions.iter().any(|p| wildcard(p, action, true))
        };
        let resource_ok = if self.not_resources.is_empty() {
            self.resources.iter().any(|p| wildcard(p, resource, false))
        } else {
            !self
                .not_resources
                .iter()
                .any(|p| wildcard(p, resource, false))
        };
        action_ok && resource_ok && self.condition.holds(ctx)
    }
}

/// A statement of a resource policy (queue policy, topic policy, Lambda permission):
/// who may do what to the resource, under which condition.
#[derive(Clone, Debug)]
struct Grant {
    allow: bool,
    /// `*`, service principals (`sns.amazonaws.com`), role ARNs, account roots.
    principals: Vec<String>,
    actions: Vec<String>,
    condition: Condition,
}

impl Grant {
    fn applies(&self, principal: &str, action: &str, ctx: &RequestContext) -> bool {
        self.principals
            .iter()
            .any(|p| p == "*" || p.eq_ignore_ascii_case(principal))
            && self.actions.iter().any(|a| wildcard(a, action, true))
            && self.condition.holds(ctx)
    }
}

/// IAM's evaluation of the statements that apply to a request (their effects: true
/// for Allow): an explicit deny wins, then any allow, else the implicit deny.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Allowed,
    ImplicitDeny,
    ExplicitDeny,
}

fn decide(effects: impl Iterator<Item = bool>) -> Verdict {
    let mut verdict = Verdict::ImplicitDeny;
    for allow in effects {
        if !allow {
            return Verdict::ExplicitDeny;
        }
        verdict = Verdict::Allowed;
    }
    verdict
}

/// The role a principal acts with.
#[derive(Clone, Debug)]
pub struct Role {
    pub name: String,
    /// `None` for a role the template does not define: its policies cannot be seen.
    statements: Option<Vec<Statement>>,
    /// The principal is a SAM resource whose `Policies` the hint can point to.
    sam: bool,
}

/// Why a call was refused, with the hint the UI shows.
#[derive(Clone, Debug)]
pub struct Denied {
    pub error: AwsError,
    pub hint: String,
}

#[derive(Clone, Debug, Default)]
pub struct Iam {
    pub enforce: bool,
    /// Principal (logical id of a function or state machine) → (role, session name).
    principals: BTreeMap<String, (Role, String)>,
    /// Resource policies by resource ARN (functions unqualified).
    grants: BTreeMap<String, Vec<Grant>>,
    /// Queues, topics and functions of the template (a delivery to anything else is
    /// answered by its service: it does not exist).
    known: std::collections::BTreeSet<String>,
    /// Services delivering on their own (topics, buckets, rules): caller logical id →
    /// (service principal, source ARN).
    sources: BTreeMap<String, (String, String)>,
    /// The template's `AWS::IAM::Role`s by ARN.
    roles: BTreeMap<String, Role>,
    /// Physical name → logical id, so a hint can say `!GetAtt Shipping.QueueName`.
    logical: BTreeMap<String, String>,
    /// Principal → the function ARN its calls carry as `lambda:SourceFunctionArn`.
    function_arns: BTreeMap<String, String>,
    /// SAM DeploymentPreference deployments: id → `APPLICATION/GROUP`.
    deployment_groups: BTreeMap<String, String>,
    /// Deliveries a service makes with a role it was given (EventBridge targets with a
    /// RoleArn, every Scheduler target, Firehose's S3 destination): caller → (target
    /// ARN, role, session name).
    target_roles: BTreeMap<String, Vec<(String, Role, String)>>,
    account: String,
    region: String,
}

/// `Metadata.Playground.Iam`: `off` (or `false`) switches enforcement off; on by default.
fn enforced(model: &Model) -> Result<bool, TemplateError> {
    match model.playground.get("Iam") {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("off") => Ok(false),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("on") => Ok(true),
        Some(other) => Err(TemplateError::at(
            "Metadata.Playground.Iam",
            format!("Iam is `on` or `off`, found {other}"),
        )),
    }
}

impl Iam {
    pub fn from_model(model: &Model, warnings: &mut Vec<String>) -> Result<Iam, TemplateError> {
        let mut iam = Iam {
            enforce: enforced(model)?,
            principals: BTreeMap::new(),
            roles: BTreeMap::new(),
            grants: BTreeMap::new(),
            known: Default::default(),
            sources: BTreeMap::new(),
            logical: model
                .resources
                .iter()
                .map(|r| (r.physical_name.clone(), r.logical_id.clone()))
                .collect(),
            function_arns: BTreeMap::new(),
            target_roles: BTreeMap::new(),
            deployment_groups: model
                .resources
                .iter()
                .filter(|r| r.properties.get("DeploymentPreference").is_some())
                .map(|r| {
                    (
                        crate::template::deployment_id(&r.logical_id),
                        format!(
                            "{}/{}DeploymentGroup",
                            crate::template::deployment_application(&model.stack_name),
                            r.logical_id
                        ),
                    )
                })
                .collect(),
            account: model.account.clone(),
            region: model.region.clone(),
        };
        let roles = template_roles(&iam, model, warnings)?;
        iam.resource_policies(model)?;
        for r in &model.resources {
            let base = format!("Resources.{}.Properties", r.logical_id);
            let p = &r.properties;
            let role = match r.resource_type.as_str() {
                "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                    match p.get("Role").and_then(Value::as_str) {
                        Some(arn) => known_role(&roles, arn),
                        None => {
                            let lambda = r.resource_type == "AWS::Serverless::Function";
                            let mut st = Vec::new();
                            if lambda {
                                st.extend(managed("AWSLambdaBasicExecutionRole").unwrap());
                                st.extend(iam.sam_added(r));
                            }
                            st.extend(iam.sam_policies(p.get("Policies"), &base, warnings)?);
                            Role {
                                name: format!(
                                    "{}-{}Role-{}",
                                    model.stack_name,
                                    r.logical_id,
                                    crate::template::suffix(&format!("{}Role", r.logical_id))
                                ),
                                statements: Some(st),
                                sam: true,
                            }
                        }
                    }
                }
                "AWS::Lambda::Function" => match p.get("Role").and_then(Value::as_str) {
                    Some(arn) => known_role(&roles, arn),
                    None => return Err(TemplateError::at(
                        format!("{base}.Role"),
                        "Role is required: the function's execution role (e.g. !GetAtt MyRole.Arn)",
                    )),
                },
                "AWS::StepFunctions::StateMachine" => {
                    match p.get("RoleArn").and_then(Value::as_str) {
                        Some(arn) => known_role(&roles, arn),
                        None => continue,
                    }
                }
                _ => continue,
            };
            if role.statements.is_none() && iam.enforce {
                warnings.push(format!(
                    "{base}: the role {} is not defined in this template, so its permissions cannot be checked; calls made with it are allowed",
                    role.name
                ));
            }
            let session = if r.resource_type.contains("StateMachine") {
                // Step Functions names the session after nothing the user sees; a
                // stable name keeps runs reproducible.
                format!("{}-session", r.physical_name)
            } else {
                r.physical_name.clone()
            };
            if let Some(st) = &role.statements {
                for key in st.iter().flat_map(|s| s.condition.unknown_keys()) {
                    let w = format!("{base}: the role {} has a Condition on {key}, which the playground does not put in requests; it is evaluated as if the key were absent", role.name);
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
            }
            if r.resource_type.contains("Function") {
                iam.function_arns.insert(
                    r.logical_id.clone(),
                    format!(
                        "arn:aws:lambda:{}:{}:function:{}",
                        model.region, model.account, r.physical_name
                    ),
                );
            }
            iam.principals.insert(r.logical_id.clone(), (role, session));
        }
        iam.roles = roles;
        Ok(iam)
    }

    /// `caller` (a rule, schedule or delivery stream) delivers to `target_arn` with the
    /// role `role_arn`, as the service assumes it.
    pub fn target_role(&mut self, caller: &str, target_arn: &str, role_arn: &str) {
        let role = known_role(&self.roles, role_arn);
        // The services name their sessions with ids of their own; a stable one here.
        let session = format!(
            "{:016x}",
            crate::util::fnv1a(format!("{caller}{target_arn}").as_bytes())
        );
        self.target_roles
            .entry(caller.to_string())
            .or_default()
            .push((target_arn.to_string(), role, session));
    }

    /// The role a service's delivery from `caller` to one of these resources uses.
    fn target_role_of(
        &self,
        caller: &str,
        resources: &[(String, String)],
    ) -> Option<(&Role, &str)> {
        self.target_roles
            .get(caller)?
            .iter()
            .find_map(|(t, role, session)| {
                resources
                    .iter()
                    .any(|(_, r)| {
                        r == t
                            || r.starts_with(&format!("{t}/"))
                            || (r.starts_with("arn:aws:lambda:") && self.function_arn(r) == *t)
                    })
                    .then_some((role, session.as_str()))
            })
    }

    /// A function created through the API acts with the role its request names.
    pub fn adopt(&mut self, function_name: &str, role_arn: &str) {
        let role = known_role(&self.roles, role_arn);
        self.principals
            .insert(function_name.to_string(), (role, function_name.to_string()));
        self.function_arns.insert(
            function_name.to_string(),
            format!(
                "arn:aws:lambda:{}:{}:function:{function_name}",
                self.region, self.account
            ),
        );
    }

    fn sub(&self, pattern: &str) -> String {
        pattern
            .replace("${Region}", &self.region)
            .replace("${Account}", &self.account)
    }

    /// SAM `Policies`: a managed policy name or ARN, a policy template, an inline
    /// document, or a list of these.
    fn sam_policies(
        &self,
        policies: Option<&Value>,
        base: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Statement>, TemplateError> {
        let list = match policies {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
        };
        let mut out = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let path = format!("{base}.Policies[{i}]");
            match p {
                Value::String(name) => match managed(name) {
                    Some(st) => out.extend(st),
                    None => warnings.push(format!(
                        "{path}: the managed policy {name} is not known to the playground; it grants nothing here"
                    )),
                },
                Value::Object(o) if o.contains_key("Statement") => {
                    out.extend(document(p, &path)?);
                }
                Value::Object(o) if o.len() == 1 => {
                    let (name, params) = o.iter().next().unwrap();
                    match self.policy_template(name, params) {
                        Some(st) => out.extend(st),
                        None => warnings.push(format!(
                            "{path}: the policy template {name} is not known to the playground (or lacks its parameter); it grants nothing here"
                        )),
                    }
                }
                other => {
                    return Err(TemplateError::at(
                        path,
                        format!("a policy is a managed policy name, a policy template or a policy document, found {other}"),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// The SAM policy templates the playground knows, instantiated with their parameter.
    fn policy_template(&self, name: &str, params: &Value) -> Option<Vec<Statement>> {
        let (param, actions, resources): (&str, &[&str], &[&str]) = POLICY_TEMPLATES
            .iter()
            .find(|t| t.0 == name)
            .map(|t| (t.1, t.2, t.3))?;
        let value = params.get(param).and_then(Value::as_str)?;
        let resources = resources
            .iter()
            .map(|r| self.sub(&r.replace(&format!("${{{param}}}"), value)))
            .collect();
        Some(vec![allow(actions, resources)])
    }

    /// What SAM adds to a function's generated role: the execution role of its event
    /// sources, and send rights to its dead-letter queue and typed destinations.
    fn sam_added(&self, r: &Resource) -> Vec<Statement> {
        let p = &r.properties;
        let mut out = Vec::new();
        if let Some(events) = p.get("Events").and_then(Value::as_object) {
            for e in events.values() {
                let managed_name = match e.get("Type").and_then(Value::as_str) {
                    Some("SQS") => "AWSLambdaSQSQueueExecutionRole",
                    Some("Kinesis") => "AWSLambdaKinesisExecutionRole",
                    Some("DynamoDB") => "AWSLambdaDynamoDBExecutionRole",
                    _ => continue,
                };
                out.extend(managed(managed_name).unwrap());
            }
        }
        if let Some(dlq) = p.get("DeadLetterQueue") {
            let target = dlq.get("TargetArn").and_then(Value::as_str).unwrap_or("");
            let action = match dlq.get("Type").and_then(Value::as_str) {
                Some("SNS") => "sns:Publish",
                _ => "sqs:SendMessage",
            };
            out.push(allow(&[action], vec![target.to_string()]));
        }
        for when in ["OnSuccess", "OnFailure"] {
            let Some(d) = p.pointer(&format!("/EventInvokeConfig/DestinationConfig/{when}")) else {
                continue;
            };
            let dest = d.get("Destination").and_then(Value::as_str).unwrap_or("");
            let actions: &[&str] = match d.get("Type").and_then(Value::as_str) {
                Some("SQS") => &["sqs:SendMessage"],
                Some("SNS") => &["sns:Publish"],
                Some("Lambda") => &["lambda:InvokeFunction"],
                Some("EventBridge") => &["events:PutEvents"],
                Some("S3") => &["s3:PutObject", "s3:ListBucket"],
                _ => continue,
            };
            let mut resources = vec![dest.to_string()];
            if d.get("Type").and_then(Value::as_str) == Some("S3") {
                resources.push(format!("{dest}/*"));
            }
            out.push(allow(actions, resources));
        }
        out
    }

    /// Whether `principal`'s role allows one IAM action on one resource (a principal
    /// with no role the template defines, or enforcement off: yes).
    pub fn permits(&self, principal: &str, iam_action: &str, resource: &str, now_ms: u64) -> bool {
        match self.principals.get(principal) {
            Some((
                role @ Role {
                    statements: Some(st),
                    ..
                },
                session,
            )) if self.enforce => {
                let mut ctx = self.context(principal, role, session, now_ms);
                ctx.set("aws:ResourceAccount", account_of(resource, &self.account));
                decide(
                    st.iter()
                        .filter(|s| s.applies(iam_action, resource, &ctx))
                        .map(|s| s.allow),
                ) == Verdict::Allowed
            }
            _ => true,
        }
    }

    /// The request context of a call `principal` makes with `role` (without the
    /// request's own keys).
    fn context(&self, principal: &str, role: &Role, session: &str, now_ms: u64) -> RequestContext {
        let mut c = RequestContext::default();
        c.set(
            "aws:PrincipalArn",
            format!("arn:aws:iam::{}:role/{}", self.account, role.name),
        );
        c.set("aws:PrincipalAccount", self.account.clone());
        c.set("aws:PrincipalType", "AssumedRole");
        // A role's unique id starts AROA; ours is derived from its name.
        let id: String = format!("{:016X}", crate::util::fnv1a(role.name.as_bytes()))
            .chars()
            .take(17)
            .collect();
        c.set("aws:userid", format!("AROA{id}:{session}"));
        c.set("aws:RequestedRegion", self.region.clone());
        c.set("aws:SecureTransport", "true");
        c.set("aws:ViaAWSService", "false");
        c.set("aws:CurrentTime", crate::util::iso8601(now_ms));
        c.set("aws:EpochTime", (now_ms / 1000).to_string());
        if let Some(arn) = self.function_arns.get(principal) {
            c.set("lambda:SourceFunctionArn", arn.clone());
        }
        c
    }

    /// The service's own condition keys of a request.
    fn request_keys(&self, c: &mut RequestContext, service: &str, action: &str, p: &Value) {
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        match (service, action) {
            ("s3", "ListObjectsV2" | "ListObjects") => {
                c.set("s3:prefix", s("Prefix").unwrap_or_default());
                if let Some(d) = s("Delimiter") {
                    c.set("s3:delimiter", d);
                }
                let max = p.get("MaxKeys").and_then(Value::as_u64).unwrap_or(1000);
                c.set("s3:max-keys", max.to_string());
            }
            ("sns", "Subscribe") => {
                if let Some(v) = s("Protocol") {
                    c.set("sns:Protocol", v);
                }
                if let Some(v) = s("Endpoint") {
                    c.set("sns:Endpoint", v);
                }
            }
            ("lambda", "CreateEventSourceMapping" | "UpdateEventSourceMapping") => {
                if let Some(f) = s("FunctionName") {
                    let arn = if f.starts_with("arn:") {
                        f
                    } else {
                        format!(
                            "arn:aws:lambda:{}:{}:function:{f}",
                            self.region, self.account
                        )
                    };
                    c.set("lambda:FunctionArn", arn);
                }
            }
            ("events", "PutEvents") => {
                let entries = p.get("Entries").and_then(Value::as_array);
                let field = |k: &str| -> Vec<String> {
                    entries
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.get(k).and_then(Value::as_str).map(str::to_string))
                        .collect()
                };
                c.set_many("events:source", field("Source"));
                c.set_many("events:detail-type", field("DetailType"));
            }
            _ => {}
        }
    }

    /// Checks a call `caller` makes: a function's or state machine's against its role,
    /// a delivering service's against the target's resource policy. Drivers and the
    /// console (the account's administrator) pass.
    pub fn check(
        &self,
        caller: &str,
        service: &str,
        action: &str,
        params: &Value,
        token_machine: Option<&str>,
        now_ms: u64,
    ) -> Result<(), Denied> {
        if !self.enforce {
            return Ok(());
        }
        self.check_resource(caller, service, action, params)?;
        let requested = self.requested(service, action, params, token_machine);
        let Some((role, session)) = self
            .principals
            .get(caller)
            .map(|(r, s)| (r, s.as_str()))
            .or_else(|| self.target_role_of(caller, &requested))
        else {
            return Ok(());
        };
        let Some(statements) = &role.statements else {
            return Ok(());
        };
        // In one account, a resource policy naming the role allows on its own: each
        // resource's grants (a function's by its unqualified ARN).
        let grants: Vec<&[Grant]> = requested
            .iter()
            .map(|(_, resource)| {
                let key = if service == "lambda" {
                    self.function_arn(resource)
                } else {
                    resource.clone()
                };
                self.grants.get(&key).map_or(&[][..], Vec::as_slice)
            })
            .collect();
        // The request context only matters to statements with a condition: most calls
        // need none, so it is built only then.
        let conditional = statements.iter().any(|s| !s.condition.is_empty())
            || grants
                .iter()
                .flat_map(|g| g.iter())
                .any(|g| !g.condition.is_empty());
        let mut ctx = RequestContext::default();
        if conditional {
            ctx = self.context(caller, role, session, now_ms);
            self.request_keys(&mut ctx, service, action, params);
        }
        let role_arn = format!("arn:aws:iam::{}:role/{}", self.account, role.name);
        for ((iam_action, resource), grants) in requested.into_iter().zip(grants) {
            if conditional {
                ctx.set("aws:ResourceAccount", account_of(&resource, &self.account));
            }
            let identity = decide(
                statements
                    .iter()
                    .filter(|s| s.applies(&iam_action, &resource, &ctx))
                    .map(|s| s.allow),
            );
            let by_resource = decide(
                grants
                    .iter()
                    .filter(|g| g.applies(&role_arn, &iam_action, &ctx))
                    .map(|g| g.allow),
            );
            let verdict = match (identity, by_resource) {
                (Verdict::ExplicitDeny, _) => Some("an identity-based policy"),
                (_, Verdict::ExplicitDeny) => Some("a resource-based policy"),
                (Verdict::Allowed, _) | (_, Verdict::Allowed) => None,
                _ => Some(""),
            };
            if let Some(policy) = verdict {
                return Err(self.denied(
                    caller,
                    role,
                    session,
                    service,
                    &iam_action,
                    &resource,
                    (!policy.is_empty()).then_some(policy),
                ));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn denied(
        &self,
        principal: &str,
        role: &Role,
        session: &str,
        service: &str,
        iam_action: &str,
        resource: &str,
        explicit: Option<&str>,
    ) -> Denied {
        let user = format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, role.name, session
        );
        // SNS writes the action with its service prefix in capitals.
        let shown = match iam_action.split_once(':') {
            Some(("sns", a)) => format!("SNS:{a}"),
            _ => iam_action.to_string(),
        };
        let why = if let Some(policy) = explicit {
            format!("with an explicit deny in {policy}")
        } else {
            format!("because no identity-based policy allows the {shown} action")
        };
        let message = format!(
            "User: {user} is not authorized to perform: {shown} on resource: {resource} {why}"
        );
        let (code, status) = match service {
            "sqs" | "s3" => ("AccessDenied", 403),
            "sns" => ("AuthorizationError", 403),
            "lambda" => ("AccessDeniedException", 403),
            _ => ("AccessDeniedException", 400),
        };
        let hint = if let Some(policy) = explicit {
            if policy.contains("resource") {
                format!(
                    "A Deny statement in the resource policy of {resource} refuses {iam_action}."
                )
            } else {
                format!(
                    "A Deny statement in the role {} refuses {iam_action}.",
                    role.name
                )
            }
        } else {
            match self.granting_template(iam_action, resource) {
                Some(t) if role.sam => format!(
                    "The SAM policy template {t} grants {iam_action} on {resource}: add it to the Policies of {principal}."
                ),
                Some(t) => format!(
                    "Allow {iam_action} on {resource} in the role {} (SAM's policy template {t} grants it).",
                    role.name
                ),
                None => format!(
                    "Allow {iam_action} on {resource} in the role {} (a Policies statement).",
                    role.name
                ),
            }
        };
        Denied {
            error: AwsError::new(code, message, status),
            hint,
        }
    }

    /// The first policy template that, given the resource's name, allows the action —
    /// written as it goes into `Policies`.
    fn granting_template(&self, iam_action: &str, resource: &str) -> Option<String> {
        let name = name_in_arn(resource)?;
        POLICY_TEMPLATES.iter().find_map(|(t, param, _, _)| {
            let st = self.policy_template(t, &json!({ *param: name }))?;
            let value = match self.logical.get(&name) {
                Some(id) => match *param {
                    "QueueName" | "TopicName" => format!("!GetAtt {id}.{param}"),
                    "StateMachineName" => format!("!GetAtt {id}.Name"),
                    _ => format!("!Ref {id}"),
                },
                None => name.clone(),
            };
            st.iter()
                .any(|s| s.applies(iam_action, resource, &RequestContext::default()))
                .then(|| format!("{t}: {{ {param}: {value} }}"))
        })
    }

    /// The IAM actions and resource ARNs an API request needs, as the Service
    /// Authorization Reference lists them. Services the engine does not run are not
    /// checked (their calls fail as unsupported).
    fn requested(
        &self,
        service: &str,
        action: &str,
        p: &Value,
        token_machine: Option<&str>,
    ) -> Vec<(String, String)> {
        let s = |k: &str| p.get(k).and_then(Value::as_str);
        let (r, a) = (&self.region, &self.account);
        let one = |act: &str, res: String| vec![(format!("{service}:{act}"), res)];
        match service {
            "sqs" => {
                let queue = s("QueueUrl")
                    .and_then(|u| {
                        let mut parts = u.rsplit('/');
                        let name = parts.next()?;
                        let acct = parts.next()?;
                        Some(format!("arn:aws:sqs:{r}:{acct}:{name}"))
                    })
                    .or_else(|| s("QueueName").map(|n| format!("arn:aws:sqs:{r}:{a}:{n}")))
                    .or_else(|| s("SourceArn").map(String::from))
                    .unwrap_or_else(|| "*".into());
                let act = match action {
                    "SendMessageBatch" => "SendMessage",
                    "DeleteMessageBatch" => "DeleteMessage",
                    "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
                    other => other,
                };
                one(act, queue)
            }
            "lambda" => {
                let function = s("FunctionName").map(|f| {
                    let mut arn = if f.starts_with("arn:") {
                        f.to_string()
                    } else if f.contains(":function:") {
                        format!("arn:aws:lambda:{r}:{f}")
                    } else {
                        format!("arn:aws:lambda:{r}:{a}:function:{f}")
                    };
                    if let Some(q) = s("Qualifier") {
                        if arn.matches(':').count() < 7 {
                            arn = format!("{arn}:{q}");
                        }
                    }
                    arn
                });
                let act = match action {
                    "Invoke" | "InvokeAsync" => "InvokeFunction",
                    other => other,
                };
                one(act, function.unwrap_or_else(|| "*".into()))
            }
            "sns" => {
                let topic = s("TopicArn")
                    .or(s("TargetArn"))
                    .map(String::from)
                    .or_else(|| s("Name").map(|n| format!("arn:aws:sns:{r}:{a}:{n}")))
                    .unwrap_or_else(|| "*".into());
                let act = if action == "PublishBatch" {
                    "Publish"
                } else {
                    action
                };
                one(act, topic)
            }
            "states" => {
                let res = match action {
                    "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat" => {
                        token_machine.map(String::from)
                    }
                    _ => s("stateMachineArn")
                        .or(s("executionArn"))
                        .or(s("activityArn"))
                        .map(String::from),
                };
                one(action, res.unwrap_or_else(|| "*".into()))
            }
            "events" => {
                let bus = |name: &str| {
                    if name.starts_with("arn:") {
                        name.to_string()
                    } else {
                        format!("arn:aws:events:{r}:{a}:event-bus/{name}")
                    }
                };
                match (action, p.get("Entries").and_then(Value::as_array)) {
                    ("PutEvents", Some(entries)) => {
                        let mut buses: Vec<String> = entries
                            .iter()
                            .map(|e| {
                                bus(e
                                    .get("EventBusName")
                                    .and_then(Value::as_str)
                                    .unwrap_or("default"))
                            })
                            .collect();
                        buses.dedup();
                        buses
                            .into_iter()
                            .map(|b| ("events:PutEvents".to_string(), b))
                            .collect()
                    }
                    _ => one(
                        action,
                        s("EventBusName").map(bus).unwrap_or_else(|| "*".into()),
                    ),
                }
            }
            "s3" => {
                let bucket = s("Bucket").unwrap_or("*");
                let object = format!("arn:aws:s3:::{bucket}/{}", s("Key").unwrap_or(""));
                let bucket_arn = format!("arn:aws:s3:::{bucket}");
                let versioned = p.get("VersionId").is_some();
                match action {
                    "GetObject" | "HeadObject" if versioned => {
                        vec![("s3:GetObjectVersion".into(), object)]
                    }
                    "GetObject" | "HeadObject" => vec![("s3:GetObject".into(), object)],
                    "PutObject" => vec![("s3:PutObject".into(), object)],
                    "DeleteObject" if versioned => {
                        vec![("s3:DeleteObjectVersion".into(), object)]
                    }
                    "DeleteObject" => vec![("s3:DeleteObject".into(), object)],
                    "ListObjectVersions" => vec![("s3:ListBucketVersions".into(), bucket_arn)],
                    "CopyObject" => {
                        let source = s("CopySource").unwrap_or("").trim_start_matches('/');
                        vec![
                            ("s3:GetObject".into(), format!("arn:aws:s3:::{source}")),
                            ("s3:PutObject".into(), object),
                        ]
                    }
                    "ListObjectsV2" | "ListObjects" | "HeadBucket" => {
                        vec![("s3:ListBucket".into(), bucket_arn)]
                    }
                    "ListBuckets" => vec![("s3:ListAllMyBuckets".into(), "*".into())],
                    "GetBucketNotificationConfiguration" => {
                        vec![("s3:GetBucketNotification".into(), bucket_arn)]
                    }
                    "PutBucketNotificationConfiguration" => {
                        vec![("s3:PutBucketNotification".into(), bucket_arn)]
                    }
                    other => vec![(format!("s3:{other}"), bucket_arn)],
                }
            }
            "kinesis" => {
                let from_iterator =
                    s("ShardIterator").and_then(crate::services::kinesis::stream_of_iterator);
                let name = s("StreamName")
                    .or_else(|| s("StreamARN").and_then(|a| a.rsplit('/').next()))
                    .or(from_iterator.as_deref())
                    .unwrap_or("*");
                let arn = if action == "ListStreams" {
                    "*".to_string()
                } else {
                    format!("arn:aws:kinesis:{r}:{a}:stream/{name}")
                };
                one(action, arn)
            }
            "firehose" => {
                let name = s("DeliveryStreamName").unwrap_or("*");
                one(
                    action,
                    format!("arn:aws:firehose:{r}:{a}:deliverystream/{name}"),
                )
            }
            "codedeploy" => {
                let group = s("deploymentId")
                    .and_then(|d| self.deployment_groups.get(d))
                    .cloned()
                    .unwrap_or_else(|| "*".into());
                one(
                    action,
                    format!("arn:aws:codedeploy:{r}:{a}:deploymentgroup:{group}"),
                )
            }
            _ => Vec::new(),
        }
    }
}

fn known_role(roles: &BTreeMap<String, Role>, arn: &str) -> Role {
    roles.get(arn).cloned().unwrap_or_else(|| Role {
        name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
        statements: None,
        sam: false,
    })
}

/// `AWS::IAM::Role`s of the template by ARN, with the `AWS::IAM::Policy` and
/// `AWS::IAM::ManagedPolicy` resources attached to them.
fn template_roles(
    iam: &Iam,
    model: &Model,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<String, Role>, TemplateError> {
    let mut roles = BTreeMap::new();
    let mut by_name = BTreeMap::new();
    for r in model
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::IAM::Role")
    {
        let base = format!("Resources.{}.Properties", r.logical_id);
        let mut st = Vec::new();
        for (i, arn) in r
            .properties
            .get("ManagedPolicyArns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = arn.as_str().unwrap_or("");
            match managed(name) {
                Some(s) => st.extend(s),
                None if managed_arns_in_template(model).contains(&name.to_string()) => {}
                None => warnings.push(format!(
                    "{base}.ManagedPolicyArns[{i}]: the managed policy {name} is not known to the playground; it grants nothing here"
                )),
            }
        }
        for (i, p) in r
            .properties
            .get("Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let path = format!("{base}.Policies[{i}].PolicyDocument");
            st.extend(document(
                p.get("PolicyDocument").unwrap_or(&Value::Null),
                &path,
            )?);
        }
        let arn = format!("arn:aws:iam::{}:role/{}", iam.account, r.physical_name);
        by_name.insert(r.physical_name.clone(), arn.clone());
        roles.insert(
            arn,
            Role {
                name: r.physical_name.clone(),
                statements: Some(st),
                sam: false,
            },
        );
    }
    for r in model.resources.iter().filter(|r| {
        matches!(
            r.resource_type.as_str(),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
        )
    }) {
        let path = format!("Resources.{}.Properties.PolicyDocument", r.logical_id);
        let st = document(
            r.properties.get("PolicyDocument").unwrap_or(&Value::Null),
            &path,
        )?;
        let mut attached: Vec<String> = r
            .properties
            .get("Roles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        // A managed policy can also be attached through a role's ManagedPolicyArns.
        if r.resource_type == "AWS::IAM::ManagedPolicy" {
            let arn = format!("arn:aws:iam::{}:policy/{}", iam.account, r.physical_name);
            for role in model
                .resources
                .iter()
                .filter(|x| x.resource_type == "AWS::IAM::Role")
            {
                let lists = role
                    .properties
                    .get("ManagedPolicyArns")
                    .and_then(Value::as_array);
                if lists.is_some_and(|l| l.iter().any(|v| v.as_str() == Some(arn.as_str()))) {
                    attached.push(role.physical_name.clone());
                }
            }
        }
        for name in attached {
            if let Some(role) = by_name.get(&name).and_then(|arn| roles.get_mut(arn)) {
                role.statements
                    .get_or_insert_with(Vec::new)
                    .extend(st.clone());
            }
        }
    }
    Ok(roles)
}

fn managed_arns_in_template(model: &Model) -> Vec<String> {
    model
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::IAM::ManagedPolicy")
        .map(|r| format!("arn:aws:iam::{}:policy/{}", model.account, r.physical_name))
        .collect()
}

/// A policy document's statements (`Statement` one object or a list; `Action`,
/// `NotAction`, `Resource`, `NotResource` one string or a list).
fn document(doc: &Value, path: &str) -> Result<Vec<Statement>, TemplateError> {
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => {
            return Err(TemplateError::at(
                path,
                "a policy document needs a Statement (one statement or a list)",
            ))
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let at = format!("{path}.Statement[{i}]");
            let allow = match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") => true,
                Some("Deny") => false,
                other => {
                    return Err(TemplateError::at(
                        format!("{at}.Effect"),
                        format!(
                            "Effect is Allow or Deny, found {}",
                            other.unwrap_or("nothing")
                        ),
                    ))
                }
            };
            let st = Statement {
                allow,
                actions: strings(s.get("Action")),
                not_actions: strings(s.get("NotAction")),
                resources: strings(s.get("Resource")),
                not_resources: strings(s.get("NotResource")),
                condition: Condition::parse(s.get("Condition"), &format!("{at}.Condition"))?,
            };
            if st.actions.is_empty() && st.not_actions.is_empty() {
                return Err(TemplateError::at(
                    at,
                    "a statement needs Action or NotAction",
                ));
            }
            if st.resources.is_empty() && st.not_resources.is_empty() {
                return Err(TemplateError::at(
                    at,
                    "a statement needs Resource or NotResource",
                ));
            }
            Ok(st)
        })
        .collect()
}

/// The account of a resource ARN (`arn:aws:sqs:REGION:ACCOUNT:…`), else the caller's.
fn account_of(arn: &str, default: &str) -> String {
    match arn.split(':').nth(4) {
        Some(a) if !a.is_empty() && a != "*" => a.to_string(),
        _ => default.to_string(),
    }
}

/// A policy field that is one string or a list of strings (Action, Resource, …).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn allow(actions: &[&str], resources: Vec<String>) -> Statement {
    Statement {
        allow: true,
        actions: actions.iter().map(|a| a.to_string()).collect(),
        not_actions: Vec::new(),
        resources,
        not_resources: Vec::new(),
        condition: Condition::default(),
    }
}

const LOGS: [&str; 3] = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// AWS managed policies by name or ARN (the ones Lambda and Step Functions scenarios use).
fn managed(name_or_arn: &str) -> Option<Vec<Statement>> {
    let name = name_or_arn.rsplit('/').next().unwrap_or(name_or_arn);
    let all = |actions: &[&str]| Some(vec![allow(actions, vec!["*".into()])]);
    let with_logs = |actions: &[&str]| {
        let mut v: Vec<&str> = LOGS.to_vec();
        v.extend_from_slice(actions);
        Some(vec![allow(&v, vec!["*".into()])])
    };
    match name {
        "AWSLambdaBasicExecutionRole" => with_logs(&[]),
        "AWSLambdaSQSQueueExecutionRole" => with_logs(&[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
        ]),
        "AWSLambdaKinesisExecutionRole" => with_logs(&[
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "kinesis:ListStreams",
            "kinesis:SubscribeToShard",
        ]),
        "AWSLambdaDynamoDBExecutionRole" => with_logs(&[
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        ]),
        "AWSLambdaRole" => all(&["lambda:InvokeFunction"]),
        "AWSXrayWriteOnlyAccess" => all(&["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
        "AmazonSQSFullAccess" => all(&["sqs:*"]),
        "AmazonSQSReadOnlyAccess" => all(&[
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ListQueues",
            "sqs:ListDeadLetterSourceQueues",
            "sqs:ListQueueTags",
            "sqs:ListMessageMoveTasks",
        ]),
        "AmazonSNSFullAccess" => all(&["sns:*"]),
        "AmazonS3FullAccess" => all(&["s3:*", "s3-object-lambda:*"]),
        "AmazonS3ReadOnlyAccess" => all(&["s3:Get*", "s3:List*", "s3:Describe*"]),
        "AmazonDynamoDBFullAccess" => all(&["dynamodb:*"]),
        "AWSStepFunctionsFullAccess" => all(&["states:*"]),
        "AmazonEventBridgeFullAccess" => all(&["events:*", "schemas:*", "scheduler:*", "pipes:*"]),
        "AWSLambda_FullAccess" => all(&["lambda:*"]),
        "AmazonKinesisFullAccess" => all(&["kinesis:*"]),
        "AmazonKinesisFirehoseFullAccess" => all(&["firehose:*"]),
        "AdministratorAccess" | "PowerUserAccess" => all(&["*"]),
        _ => None,
    }
}

/// SAM policy templates: name, parameter, actions, resources (`${Param}`, `${Region}`,
/// `${Account}` substituted), as SAM's policy_templates.json defines them.
const POLICY_TEMPLATES: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "SQSSendMessagePolicy",
        "QueueName",
        &["sqs:SendMessage*"],
        &["arn:aws:sqs:${Region}:${Account}:${QueueName}"],
    ),
    (
        "SQSPollerPolicy",
        "QueueName",
        &[
            "sqs:ChangeMessageVisibility",
            "sqs:ChangeMessageVisibilityBatch",
            "sqs:DeleteMessage",
            "sqs:DeleteMessageBatch",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
        &["arn:aws:sqs:${Region}:${Account}:${QueueName}"],
    ),
    (
        "SNSPublishMessagePolicy",
        "TopicName",
        &["sns:Publish"],
        &["arn:aws:sns:${Region}:${Account}:${TopicName}"],
    ),
    (
        "SNSCrudPolicy",
        "TopicName",
        &[
            "sns:ListSubscriptionsByTopic",
            "sns:CreateTopic",
            "sns:SetTopicAttributes",
            "sns:Subscribe",
            "sns:Publish",
        ],
        &["arn:aws:sns:${Region}:${Account}:${TopicName}*"],
    ),
    (
        "LambdaInvokePolicy",
        "FunctionName",
        &["lambda:InvokeFunction"],
        &["arn:aws:lambda:${Region}:${Account}:function:${FunctionName}*"],
    ),
    (
        "StepFunctionsExecutionPolicy",
        "StateMachineName",
        &["states:StartExecution"],
        &["arn:aws:states:${Region}:${Account}:stateMachine:${StateMachineName}"],
    ),
    (
        "StepFunctionsCallbackPolicy",
        "StateMachineName",
        &[
            "states:SendTaskSuccess",
            "states:SendTaskFailure",
            "states:SendTaskHeartbeat",
        ],
        &["arn:aws:states:${Region}:${Account}:stateMachine:${StateMachineName}"],
    ),
    (
        "EventBridgePutEventsPolicy",
        "EventBusName",
        &["events:PutEvents"],
        &["arn:aws:events:${Region}:${Account}:event-bus/${EventBusName}"],
    ),
    (
        "S3ReadPolicy",
        "BucketName",
        &[
            "s3:GetObject",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObjectVersion",
            "s3:GetLifecycleConfiguration",
        ],
        &["arn:aws:s3:::${BucketName}", "arn:aws:s3:::${BucketName}/*"],
    ),
    (
        "S3WritePolicy",
        "BucketName",
        &[
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:PutLifecycleConfiguration",
        ],
        &["arn:aws:s3:::${BucketName}", "arn:aws:s3:::${BucketName}/*"],
    ),
    (
        "S3CrudPolicy",
        "BucketName",
        &[
            "s3:GetObject",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:GetLifecycleConfiguration",
            "s3:PutLifecycleConfiguration",
            "s3:DeleteObject",
        ],
        &["arn:aws:s3:::${BucketName}", "arn:aws:s3:::${BucketName}/*"],
    ),
    (
        "DynamoDBReadPolicy",
        "TableName",
        &[
            "dynamodb:GetItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
        ],
        &[
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}/index/*",
        ],
    ),
    (
        "DynamoDBWritePolicy",
        "TableName",
        &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
        ],
        &[
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}/index/*",
        ],
    ),
    (
        "DynamoDBCrudPolicy",
        "TableName",
        &[
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ],
        &[
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",
            "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}/index/*",
        ],
    ),
    (
        "KinesisStreamReadPolicy",
        "StreamName",
        &[
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
        ],
        &["arn:aws:kinesis:${Region}:${Account}:stream/${StreamName}"],
    ),
    (
        "FirehoseWritePolicy",
        "DeliveryStreamName",
        &["firehose:PutRecord", "firehose:PutRecordBatch"],
        &["arn:aws:firehose:${Region}:${Account}:deliverystream/${DeliveryStreamName}"],
    ),
    (
        "FirehoseCrudPolicy",
        "DeliveryStreamName",
        &[
            "firehose:CreateDeliveryStream",
            "firehose:DeleteDeliveryStream",
            "firehose:DescribeDeliveryStream",
            "firehose:PutRecord",
            "firehose:PutRecordBatch",
            "firehose:UpdateDestination",
        ],
        &["arn:aws:firehose:${Region}:${Account}:deliverystream/${DeliveryStreamName}"],
    ),
    (
        "KinesisCrudPolicy",
        "StreamName",
        &[
            "kinesis:AddTagsToStream",
            "kinesis:CreateStream",
            "kinesis:DecreaseStreamRetentionPeriod",
            "kinesis:DeleteStream",
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetShardIterator",
            "kinesis:IncreaseStreamRetentionPeriod",
            "kinesis:ListTagsForStream",
            "kinesis:MergeShards",
            "kinesis:PutRecord",
            "kinesis:PutRecords",
            "kinesis:SplitShard",
            "kinesis:RemoveTagsFromStream",
        ],
        &["arn:aws:kinesis:${Region}:${Account}:stream/${StreamName}"],
    ),
];

/// The name a policy template's parameter takes from a resource ARN (queue, topic,
/// function, state machine, bus, bucket, table, stream).
fn name_in_arn(arn: &str) -> Option<String> {
    if let Some(rest) = arn.strip_prefix("arn:aws:s3:::") {
        return Some(rest.split('/').next()?.to_string());
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let service = *parts.get(2)?;
    let tail = parts.get(5..)?;
    match service {
        "lambda" | "states" => tail.get(1).map(|s| s.to_string()),
        _ => {
            let last = tail.join(":");
            Some(match last.split_once('/') {
                Some((_, rest)) => rest.split('/').next().unwrap_or(rest).to_string(),
                None => last,
            })
        }
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` one character.
fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard("sqs:SendMessage*", "sqs:sendmessagebatch", true));
        assert!(wildcard("s3:Get*", "s3:GetObject", true));
        assert!(!wildcard("s3:Get*", "s3:PutObject", true));
        assert!(wildcard(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/a/b.txt",
            false
        ));
        assert!(!wildcard("arn:aws:s3:::b/*", "arn:aws:s3:::B/x", false));
        assert!(wildcard("a?c", "abc", false));
        assert!(wildcard("*", "", false));
    }

    #[test]
    fn names_come_out_of_arns() {
        let n = |a: &str| name_in_arn(a).unwrap();
        assert_eq!(n("arn:aws:sqs:us-east-1:123456789012:inbox"), "inbox");
        assert_eq!(
            n("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            "f"
        );
        assert_eq!(
            n("arn:aws:states:us-east-1:123456789012:stateMachine:m"),
            "m"
        );
        assert_eq!(
            n("arn:aws:events:us-east-1:123456789012:event-bus/default"),
            "default"
        );
        assert_eq!(n("arn:aws:s3:::bucket/key/x.txt"), "bucket");
        assert_eq!(n("arn:aws:dynamodb:us-east-1:1:table/t/index/i"), "t");
    }
}
