//! AWS Lambda: functions with Node.js handlers, execution environments (cold start with
//! an Init Duration, warm reuse keeping globals), synchronous (`RequestResponse`),
//! asynchronous (`Event`, with Lambda's two retries one and two minutes apart) and
//! `DryRun` invocations, timeouts, concurrency limits and throttling, CloudWatch-style
//! log lines, and SQS event source mappings (the poller). The runtime model — how long
//! init and handler code take in virtual time — is documented in ARCHITECTURE.md.

mod asynchronous;
mod deploy;
mod esm;
pub(crate) mod instrument;
mod manage;
pub(crate) mod runtime;
mod streams;

pub(crate) use esm::EsmWaiter;
pub(crate) use streams::StreamWaiter;

/// Answers the Lambda service waits for.
#[derive(Debug, Clone)]
pub(crate) enum LambdaWaiter {
    /// A step of an event source mapping's poller.
    Esm(EsmWaiter),
    /// A step of a Kinesis stream mapping's shard reader.
    Stream(streams::StreamWaiter),
    /// An AWS call made by handler code (through the SDK shim).
    Sdk { env: usize, seq: u64, call: u32 },
    /// A destination or dead-letter delivery of an asynchronous event.
    Delivery { function: usize, dead_letter: bool },
}

/// Virtual time an SDK call from handler code takes to reach the service (ms).
pub const SDK_LATENCY_MS: (f64, f64) = (3.0, 9.0);

use super::{Event, Outcome, Waiter};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, Micros, US_PER_MS};
use crate::template::{num_prop, Model};
use crate::trace::TraceKind;
use crate::util::{iso8601, req_str};
use runtime::{JsEnv, RunState};
use serde_json::{json, Value};

/// Synchronous invocation payload limit (6 MB).
pub const MAX_SYNC_PAYLOAD: usize = 6_291_456;
/// Asynchronous invocation payload limit: 1 MB since 2026 (256 KB before).
pub const MAX_ASYNC_PAYLOAD: usize = 1_048_576;
/// Default account concurrency.
pub const ACCOUNT_CONCURRENCY: usize = 1_000;
/// Scaling rate (Lambda developer guide, 2026): each function can add up to 1,000
/// execution environments every 10 seconds, refilled continuously.
const SCALE_BURST: f64 = 1_000.0;
const SCALE_WINDOW_S: f64 = 10.0;

#[derive(Debug)]
pub(crate) enum LambdaEvent {
    InitDone {
        env: usize,
        seq: u64,
    },
    Timer {
        env: usize,
        seq: u64,
        timer: u32,
    },
    Complete {
        env: usize,
        seq: u64,
    },
    Timeout {
        env: usize,
        seq: u64,
    },
    /// An asynchronous event taken from the function's internal queue (first try or retry).
    AsyncAttempt {
        function: usize,
        event: Box<AsyncEvent>,
    },
    /// An event source mapping's batching window ended (the Sim hands it the queue).
    BatchWindow {
        esm: usize,
        window: u64,
    },
    /// A CodeDeploy deployment's next traffic step.
    DeploymentStep {
        function: usize,
        step: usize,
    },
    /// A deployment alarm's evaluation period ended.
    AlarmCheck {
        function: usize,
        alarm: usize,
    },
    /// A lifecycle hook's hour to report its status is over.
    HookTimeout {
        function: usize,
        run: u64,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct AsyncEvent {
    request_id: String,
    /// The version that runs it (an alias is resolved when the event is accepted).
    version: String,
    payload: String,
    attempt: u32,
    caller: String,
    enqueued_us: Micros,
    throttles: u32,
}

pub(crate) struct Function {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    code: String,
    handler_export: String,
    runtime: String,
    timeout_s: u64,
    memory_mb: u64,
    env_vars: Vec<(String, String)>,
    reserved: Option<usize>,
    async_config: asynchronous::AsyncConfig,
    metrics: FunctionMetrics,
    logs: Vec<String>,
    /// Published versions are numbered 1..=versions (each a snapshot of $LATEST).
    versions: u32,
    aliases: std::collections::BTreeMap<String, Alias>,
    /// Invocations per ExecutedVersion (CloudWatch's ExecutedVersion dimension).
    by_version: std::collections::BTreeMap<String, u64>,
    /// ProvisionedConcurrencyConfig: (version, environments).
    provisioned: Option<(String, usize)>,
    /// The scaling rate: new environments a function may still add now (a bucket of
    /// 1,000 refilled at 100 per second), and when it was last refilled.
    scale_tokens: f64,
    scale_at: Micros,
    /// EphemeralStorage.Size: /tmp in MB (512–10,240).
    tmp_mb: u64,
    /// The files of the function's layers, as they appear under /opt (path, text).
    layer_files: Vec<(String, String)>,
    /// The execution role's ARN (the template's `Role`, or the one SAM generates).
    role: String,
    /// DeleteFunction removed it (kept so indices stay valid; `find` skips it).
    deleted: bool,
    /// Versions removed by DeleteFunction with a Qualifier.
    deleted_versions: std::collections::BTreeSet<u32>,
    /// A function made by CreateFunction is Pending until then.
    active_at: Micros,
    /// Code of versions published from other code than $LATEST's (a deployment's old
    /// version).
    version_code: std::collections::BTreeMap<String, String>,
    /// SAM DeploymentPreference: the CodeDeploy deployment of this run.
    deployment: Option<deploy::Deployment>,
}

impl Function {
    /// A function with Lambda's defaults (3 s, 128 MB, 512 MB /tmp, no environment).
    fn blank(name: &str, arn: &str, code: &str, export: &str, runtime: &str, role: &str) -> Self {
        Function {
            logical_id: name.to_string(),
            name: name.to_string(),
            arn: arn.to_string(),
            code: code.to_string(),
            handler_export: export.to_string(),
            runtime: runtime.to_string(),
            timeout_s: 3,
            memory_mb: 128,
            env_vars: Vec::new(),
            reserved: None,
            async_config: Default::default(),
            metrics: FunctionMetrics::default(),
            logs: Vec::new(),
            versions: 0,
            aliases: Default::default(),
            by_version: Default::default(),
            provisioned: None,
            scale_tokens: SCALE_BURST,
            scale_at: 0,
            tmp_mb: 512,
            layer_files: Vec::new(),
            role: role.to_string(),
            deleted: false,
            deleted_versions: Default::default(),
            active_at: 0,
            version_code: Default::default(),
            deployment: None,
        }
    }
}

/// Lambda's limit on the function's code and its layers, unzipped.
const UNZIPPED_LIMIT: usize = 262_144_000;

/// The files of a function's layers (at most five), from the layer resources of the
/// template: `Metadata.Playground.Files` maps a path inside the layer
/// (`nodejs/node_modules/greet/index.js`) to its text; it appears under `/opt`. Layers
/// later in the list win when two provide the same path, as Lambda extracts them in
/// order. A layer ARN not in the template contributes nothing (its code is not here).
fn layer_files(
    model: &Model,
    p: &Value,
    path: &str,
    code_len: usize,
) -> Result<Vec<(String, String)>, TemplateError> {
    let Some(list) = p.get("Layers") else {
        return Ok(Vec::new());
    };
    let arns = list.as_array().ok_or_else(|| {
        TemplateError::at(
            format!("{path}.Layers"),
            "Layers must be a list of layer version ARNs",
        )
    })?;
    if arns.len() > 5 {
        return Err(TemplateError::at(
            format!("{path}.Layers"),
            "InvalidParameterValueException: Cannot reference more than 5 layers.",
        ));
    }
    let mut files: std::collections::BTreeMap<String, String> = Default::default();
    for (i, arn) in arns.iter().enumerate() {
        let arn = arn.as_str().ok_or_else(|| {
            TemplateError::at(
                format!("{path}.Layers[{i}]"),
                "a layer is given by its version ARN",
            )
        })?;
        let name = arn
            .split(":layer:")
            .nth(1)
            .and_then(|s| s.split(':').next());
        let layer = model.resources.iter().find(|r| {
            r.resource_type.ends_with("::LayerVersion") && Some(r.physical_name.as_str()) == name
        });
        let Some(layer) = layer else { continue };
        let given = model
            .raw
            .pointer(&format!(
                "/Resources/{}/Metadata/Playground/Files",
                layer.logical_id
            ))
            .and_then(Value::as_object);
        for (file, text) in given.into_iter().flatten() {
            let text = text.as_str().ok_or_else(|| {
                TemplateError::at(
                    format!(
                        "Resources.{}.Metadata.Playground.Files.{file}",
                        layer.logical_id
                    ),
                    "a layer file's content is text",
                )
            })?;
            files.insert(
                format!("/opt/{}", file.trim_start_matches('/')),
                text.to_string(),
            );
        }
    }
    let size = code_len + files.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    if size > UNZIPPED_LIMIT {
        return Err(TemplateError::at(
            format!("{path}.Layers"),
            format!("InvalidParameterValueException: Function code combined with layers exceeds the maximum allowed size of {UNZIPPED_LIMIT} bytes. The actual size is {size} bytes."),
        ));
    }
    Ok(files.into_iter().collect())
}

/// An alias: a name for a version, optionally sending a share of traffic to a second
/// version (RoutingConfig.AdditionalVersionWeights).
#[derive(Clone, Debug)]
pub(crate) struct Alias {
    version: String,
    additional: Option<(String, f64)>,
}

#[derive(Default, Clone, Copy)]
struct FunctionMetrics {
    invocations: u64,
    errors: u64,
    throttles: u64,
    max_concurrency: usize,
    duration_ms: f64,
    async_received: u64,
    async_dropped: u64,
    dead_letter_errors: u64,
    destination_failures: u64,
    pc_invocations: u64,
    pc_spillover: u64,
    pc_max_busy: usize,
    /// Kinesis mappings: the largest IteratorAge seen (ms).
    iterator_age_ms: f64,
}

#[derive(Debug)]
enum Completion {
    Sync(Waiter),
    Async(AsyncEvent),
}

struct Invocation {
    request_id: String,
    version: String,
    payload: String,
    completion: Completion,
    caller: String,
    start_us: Micros,
    init_ms: Option<f64>,
    /// The handler's settled result, waiting for its modelled compute time to pass.
    result: Option<Result<String, String>>,
    /// `LogType: Tail`: return the last 4 KB of this invocation's log lines.
    tail: bool,
    /// Where this invocation's lines start in the function's log.
    log_from: usize,
}

enum EnvState {
    Initializing,
    Idle,
    Busy,
    Gone,
}

struct ExecEnv {
    function: usize,
    version: String,
    /// Pre-initialised by provisioned concurrency (never a cold start).
    provisioned: bool,
    js: Option<JsEnv>,
    state: EnvState,
    seq: u64,
    current: Option<Invocation>,
    log_stream: String,
    cleared: Vec<u32>,
    /// The function's configuration changed while this environment was busy: it is
    /// retired when the invocation ends (Lambda starts new environments after an update).
    stale: bool,
}

pub(crate) struct Lambda {
    pub functions: Vec<Function>,
    envs: Vec<ExecEnv>,
    pub(crate) esms: Vec<esm::Esm>,
    pub(crate) streams: Vec<streams::StreamMapping>,
    account_limit: usize,
    /// The account's code storage in bytes (`Metadata.Playground.Account.CodeStorage`).
    code_storage: u64,
    region: String,
    account: String,
}

fn not_found(arn: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Function not found: {arn}"),
        404,
    )
}

impl Lambda {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut functions = Vec::new();
        for r in &model.resources {
            if r.resource_type != "AWS::Serverless::Function"
                && r.resource_type != "AWS::Lambda::Function"
            {
                continue;
            }
            let path = format!("Resources.{}.Properties", r.logical_id);
            let p = &r.properties;
            let runtime = p
                .get("Runtime")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if !runtime.starts_with("nodejs") {
                return Err(TemplateError::at(
                    format!("{path}.Runtime"),
                    format!("Runtime '{runtime}' does not run in the playground yet: handlers run on Node.js (nodejs20.x, nodejs22.x)"),
                ));
            }
            let code = if r.resource_type == "AWS::Serverless::Function" {
                p.get("InlineCode").and_then(Value::as_str)
            } else {
                p.get("Code")
                    .and_then(|c| c.get("ZipFile"))
                    .and_then(Value::as_str)
            };
            let code_key = if r.resource_type == "AWS::Serverless::Function" {
                "InlineCode"
            } else {
                "Code.ZipFile"
            };
            let code = code.ok_or_else(|| {
                TemplateError::at(
                    format!("{path}.{code_key}"),
                    "the playground runs inline code only: add the handler's code here",
                )
            })?;
            let handler = p
                .get("Handler")
                .and_then(Value::as_str)
                .unwrap_or("index.handler");
            let handler_export = handler
                .rsplit_once('.')
                .map(|(_, h)| h)
                .unwrap_or(handler)
                .to_string();
            let timeout = num_prop(p, "Timeout", &path)?.unwrap_or(3.0);
            if !(1.0..=900.0).contains(&timeout) {
                return Err(TemplateError::at(
                    format!("{path}.Timeout"),
                    format!("InvalidParameterValueException: Timeout must be between 1 and 900 seconds, got {timeout}"),
                ));
            }
            let memory = num_prop(p, "MemorySize", &path)?.unwrap_or(128.0);
            if !(128.0..=10_240.0).contains(&memory) {
                return Err(TemplateError::at(
                    format!("{path}.MemorySize"),
                    format!("InvalidParameterValueException: MemorySize must be between 128 and 10240 MB, got {memory}"),
                ));
            }
            let reserved = num_prop(p, "ReservedConcurrentExecutions", &path)?.map(|v| v as usize);
            let tmp_mb = num_prop(
                p.get("EphemeralStorage").unwrap_or(&Value::Null),
                "Size",
                &format!("{path}.EphemeralStorage"),
            )?
            .unwrap_or(512.0);
            if !(512.0..=10_240.0).contains(&tmp_mb) {
                return Err(TemplateError::at(
                    format!("{path}.EphemeralStorage.Size"),
                    format!("InvalidParameterValueException: EphemeralStorage Size must be between 512 and 10240 MB, got {tmp_mb}"),
                ));
            }
            let tmp_mb = tmp_mb as u64;
            let mut env_vars = Vec::new();
            if let Some(vars) = p
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_object)
            {
                for (k, v) in vars {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    env_vars.push((k.clone(), text));
                }
            }
            let name = r.physical_name.clone();
            let role = p.get("Role").and_then(Value::as_str).map_or_else(
                || {
                    format!(
                        "arn:aws:iam::{}:role/{}-{}Role-{}",
                        model.account,
                        model.stack_name,
                        r.logical_id,
                        crate::template::suffix(&format!("{}Role", r.logical_id))
                    )
                },
                str::to_string,
            );
            let arn = format!(
                "arn:aws:lambda:{}:{}:function:{}",
                model.region, model.account, name
            );
            let mut f = Function::blank(&name, &arn, code, &handler_export, &runtime, &role);
            f.logical_id = r.logical_id.clone();
            f.timeout_s = timeout as u64;
            f.memory_mb = memory as u64;
            f.env_vars = env_vars;
            f.reserved = reserved;
            f.async_config = asynchronous::config_of(r)?;
            f.tmp_mb = tmp_mb;
            f.layer_files = layer_files(model, p, &path, code.len())?;
            functions.push(f);
        }
        let account = model.playground.get("Account");
        let account_limit = account
            .and_then(|a| a.get("ConcurrentExecutions"))
            .and_then(Value::as_u64)
            .map(|v| v as usize)
            .unwrap_or(ACCOUNT_CONCURRENCY);
        let mut lambda = Lambda {
            functions,
            envs: Vec::new(),
            esms: Vec::new(),
            streams: Vec::new(),
            account_limit,
            code_storage: account
                .and_then(|a| a.get("CodeStorage"))
                .and_then(Value::as_u64)
                .unwrap_or(manage::CODE_STORAGE),
            region: model.region.clone(),
            account: model.account.clone(),
        };
        // Lambda keeps at least 100 of the account's concurrency unreserved.
        let mut reserved_total = 0;
        for f in &lambda.functions {
            reserved_total += f.reserved.unwrap_or(0);
            if f.reserved.is_some() && reserved_total + 100 > lambda.account_limit {
                return Err(TemplateError::at(
                    format!("Resources.{}.Properties.ReservedConcurrentExecutions", f.logical_id),
                    "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
                ));
            }
        }
        asynchronous::apply_event_invoke_configs(&mut lambda, &model.resources)?;
        lambda.versions_from_model(model)?;
        if let Err(e) = lambda.check_code_storage(0) {
            let last = lambda
                .functions
                .last()
                .map_or("", |f| f.logical_id.as_str());
            return Err(TemplateError::at(
                format!("Resources.{last}"),
                format!("{}: {} (the account stores {} bytes of code; Metadata.Playground.Account.CodeStorage is {})", e.code, e.message, lambda.code_storage_used(), lambda.code_storage),
            ));
        }
        lambda.esms = esm::from_model(model, &lambda)?;
        lambda.streams = streams::from_model(model, &lambda)?;
        Ok(lambda)
    }

    /// Finds a function by name, ARN (optionally qualified) or partial ARN.
    pub fn find(&self, key: &str) -> Option<usize> {
        let name = if let Some(rest) = key.strip_prefix("arn:aws:lambda:") {
            let parts: Vec<&str> = rest.split(':').collect();
            parts.get(3).copied().unwrap_or("")
        } else if let Some((_, n)) = key.split_once(":function:") {
            n.split(':').next().unwrap_or(n)
        } else {
            key.split(':').next().unwrap_or(key)
        };
        self.functions
            .iter()
            .position(|f| f.name == name && !f.deleted)
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
        waiter: Waiter,
    ) -> Outcome {
        match action {
            "Invoke" => self.invoke(k, caller, p, waiter),
            "GetFunction" | "GetFunctionConfiguration" => {
                Outcome::Done(self.get_function(p, action))
            }
            "UpdateFunctionConfiguration" => Outcome::Done(self.update_configuration(p)),
            "CreateFunction" => Outcome::Done(self.create_function(k, p)),
            "DeleteFunction" => Outcome::Done(self.delete_function(p)),
            "PutFunctionConcurrency" | "GetFunctionConcurrency" | "DeleteFunctionConcurrency" => {
                Outcome::Done(self.concurrency_api(action, p))
            }
            "ListFunctions" => Outcome::Done(Ok(json!({
                "Functions": self.functions.iter().filter(|f| !f.deleted).map(|f| self.configuration(f)).collect::<Vec<_>>()
            }))),
            "PublishVersion"
            | "ListVersionsByFunction"
            | "CreateAlias"
            | "UpdateAlias"
            | "GetAlias"
            | "ListAliases" => Outcome::Done(self.versions_api(action, p)),
            "ListEventSourceMappings" => Outcome::Done(Ok(json!({
                "EventSourceMappings": self.esms.iter().map(|e| e.describe(self))
                    .chain((0..self.streams.len()).map(|m| self.describe_stream_mapping(m)))
                    .collect::<Vec<_>>()
            }))),
            other => Outcome::Done(Err(super::unsupported("lambda", other))),
        }
    }

    fn configuration(&self, f: &Function) -> Value {
        json!({
            "FunctionName": f.name,
            "FunctionArn": f.arn,
            "Runtime": f.runtime,
            "Handler": format!("index.{}", f.handler_export),
            "Timeout": f.timeout_s,
            "MemorySize": f.memory_mb,
            "Role": f.role,
            "CodeSize": f.code.len(),
            "Version": "$LATEST",
            "State": "Active",
            "PackageType": "Zip",
            "Environment": { "Variables": f.env_vars.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<String, Value>>() },
        })
    }

    fn get_function(&self, p: &Value, action: &str) -> Result<Value, AwsError> {
        let key = req_str(p, "FunctionName")?;
        let fi = self
            .find(key)
            .ok_or_else(|| not_found(&self.arn_for(key)))?;
        let f = &self.functions[fi];
        let cfg = self.configuration(f);
        if action == "GetFunction" {
            let mut out = json!({ "Configuration": cfg });
            if let Some(r) = f.reserved {
                out["Concurrency"] = json!({"ReservedConcurrentExecutions": r});
            }
            Ok(out)
        } else {
            Ok(cfg)
        }
    }

    fn arn_for(&self, key: &str) -> String {
        if key.starts_with("arn:") {
            key.to_string()
        } else {
            format!(
                "arn:aws:lambda:{}:{}:function:{}",
                self.region, self.account, key
            )
        }
    }

    fn busy(&self, fi: Option<usize>) -> usize {
        self.envs
            .iter()
            .filter(|e| {
                matches!(e.state, EnvState::Busy)
                    || (matches!(e.state, EnvState::Initializing) && e.current.is_some())
            })
            .filter(|e| fi.is_none_or(|f| e.function == f))
            .count()
    }

    fn invoke(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
        waiter: Waiter,
    ) -> Outcome {
        let key = match req_str(p, "FunctionName") {
            Ok(key) => key,
            Err(e) => return Outcome::Done(Err(e)),
        };
        let Some(fi) = self.find(key) else {
            return Outcome::Done(Err(not_found(&self.arn_for(key))));
        };
        if let Err(e) = self.pending(k, fi) {
            return Outcome::Done(Err(e));
        }
        let qualifier = p.get("Qualifier").and_then(Value::as_str).or_else(|| {
            let name_part = key.rsplit_once(":function:").map(|(_, n)| n).unwrap_or(key);
            name_part.split_once(':').map(|(_, q)| q)
        });
        let version = match self.resolve(k, fi, qualifier) {
            Ok(v) => v,
            Err(e) => return Outcome::Done(Err(e)),
        };
        let payload = match p.get("Payload") {
            None | Some(Value::Null) => "{}".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        if serde_json::from_str::<Value>(&payload).is_err() {
            return Outcome::Done(Err(AwsError::client(
                "InvalidRequestContentException",
                "Could not parse request body into json: Could not parse payload into json",
            )));
        }
        let ty = p
            .get("InvocationType")
            .and_then(Value::as_str)
            .unwrap_or("RequestResponse");
        match ty {
            "DryRun" => Outcome::Done(Ok(json!({"StatusCode": 204}))),
            "Event" => {
                if payload.len() > MAX_ASYNC_PAYLOAD {
                    return Outcome::Done(Err(AwsError::new(
                        "RequestEntityTooLargeException",
                        format!("Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeAsync operation"),
                        413,
                    )));
                }
                let event = AsyncEvent {
                    version: version.clone(),
                    request_id: k.rng.uuid(),
                    payload,
                    attempt: 0,
                    caller: caller.to_string(),
                    enqueued_us: k.now(),
                    throttles: 0,
                };
                self.functions[fi].metrics.async_received += 1;
                let lid = self.functions[fi].logical_id.clone();
                k.record(TraceKind::Delivery, caller, &lid, "queued for asynchronous invocation".into(), json!({"RequestId": event.request_id}));
                k.schedule(0, Event::Lambda(LambdaEvent::AsyncAttempt { function: fi, event: Box::new(event) }));
                Outcome::Done(Ok(json!({"StatusCode": 202})))
            }
            "RequestResponse" => {
                if payload.len() > MAX_SYNC_PAYLOAD {
                    return Outcome::Done(Err(AwsError::new(
                        "RequestEntityTooLargeException",
                        format!("Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation"),
                        413,
                    )));
                }
                let tail = match p.get("LogType").and_then(Value::as_str) {
                    None | Some("None") => false,
                    Some("Tail") => true,
                    Some(other) => {
                        return Outcome::Done(Err(AwsError::client(
                            "InvalidParameterValueException",
                            format!("1 validation error detected: Value '{other}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"),
                        )))
                    }
                };
                if let Err(e) = self.admit(k, fi, caller) {
                    return Outcome::Done(Err(e));
                }
                let inv = Invocation {
                    version,
                    request_id: k.rng.uuid(),
                    payload,
                    completion: Completion::Sync(waiter),
                    caller: caller.to_string(),
                    start_us: 0,
                    init_ms: None,
                    result: None,
                    tail,
                    log_from: 0,
                };
                self.dispatch(k, fi, inv);
                Outcome::Pending
            }
            other => Outcome::Done(Err(AwsError::client(
                "InvalidParameterValueException",
                format!("1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
            ))),
        }
    }

    /// Concurrency check: reserved concurrency of the function, then the account's
    /// unreserved pool. A refusal is counted in the Throttles metric.
    fn admit(&mut self, k: &mut Kernel<Event>, fi: usize, caller: &str) -> Result<(), AwsError> {
        let has_idle = self
            .envs
            .iter()
            .any(|e| e.function == fi && matches!(e.state, EnvState::Idle));
        let reserved = self.functions[fi].reserved;
        let busy_here = self.busy(Some(fi));
        let reason = match reserved {
            Some(r) if busy_here >= r => Some("ReservedFunctionConcurrentInvocationLimitExceeded"),
            _ if !has_idle && self.busy(None) >= self.account_limit => {
                Some("ConcurrentInvocationLimitExceeded")
            }
            // A new environment is needed: the function's scaling rate must allow it.
            _ if !has_idle && !self.scale_token(fi, k.now()) => {
                Some("FunctionInvocationRateLimitExceeded")
            }
            _ => None,
        };
        if let Some(reason) = reason {
            let lid = self.functions[fi].logical_id.clone();
            self.functions[fi].metrics.throttles += 1;
            k.record(
                TraceKind::Throttle,
                caller,
                &lid,
                format!("throttled: {reason}"),
                json!({"Reason": reason}),
            );
            return Err(AwsError::new(
                "TooManyRequestsException",
                "Rate Exceeded.",
                429,
            ));
        }
        Ok(())
    }

    /// Takes one token from the function's scaling bucket: each function can add up to
    /// 1,000 execution environments every 10 seconds, refilled continuously.
    fn scale_token(&mut self, fi: usize, now: Micros) -> bool {
        let f = &mut self.functions[fi];
        let elapsed_s = (now - f.scale_at) as f64 / 1_000_000.0;
        f.scale_tokens =
            (f.scale_tokens + elapsed_s * SCALE_BURST / SCALE_WINDOW_S).min(SCALE_BURST);
        f.scale_at = now;
        if f.scale_tokens >= 1.0 {
            f.scale_tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Runs an admitted invocation on an idle environment, or on a new one (cold start).
    fn dispatch(&mut self, k: &mut Kernel<Event>, fi: usize, mut inv: Invocation) {
        inv.log_from = self.functions[fi].logs.len();
        let lid = self.functions[fi].logical_id.clone();
        k.record(
            TraceKind::Invoke,
            &inv.caller,
            &lid,
            "invoke".into(),
            json!({"RequestId": inv.request_id}),
        );
        let idle = |e: &ExecEnv, provisioned: bool| {
            e.function == fi
                && e.version == inv.version
                && e.provisioned == provisioned
                && matches!(e.state, EnvState::Idle)
        };
        let pc_here = self.functions[fi]
            .provisioned
            .as_ref()
            .is_some_and(|(v, _)| *v == inv.version);
        let pick = self
            .envs
            .iter()
            .position(|e| idle(e, true))
            .or_else(|| self.envs.iter().position(|e| idle(e, false)));
        if pc_here {
            let m = &mut self.functions[fi].metrics;
            match pick.map(|ei| self.envs[ei].provisioned) {
                Some(true) => m.pc_invocations += 1,
                _ => m.pc_spillover += 1,
            }
        }
        if let Some(ei) = pick {
            self.envs[ei].current = Some(inv);
            self.envs[ei].state = EnvState::Busy;
            self.note_concurrency(fi);
            self.start(k, ei);
            return;
        }
        let ei = self.envs.len();
        let f = &self.functions[fi];
        let init_ms = init_duration_ms(&mut k.rng, f.memory_mb, f.code.len());
        let stream = format!("1970/01/01/[{}]{}", inv.version, k.rng.hex(32));
        self.envs.push(ExecEnv {
            provisioned: false,
            function: fi,
            version: inv.version.clone(),
            js: None,
            state: EnvState::Initializing,
            seq: 0,
            current: None,
            log_stream: stream,
            cleared: Vec::new(),
            stale: false,
        });
        let mut inv = inv;
        inv.init_ms = Some(init_ms);
        self.envs[ei].current = Some(inv);
        self.note_concurrency(fi);
        k.schedule(
            (init_ms * 1000.0) as u64,
            Event::Lambda(LambdaEvent::InitDone { env: ei, seq: 0 }),
        );
    }

    fn note_concurrency(&mut self, fi: usize) {
        let now = self.busy(Some(fi));
        let pc = self
            .envs
            .iter()
            .filter(|e| e.function == fi && e.provisioned && matches!(e.state, EnvState::Busy))
            .count();
        let m = &mut self.functions[fi].metrics;
        m.max_concurrency = m.max_concurrency.max(now);
        m.pc_max_busy = m.pc_max_busy.max(pc);
    }

    /// Provisioned concurrency: the configured environments are initialised before the
    /// scenario starts (as when a deployment finishes) and wait, warm, for invocations.
    pub fn start_provisioned(&mut self, k: &mut Kernel<Event>) {
        for fi in 0..self.functions.len() {
            let Some((version, n)) = self.functions[fi].provisioned.clone() else {
                continue;
            };
            for _ in 0..n {
                let ei = self.envs.len();
                self.envs.push(ExecEnv {
                    provisioned: true,
                    function: fi,
                    version: version.clone(),
                    js: None,
                    state: EnvState::Initializing,
                    seq: 0,
                    current: None,
                    log_stream: format!("1970/01/01/[{version}]{}", k.rng.hex(32)),
                    cleared: Vec::new(),
                    stale: false,
                });
                // Ready when the scenario starts, as after a deployment finishes.
                self.init_done(k, ei, 0);
            }
        }
    }

    fn log(&mut self, k: &mut Kernel<Event>, fi: usize, line: String) {
        let lid = self.functions[fi].logical_id.clone();
        k.record(TraceKind::Log, &lid, &lid, line.clone(), Value::Null);
        self.functions[fi].logs.push(line);
    }

    fn app_log(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        request_id: &str,
        level: &str,
        text: &str,
    ) {
        let line = format!(
            "{}\t{}\t{}\t{}",
            iso8601(k.now_ms()),
            request_id,
            level,
            text
        );
        self.log(k, fi, line);
    }

    /// Starts the current invocation of environment `ei` (after init, or warm).
    fn start(&mut self, k: &mut Kernel<Event>, ei: usize) {
        let fi = self.envs[ei].function;
        self.envs[ei].seq += 1;
        let seq = self.envs[ei].seq;
        let now = k.now();
        let (request_id, payload, version) = {
            let inv = self.envs[ei]
                .current
                .as_mut()
                .expect("a started env has an invocation");
            inv.start_us = now;
            (
                inv.request_id.clone(),
                inv.payload.clone(),
                inv.version.clone(),
            )
        };
        self.functions[fi].metrics.invocations += 1;
        *self.functions[fi]
            .by_version
            .entry(version.clone())
            .or_default() += 1;
        self.log(
            k,
            fi,
            format!("START RequestId: {request_id} Version: {version}"),
        );
        let f = &self.functions[fi];
        let deadline_ms = (now + f.timeout_s * 1_000 * US_PER_MS) as f64 / 1000.0;
        let invoked = if version == "$LATEST" {
            f.arn.clone()
        } else {
            format!("{}:{version}", f.arn)
        };
        let ctx = json!({
            "functionName": f.name,
            "functionVersion": version,
            "invokedFunctionArn": invoked,
            "memoryLimitInMB": f.memory_mb.to_string(),
            "awsRequestId": request_id,
            "logGroupName": format!("/aws/lambda/{}", f.name),
            "logStreamName": self.envs[ei].log_stream,
            "deadlineMs": deadline_ms,
        });
        k.schedule(
            f.timeout_s * 1_000 * US_PER_MS,
            Event::Lambda(LambdaEvent::Timeout { env: ei, seq }),
        );
        let js = self.envs[ei]
            .js
            .as_mut()
            .expect("an initialised env has JS");
        js.set_time(now);
        let state = js.invoke(&payload, &ctx);
        self.after_run(k, ei, state);
    }

    /// Collects what a stretch of JS produced: log lines, timers, a settled result.
    fn after_run(&mut self, k: &mut Kernel<Event>, ei: usize, state: RunState) {
        let fi = self.envs[ei].function;
        let seq = self.envs[ei].seq;
        let request_id = self.envs[ei]
            .current
            .as_ref()
            .map(|i| i.request_id.clone())
            .unwrap_or_default();
        let js = self.envs[ei].js.as_mut().expect("running env has JS");
        let logs = js.drain_logs();
        let (timers, cleared) = js.drain_timers();
        let calls = js.drain_calls();
        for (level, text) in logs {
            self.app_log(k, fi, &request_id, &level, &text);
        }
        self.envs[ei].cleared.extend(cleared);
        for (id, ms) in timers {
            k.schedule(
                (ms * 1000.0) as u64,
                Event::Lambda(LambdaEvent::Timer {
                    env: ei,
                    seq,
                    timer: id,
                }),
            );
        }
        let caller = self.functions[fi].logical_id.clone();
        for (call, action, params) in calls {
            let params: Value = serde_json::from_str(&params).unwrap_or(json!({}));
            let latency = k.rng.range_f64(SDK_LATENCY_MS.0, SDK_LATENCY_MS.1);
            k.schedule(
                (latency * 1000.0) as u64,
                Event::Call {
                    caller: caller.clone(),
                    action,
                    params,
                    waiter: Waiter::Lambda(LambdaWaiter::Sdk { env: ei, seq, call }),
                },
            );
        }
        match state {
            RunState::Done(result) => {
                let memory = self.functions[fi].memory_mb;
                let compute_ms = compute_duration_ms(&mut k.rng, memory);
                if let Some(inv) = self.envs[ei].current.as_mut() {
                    inv.result = Some(result);
                }
                k.schedule(
                    (compute_ms * 1000.0) as u64,
                    Event::Lambda(LambdaEvent::Complete { env: ei, seq }),
                );
            }
            // Waiting for timers; or spinning until the Timeout event ends it.
            RunState::Pending | RunState::Spinning => {}
            // Lambda's out-of-memory kill: the runtime process ends, and the environment
            // with it; the invocation fails with Runtime.ExitError.
            RunState::OutOfMemory => {
                let Some(inv) = self.envs[ei].current.take() else {
                    return;
                };
                let message = format!(
                    "RequestId: {} Error: Runtime exited with error: signal: killed",
                    inv.request_id
                );
                self.log(k, fi, message.clone());
                self.log(k, fi, "Runtime.ExitError".into());
                let err =
                    json!({"errorType": "Runtime.ExitError", "errorMessage": message}).to_string();
                self.finish(k, ei, inv, Err(err), true);
            }
        }
    }

    pub fn handle(&mut self, k: &mut Kernel<Event>, ev: LambdaEvent) {
        match ev {
            LambdaEvent::InitDone { env, seq } => self.init_done(k, env, seq),
            LambdaEvent::Timer { env, seq, timer } => {
                let e = &mut self.envs[env];
                if e.seq != seq
                    || !matches!(e.state, EnvState::Busy)
                    || e.current.as_ref().is_none_or(|i| i.result.is_some())
                {
                    return;
                }
                if let Some(pos) = e.cleared.iter().position(|c| *c == timer) {
                    e.cleared.swap_remove(pos);
                    return;
                }
                let js = e.js.as_mut().expect("busy env has JS");
                js.set_time(k.now());
                let state = js.fire_timer(timer);
                self.after_run(k, env, state);
            }
            LambdaEvent::Complete { env, seq } => {
                if self.envs[env].seq != seq || !matches!(self.envs[env].state, EnvState::Busy) {
                    return;
                }
                let Some(mut inv) = self.envs[env].current.take() else {
                    return;
                };
                let result = inv.result.take().unwrap_or(Ok("null".into()));
                self.finish(k, env, inv, result, false);
            }
            LambdaEvent::Timeout { env, seq } => {
                if self.envs[env].seq != seq || !matches!(self.envs[env].state, EnvState::Busy) {
                    return;
                }
                let Some(inv) = self.envs[env].current.take() else {
                    return;
                };
                let fi = self.envs[env].function;
                let secs = self.functions[fi].timeout_s;
                let line = format!(
                    "{} {} Task timed out after {secs}.00 seconds",
                    iso8601(k.now_ms()),
                    inv.request_id
                );
                self.log(k, fi, line);
                let err = json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!("RequestId: {} Error: Task timed out after {secs}.00 seconds", inv.request_id),
                })
                .to_string();
                self.finish(k, env, inv, Err(err), true);
            }
            LambdaEvent::AsyncAttempt { function, event } => {
                self.async_attempt(k, function, *event)
            }
            // Routed by the Sim, which knows the queue's logical id.
            LambdaEvent::BatchWindow { .. } => {}
            LambdaEvent::DeploymentStep { function, step } => {
                self.deployment_step(k, function, step)
            }
            LambdaEvent::AlarmCheck { function, alarm } => self.alarm_check(k, function, alarm),
            LambdaEvent::HookTimeout { function, run } => self.hook_timeout(k, function, run),
        }
    }

    /// An answer for handler code: resumes the invocation that asked, if it still runs.
    pub fn on_sdk_reply(
        &mut self,
        k: &mut Kernel<Event>,
        env: usize,
        seq: u64,
        call: u32,
        result: Result<Value, crate::error::AwsError>,
    ) {
        let e = &mut self.envs[env];
        if e.seq != seq
            || !matches!(e.state, EnvState::Busy)
            || e.current.as_ref().is_none_or(|i| i.result.is_some())
        {
            return;
        }
        let (ok, answer) = match result {
            Ok(mut v) => {
                if let Some(o) = v.as_object_mut() {
                    o.insert("__requestId".into(), json!(k.rng.uuid()));
                }
                (true, v)
            }
            Err(err) => (
                false,
                json!({"code": err.code, "message": err.message, "status": err.status, "requestId": k.rng.uuid()}),
            ),
        };
        let js = e.js.as_mut().expect("busy env has JS");
        js.set_time(k.now());
        let state = js.settle_call(call, ok, &answer);
        self.after_run(k, env, state);
    }

    fn init_done(&mut self, k: &mut Kernel<Event>, ei: usize, seq: u64) {
        if self.envs[ei].seq != seq || !matches!(self.envs[ei].state, EnvState::Initializing) {
            return;
        }
        let fi = self.envs[ei].function;
        let f = &self.functions[fi];
        let mut vars = reserved_env_vars(
            f,
            &self.region,
            &self.envs[ei].log_stream,
            &self.envs[ei].version,
        );
        vars.push(("__PG_TMP_MB".into(), f.tmp_mb.to_string()));
        if self.envs[ei].provisioned {
            for (k, v) in vars.iter_mut() {
                if k == "AWS_LAMBDA_INITIALIZATION_TYPE" {
                    *v = "provisioned-concurrency".into();
                }
            }
        }
        vars.extend(f.env_vars.iter().cloned());
        let seed = k.rng.next_u64();
        let init = JsEnv::new(seed, &vars, k.now()).map_err(|m| runtime::InitError {
            error_type: "Runtime.ExitError".into(),
            message: m,
        });
        let init = init.and_then(|mut js| {
            js.set_memory_limit(f.memory_mb);
            js.set_files(&f.layer_files)?;
            let code = f
                .version_code
                .get(&self.envs[ei].version)
                .unwrap_or(&f.code);
            js.init(code, &f.handler_export, looks_like_es_module(code))?;
            Ok(js)
        });
        match init {
            Ok(js) => {
                self.envs[ei].js = Some(js);
                if self.envs[ei].current.is_none() {
                    // A provisioned environment, ready before anyone asked.
                    self.envs[ei].state = EnvState::Idle;
                    return;
                }
                self.envs[ei].state = EnvState::Busy;
                self.start(k, ei);
            }
            Err(e) => {
                let Some(inv) = self.envs[ei].current.take() else {
                    self.envs[ei].state = EnvState::Gone;
                    return;
                };
                let body =
                    json!({"errorType": e.error_type, "errorMessage": e.message, "stack": []});
                self.log(
                    k,
                    fi,
                    format!(
                        "{}\tundefined\tERROR\tUncaught Exception \t{}",
                        iso8601(k.now_ms()),
                        body
                    ),
                );
                let init_ms = inv.init_ms.unwrap_or(0.0);
                self.log(k, fi, format!("INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {}", e.error_type));
                self.functions[fi].metrics.invocations += 1;
                self.log(
                    k,
                    fi,
                    format!(
                        "START RequestId: {} Version: {}",
                        inv.request_id, inv.version
                    ),
                );
                let err =
                    json!({"errorType": e.error_type, "errorMessage": e.message, "trace": []})
                        .to_string();
                self.envs[ei].state = EnvState::Busy;
                let mut inv = inv;
                inv.start_us = k.now();
                inv.init_ms = None;
                self.finish(k, ei, inv, Err(err), true);
            }
        }
    }

    /// Ends an invocation: END and REPORT lines, metrics, the reply or the async retry.
    fn finish(
        &mut self,
        k: &mut Kernel<Event>,
        ei: usize,
        inv: Invocation,
        result: Result<String, String>,
        discard: bool,
    ) {
        let fi = self.envs[ei].function;
        let now = k.now();
        let duration_ms = (now - inv.start_us) as f64 / 1000.0;
        if let Err(err) = &result {
            if !discard {
                // Node's runtime logs an unhandled error as "Invoke Error" with its stack.
                let mut body: Value = serde_json::from_str(err).unwrap_or(json!({}));
                if let Some(obj) = body.as_object_mut() {
                    let trace = obj.remove("trace").unwrap_or(json!([]));
                    obj.insert("stack".into(), trace);
                }
                self.app_log(
                    k,
                    fi,
                    &inv.request_id,
                    "ERROR",
                    &format!("Invoke Error \t{body}"),
                );
            }
        }
        self.log(k, fi, format!("END RequestId: {}", inv.request_id));
        let f = &self.functions[fi];
        let init = inv
            .init_ms
            .map(|ms| format!("\tInit Duration: {ms:.2} ms"))
            .unwrap_or_default();
        // Since August 2025 the INIT phase is billed for on-demand functions too.
        let billed = (duration_ms + inv.init_ms.unwrap_or(0.0)).ceil().max(1.0) as u64;
        let killed =
            matches!(&result, Err(e) if e.contains("Runtime exited with error: signal: killed"));
        let used = if killed {
            f.memory_mb
        } else {
            max_memory_used_mb(f.memory_mb, f.code.len())
        };
        let status = if discard && result.is_err() {
            if duration_ms >= (f.timeout_s * 1000) as f64 {
                "\tStatus: timeout"
            } else {
                "\tStatus: error"
            }
        } else {
            ""
        };
        let line = format!(
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB{}{}",
            inv.request_id, duration_ms, billed, f.memory_mb, used, init, status
        );
        self.log(k, fi, line);
        let m = &mut self.functions[fi].metrics;
        m.duration_ms += duration_ms;
        if result.is_err() {
            m.errors += 1;
        }
        let lid = self.functions[fi].logical_id.clone();
        if let Err(err) = &result {
            let v: Value = serde_json::from_str(err).unwrap_or(json!({}));
            let summary = format!(
                "{}: {}",
                v["errorType"].as_str().unwrap_or("Error"),
                v["errorMessage"].as_str().unwrap_or("")
            );
            k.record(
                TraceKind::Failure,
                &lid,
                &inv.caller,
                summary,
                json!({"RequestId": inv.request_id}),
            );
        }
        let discard = discard || self.envs[ei].stale;
        self.envs[ei].state = if discard {
            EnvState::Gone
        } else {
            EnvState::Idle
        };
        if discard {
            self.envs[ei].js = None;
        }
        match inv.completion {
            Completion::Sync(waiter) => {
                let mut reply = match &result {
                    Ok(payload) => {
                        json!({"StatusCode": 200, "ExecutedVersion": inv.version, "Payload": payload})
                    }
                    Err(err) => {
                        json!({"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": inv.version, "Payload": err})
                    }
                };
                if inv.tail {
                    reply["LogResult"] = json!(self.log_tail(fi, inv.log_from, &inv.request_id));
                }
                k.record(
                    TraceKind::Reply,
                    &lid,
                    &inv.caller,
                    if result.is_ok() {
                        "success".into()
                    } else {
                        "function error".into()
                    },
                    Value::Null,
                );
                k.schedule(
                    0,
                    Event::Reply {
                        waiter,
                        result: Ok(reply),
                    },
                );
            }
            Completion::Async(event) => self.async_done(k, fi, event, &result),
        }
    }

    /// `LogResult`: the last 4 KB of this invocation's log lines, base64-encoded.
    fn log_tail(&self, fi: usize, log_from: usize, request_id: &str) -> String {
        let lines = &self.functions[fi].logs[log_from.min(self.functions[fi].logs.len())..];
        let mine: Vec<&str> = lines
            .iter()
            .filter(|l| l.contains(request_id) || l.starts_with("INIT_"))
            .map(String::as_str)
            .collect();
        let text = format!("{}\n", mine.join("\n"));
        let bytes = text.as_bytes();
        let mut start = bytes.len().saturating_sub(4096);
        while !text.is_char_boundary(start) {
            start += 1;
        }
        crate::util::base64_encode(&bytes[start..])
    }

    fn async_attempt(&mut self, k: &mut Kernel<Event>, fi: usize, event: AsyncEvent) {
        if self.admit(k, fi, &event.caller).is_err() {
            self.async_throttled(k, fi, event);
            return;
        }
        let inv = Invocation {
            version: event.version.clone(),
            request_id: event.request_id.clone(),
            payload: event.payload.clone(),
            caller: event.caller.clone(),
            completion: Completion::Async(event),
            start_us: 0,
            init_ms: None,
            result: None,
            tail: false,
            log_from: 0,
        };
        self.dispatch(k, fi, inv);
    }

    /// A stream mapping's IteratorAge for a batch it hands the function.
    fn note_iterator_age(&mut self, fi: usize, age_ms: f64) {
        let m = &mut self.functions[fi].metrics;
        m.iterator_age_ms = m.iterator_age_ms.max(age_ms);
    }

    pub fn report(&self, fi: usize) -> Value {
        let f = &self.functions[fi];
        json!({
            "metrics": {
                "Invocations": f.metrics.invocations,
                "Errors": f.metrics.errors,
                "Throttles": f.metrics.throttles,
                "ConcurrentExecutions": f.metrics.max_concurrency,
                "Duration": (f.metrics.duration_ms * 100.0).round() / 100.0,
                "AsyncEventsReceived": f.metrics.async_received,
                "AsyncEventsDropped": f.metrics.async_dropped,
                "DeadLetterErrors": f.metrics.dead_letter_errors,
                "DestinationDeliveryFailures": f.metrics.destination_failures,
                "IteratorAge": f.metrics.iterator_age_ms.round(),
            },
            "executed_versions": f.by_version,
            "deployment": self.deployment_report(fi),
            "provisioned_concurrency": f.provisioned.as_ref().map(|(v, n)| json!({
                "Version": v,
                "ProvisionedConcurrentExecutions": n,
                "ProvisionedConcurrencyInvocations": f.metrics.pc_invocations,
                "ProvisionedConcurrencySpilloverInvocations": f.metrics.pc_spillover,
                "ProvisionedConcurrencyUtilization": (f.metrics.pc_max_busy as f64 / (*n).max(1) as f64 * 100.0).round() / 100.0,
            })),
            "logs": f.logs,
        })
    }

    /// A function's Timeout in seconds.
    pub fn timeout_s(&self, fi: usize) -> u64 {
        self.functions[fi].timeout_s
    }

    /// (busy environments, limit) for the UI's concurrency badge.
    pub fn concurrency(&self, fi: usize) -> (usize, Option<usize>) {
        (self.busy(Some(fi)), self.functions[fi].reserved)
    }

    /// Invocations, Errors and Throttles so far, for the page's metric sparklines.
    pub fn counters(&self, fi: usize) -> (u64, u64, u64) {
        let m = &self.functions[fi].metrics;
        (m.invocations, m.errors, m.throttles)
    }
}

impl Lambda {
    /// `AWS::Lambda::Version` (numbered in template order per function),
    /// `AWS::Lambda::Alias` and SAM `AutoPublishAlias` (version 1 and the alias).
    fn versions_from_model(&mut self, model: &Model) -> Result<(), TemplateError> {
        for r in &model.resources {
            let path = format!("Resources.{}.Properties", r.logical_id);
            let p = &r.properties;
            let target = |key: &str| -> Result<usize, TemplateError> {
                let name = p.get(key).and_then(Value::as_str).unwrap_or("");
                self.find(name).ok_or_else(|| {
                    TemplateError::at(
                        format!("{path}.{key}"),
                        format!("ResourceNotFoundException: Function not found: {name}"),
                    )
                })
            };
            match r.resource_type.as_str() {
                "AWS::Lambda::Version" => {
                    let fi = target("FunctionName")?;
                    self.functions[fi].versions += 1;
                    let v = self.functions[fi].versions.to_string();
                    self.provision(fi, &v, p, &path)?;
                }
                "AWS::Lambda::Alias" => {
                    let fi = target("FunctionName")?;
                    let name = p
                        .get("Name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let version = p
                        .get("FunctionVersion")
                        .map(version_text)
                        .unwrap_or_default();
                    let alias = self
                        .alias_of(fi, &version, p.get("RoutingConfig"))
                        .map_err(|e| TemplateError::at(&path, e.message))?;
                    self.functions[fi].aliases.insert(name, alias);
                    self.provision(fi, &version, p, &path)?;
                }
                "AWS::Serverless::Function" => {
                    if p.get("AutoPublishAlias").and_then(Value::as_str).is_some() {
                        let fi = target("FunctionName").or_else(|_| {
                            self.functions
                                .iter()
                                .position(|f| f.logical_id == r.logical_id)
                                .ok_or_else(|| TemplateError::at(&path, "function not loaded"))
                        })?;
                        let v = self.auto_publish(model, fi, p, &path)?;
                        self.provision(fi, &v, p, &path)?;
                    } else if p.get("ProvisionedConcurrencyConfig").is_some() {
                        return Err(TemplateError::at(format!("{path}.ProvisionedConcurrencyConfig"), "ProvisionedConcurrencyConfig needs AutoPublishAlias: provisioned concurrency applies to a version or an alias, never $LATEST"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// ProvisionedConcurrencyConfig on a version or alias: at most the function's
    /// reserved concurrency, and inside the account's unreserved pool.
    fn provision(
        &mut self,
        fi: usize,
        version: &str,
        p: &Value,
        path: &str,
    ) -> Result<(), TemplateError> {
        let Some(n) = num_prop(
            p.get("ProvisionedConcurrencyConfig")
                .unwrap_or(&Value::Null),
            "ProvisionedConcurrentExecutions",
            &format!("{path}.ProvisionedConcurrencyConfig"),
        )?
        else {
            return Ok(());
        };
        let n = n as usize;
        let f = &self.functions[fi];
        let limit = f.reserved.unwrap_or(self.account_limit - 100);
        if n == 0 || n > limit {
            return Err(TemplateError::at(
                format!("{path}.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions"),
                format!("InvalidParameterValueException: ProvisionedConcurrentExecutions must be between 1 and {limit} (the function's reserved concurrency, or the account's unreserved concurrency minus 100)"),
            ));
        }
        self.functions[fi].provisioned = Some((version.to_string(), n));
        Ok(())
    }

    fn version_exists(&self, fi: usize, v: &str) -> bool {
        let f = &self.functions[fi];
        v == "$LATEST"
            || v.parse::<u32>()
                .is_ok_and(|n| n >= 1 && n <= f.versions && !f.deleted_versions.contains(&n))
    }

    fn alias_of(
        &self,
        fi: usize,
        version: &str,
        routing: Option<&Value>,
    ) -> Result<Alias, AwsError> {
        let arn = &self.functions[fi].arn;
        if !self.version_exists(fi, version) {
            return Err(not_found(&format!("{arn}:{version}")));
        }
        let mut additional = None;
        // CloudFormation lists {FunctionVersion, FunctionWeight}; the API takes a map.
        let weights: Option<Vec<Value>> =
            match routing.and_then(|r| r.get("AdditionalVersionWeights")) {
                Some(Value::Array(a)) => Some(a.clone()),
                Some(Value::Object(m)) => Some(
                    m.iter()
                        .map(|(v, w)| json!({"FunctionVersion": v, "FunctionWeight": w}))
                        .collect(),
                ),
                _ => None,
            };
        if let Some(w) = weights.as_ref() {
            if w.len() > 1 {
                return Err(AwsError::client(
                    "InvalidParameterValueException",
                    "An alias can route to at most one additional version",
                ));
            }
            if let Some(e) = w.first() {
                let v = e
                    .get("FunctionVersion")
                    .map(version_text)
                    .unwrap_or_default();
                let weight = e
                    .get("FunctionWeight")
                    .and_then(|x| x.as_f64().or_else(|| x.as_str()?.parse().ok()))
                    .unwrap_or(0.0);
                if !(0.0..=1.0).contains(&weight) {
                    return Err(AwsError::client(
                        "InvalidParameterValueException",
                        format!("FunctionWeight must be between 0.0 and 1.0, got {weight}"),
                    ));
                }
                if v == "$LATEST" || !self.version_exists(fi, &v) || v == version {
                    return Err(AwsError::client("InvalidParameterValueException", format!("The additional version {v} must be a published version other than the alias's own")));
                }
                additional = Some((v, weight));
            }
        }
        Ok(Alias {
            version: version.to_string(),
            additional,
        })
    }

    /// Which version runs an invocation: `$LATEST`, a published number, or an alias
    /// (its weights decide, with the run's random numbers).
    fn resolve(
        &self,
        k: &mut Kernel<Event>,
        fi: usize,
        qualifier: Option<&str>,
    ) -> Result<String, AwsError> {
        let f = &self.functions[fi];
        match qualifier {
            None | Some("$LATEST") => Ok("$LATEST".into()),
            Some(q) if self.version_exists(fi, q) => Ok(q.to_string()),
            Some(q) => match f.aliases.get(q) {
                Some(a) => Ok(match &a.additional {
                    Some((v, w)) if k.rng.next_f64() < *w => v.clone(),
                    _ => a.version.clone(),
                }),
                None => Err(not_found(&format!("{}:{q}", f.arn))),
            },
        }
    }

    /// After a configuration change: idle environments go, busy ones go when done.
    fn retire_environments(&mut self, fi: usize) {
        for e in self.envs.iter_mut().filter(|e| e.function == fi) {
            match e.state {
                EnvState::Idle => {
                    e.state = EnvState::Gone;
                    e.js = None;
                }
                EnvState::Busy | EnvState::Initializing => e.stale = true,
                EnvState::Gone => {}
            }
        }
    }

    /// Put / Get / DeleteFunctionConcurrency: reserved concurrency, keeping at least 100
    /// of the account's concurrency unreserved.
    fn concurrency_api(&mut self, action: &str, p: &Value) -> Result<Value, AwsError> {
        let key = req_str(p, "FunctionName")?;
        let fi = self
            .find(key)
            .ok_or_else(|| not_found(&self.arn_for(key)))?;
        match action {
            "GetFunctionConcurrency" => Ok(match self.functions[fi].reserved {
                Some(n) => json!({"ReservedConcurrentExecutions": n}),
                None => json!({}),
            }),
            "DeleteFunctionConcurrency" => {
                self.functions[fi].reserved = None;
                Ok(json!({}))
            }
            _ => {
                let n = p
                    .get("ReservedConcurrentExecutions")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| {
                        AwsError::client(
                            "InvalidParameterValueException",
                            "ReservedConcurrentExecutions must be a whole number of at least 0.",
                        )
                    })? as usize;
                let others: usize = self
                    .functions
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != fi)
                    .filter_map(|(_, f)| f.reserved)
                    .sum();
                if others + n + 100 > self.account_limit {
                    return Err(AwsError::client(
                        "InvalidParameterValueException",
                        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
                    ));
                }
                self.functions[fi].reserved = Some(n);
                Ok(json!({"ReservedConcurrentExecutions": n}))
            }
        }
    }

    fn alias_json(&self, fi: usize, name: &str, a: &Alias) -> Value {
        let mut o = json!({"AliasArn": format!("{}:{name}", self.functions[fi].arn), "Name": name, "FunctionVersion": a.version});
        if let Some((v, w)) = &a.additional {
            o["RoutingConfig"] = json!({"AdditionalVersionWeights": {v.clone(): w}});
        }
        o
    }

    fn versions_api(&mut self, action: &str, p: &Value) -> Result<Value, AwsError> {
        let key = req_str(p, "FunctionName")?;
        let fi = self
            .find(key)
            .ok_or_else(|| not_found(&self.arn_for(key)))?;
        let arn = self.functions[fi].arn.clone();
        match action {
            "PublishVersion" => {
                self.check_code_storage(self.functions[fi].code.len() as u64)?;
                self.functions[fi].versions += 1;
                let v = self.functions[fi].versions.to_string();
                let mut cfg = self.configuration(&self.functions[fi]);
                cfg["Version"] = json!(v);
                cfg["FunctionArn"] = json!(format!("{arn}:{v}"));
                Ok(cfg)
            }
            "ListVersionsByFunction" => {
                let base = self.configuration(&self.functions[fi]);
                let list: Vec<Value> = std::iter::once("$LATEST".to_string())
                    .chain((1..=self.functions[fi].versions).map(|n| n.to_string()))
                    .map(|v| {
                        let mut c = base.clone();
                        c["FunctionArn"] = json!(if v == "$LATEST" {
                            arn.clone()
                        } else {
                            format!("{arn}:{v}")
                        });
                        c["Version"] = json!(v);
                        c
                    })
                    .collect();
                Ok(json!({"Versions": list}))
            }
            "ListAliases" => Ok(
                json!({"Aliases": self.functions[fi].aliases.iter().map(|(n, a)| self.alias_json(fi, n, a)).collect::<Vec<_>>()}),
            ),
            _ => {
                let name = req_str(p, "Name")?.to_string();
                let exists = self.functions[fi].aliases.contains_key(&name);
                match action {
                    "GetAlias" => {
                        let a = self.functions[fi]
                            .aliases
                            .get(&name)
                            .ok_or_else(|| not_found(&format!("{arn}:{name}")))?;
                        Ok(self.alias_json(fi, &name, a))
                    }
                    "CreateAlias" if exists => Err(AwsError::new(
                        "ResourceConflictException",
                        format!("Alias already exists: {arn}:{name}"),
                        409,
                    )),
                    "UpdateAlias" if !exists => Err(not_found(&format!("{arn}:{name}"))),
                    _ => {
                        let old = self.functions[fi].aliases.get(&name).cloned();
                        let version = p
                            .get("FunctionVersion")
                            .map(version_text)
                            .or_else(|| old.as_ref().map(|a| a.version.clone()))
                            .ok_or_else(|| {
                                AwsError::client(
                                    "InvalidParameterValueException",
                                    "FunctionVersion is required",
                                )
                            })?;
                        let routing = p.get("RoutingConfig");
                        let mut alias = self.alias_of(fi, &version, routing)?;
                        if routing.is_none() {
                            alias.additional = old.and_then(|a| a.additional);
                        }
                        let out = self.alias_json(fi, &name, &alias);
                        self.functions[fi].aliases.insert(name, alias);
                        Ok(out)
                    }
                }
            }
        }
    }
}

/// A version written as a number or a string ("1", 1).
fn version_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Environment variables a function cannot set (Lambda developer guide, "Defined
/// runtime environment variables": the reserved ones).
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The variables Lambda sets in every Node.js environment.
fn reserved_env_vars(
    f: &Function,
    region: &str,
    stream: &str,
    version: &str,
) -> Vec<(String, String)> {
    [
        ("AWS_REGION", region.to_string()),
        ("AWS_DEFAULT_REGION", region.to_string()),
        ("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", f.runtime)),
        ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", version.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", stream.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_string()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_string()),
        ("TZ", ":UTC".to_string()),
        ("NODE_PATH", "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// CPU share: Lambda allocates CPU in proportion to memory; 1,769 MB is one vCPU.
fn cpu_factor(memory_mb: u64) -> f64 {
    (1769.0 / memory_mb as f64).clamp(1.0, 14.0)
}

/// Init Duration model for a Node.js environment (see ARCHITECTURE.md, "Runtime model").
fn init_duration_ms(rng: &mut crate::rng::Rng, memory_mb: u64, code_bytes: usize) -> f64 {
    let base = 110.0 + code_bytes as f64 / 1024.0 * 2.0;
    let cpu = 1.0 + (cpu_factor(memory_mb) - 1.0) * 0.05;
    let v = base * cpu * rng.range_f64(0.9, 1.15);
    (v * 100.0).round() / 100.0
}

/// Handler compute time model: a fraction of a millisecond of one vCPU, scaled by share.
fn compute_duration_ms(rng: &mut crate::rng::Rng, memory_mb: u64) -> f64 {
    let v = rng.range_f64(0.25, 0.6) * cpu_factor(memory_mb);
    (v * 100.0).round() / 100.0
}

fn max_memory_used_mb(memory_mb: u64, code_bytes: usize) -> u64 {
    (64 + (code_bytes / 4096) as u64).min(memory_mb)
}

/// Inline code with top-level `export` or `import` is an ES module (Node 22 detects
/// module syntax in .js files the same way).
fn looks_like_es_module(code: &str) -> bool {
    code.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("export ") || (t.starts_with("import ") && !t.starts_with("import("))
    })
}
