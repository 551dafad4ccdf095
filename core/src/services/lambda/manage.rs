//! The function-management API: CreateFunction, DeleteFunction and
//! UpdateFunctionConfiguration, with Lambda's checks and error codes.
//!
//! CreateFunction takes the deployment package as AWS does (`Code.ZipFile`, a .zip —
//! base64 on the wire, bytes from the SDK), reads the handler's file out of it, and
//! refuses what Lambda refuses: a name already taken (`ResourceConflictException`), a
//! package over 50 MB (`RequestEntityTooLargeException`) or over 250 MB unzipped, limits
//! out of range and reserved environment variables (`InvalidParameterValueException`),
//! and code beyond the account's code storage (`CodeStorageExceededException`; 75 GB, or
//! `Metadata.Playground.Account.CodeStorage` in bytes). A new function is `Pending` for
//! a moment (Invoke answers `ResourceConflictException` meanwhile), then `Active`.
//! Every published version keeps a copy of the code, so it counts against the storage.
//! DeleteFunction removes a function (its mappings stop) or, with `Qualifier`, one
//! version that no alias points to.

use super::{not_found, Function, Lambda, RESERVED_ENV, UNZIPPED_LIMIT};
use crate::error::AwsError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::Event;
use crate::util::req_str;
use serde_json::{json, Value};

/// The account's code storage for functions and layers (Lambda quotas: 75 GB).
pub(super) const CODE_STORAGE: u64 = 75 * 1024 * 1024 * 1024;
/// A deployment package uploaded directly: 50 MB zipped.
const ZIPPED_LIMIT: usize = 50 * 1024 * 1024;
/// How long a new function stays `Pending` (a function without a VPC becomes active
/// within seconds; the playground takes one).
const PENDING_MS: u64 = 1_000;

fn invalid(m: impl Into<String>) -> AwsError {
    AwsError::client("InvalidParameterValueException", m)
}

/// The configuration fields CreateFunction and UpdateFunctionConfiguration share.
#[derive(Default)]
struct ConfigChange {
    timeout: Option<u64>,
    memory: Option<u64>,
    tmp: Option<u64>,
    env: Option<Vec<(String, String)>>,
}

impl ConfigChange {
    fn parse(p: &Value) -> Result<Self, AwsError> {
        let ranged =
            |v: Option<&Value>, lo: u64, hi: u64, what: &str| match v.filter(|v| !v.is_null()) {
                Some(v) => match v.as_u64() {
                    Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                    _ => Err(invalid(format!(
                        "{what} must be between {lo} and {hi}, got {v}."
                    ))),
                },
                None => Ok(None),
            };
        let env = match p.pointer("/Environment/Variables") {
            Some(Value::Object(m)) => Some(
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(_) => return Err(invalid("Environment.Variables must be a map of strings.")),
            None => None,
        };
        if let Some((k, _)) = env
            .iter()
            .flatten()
            .find(|(k, _)| RESERVED_ENV.contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {k}"
            )));
        }
        let size: usize = env.iter().flatten().map(|(k, v)| k.len() + v.len()).sum();
        if size > 4096 {
            return Err(invalid(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {size}"
            )));
        }
        Ok(ConfigChange {
            timeout: ranged(p.get("Timeout"), 1, 900, "Timeout (seconds)")?,
            memory: ranged(p.get("MemorySize"), 128, 10_240, "MemorySize (MB)")?,
            tmp: ranged(
                p.pointer("/EphemeralStorage/Size"),
                512,
                10_240,
                "EphemeralStorage Size (MB)",
            )?,
            env,
        })
    }

    fn apply(self, f: &mut Function) {
        if let Some(t) = self.timeout {
            f.timeout_s = t;
        }
        if let Some(m) = self.memory {
            f.memory_mb = m;
        }
        if let Some(t) = self.tmp {
            f.tmp_mb = t;
        }
        if let Some(e) = self.env {
            f.env_vars = e;
        }
    }
}

impl Lambda {
    /// Bytes of code the account stores: each function's code once for `$LATEST` and
    /// once per published version, and its layers' files.
    pub(super) fn code_storage_used(&self) -> u64 {
        self.functions
            .iter()
            .filter(|f| !f.deleted)
            .map(|f| {
                let live = f.versions as u64 + 1 - f.deleted_versions.len() as u64;
                f.code.len() as u64 * live
                    + f.layer_files
                        .iter()
                        .map(|(k, v)| (k.len() + v.len()) as u64)
                        .sum::<u64>()
            })
            .sum()
    }

    pub(super) fn check_code_storage(&self, more: u64) -> Result<(), AwsError> {
        if self.code_storage_used() + more > self.code_storage {
            return Err(AwsError::client(
                "CodeStorageExceededException",
                "Code storage limit exceeded.",
            ));
        }
        Ok(())
    }

    /// UpdateFunctionConfiguration: Timeout, MemorySize, Environment, EphemeralStorage,
    /// checked as Lambda checks them; new environments pick the change up.
    pub(super) fn update_configuration(&mut self, p: &Value) -> Result<Value, AwsError> {
        let key = req_str(p, "FunctionName")?;
        let fi = self
            .find(key)
            .ok_or_else(|| not_found(&self.arn_for(key)))?;
        ConfigChange::parse(p)?.apply(&mut self.functions[fi]);
        self.retire_environments(fi);
        let mut cfg = self.configuration(&self.functions[fi]);
        cfg["LastUpdateStatus"] = json!("Successful");
        Ok(cfg)
    }

    pub(super) fn create_function(
        &mut self,
        k: &mut Kernel<Event>,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let validation = |m: String| AwsError::client("ValidationException", m);
        let name = req_str(p, "FunctionName")?;
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(validation(format!(
                "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ (1 to 64 characters)"
            )));
        }
        let role = req_str(p, "Role")?;
        if !role.starts_with("arn:aws:iam::") || !role.contains(":role/") {
            return Err(validation(format!(
                "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
            )));
        }
        let runtime = req_str(p, "Runtime")?;
        if !runtime.starts_with("nodejs") {
            return Err(invalid(format!(
                "The runtime parameter of {runtime} does not run in the playground yet: handlers run on Node.js (nodejs20.x, nodejs22.x)"
            )));
        }
        let handler = req_str(p, "Handler")?;
        let Some((file, export)) = handler.rsplit_once('.') else {
            return Err(invalid(format!(
                "Handler '{handler}' is not file.export (e.g. index.handler)"
            )));
        };
        let zip = match p.pointer("/Code/ZipFile") {
            Some(Value::String(b64)) => crate::util::base64_decode(b64)
                .ok_or_else(|| invalid("Code.ZipFile is not base64"))?,
            Some(Value::Array(bytes)) => bytes
                .iter()
                .map(|b| b.as_u64().unwrap_or(0) as u8)
                .collect(),
            _ => {
                return Err(invalid(
                    "Code.ZipFile is required: the playground takes the deployment package in the request (S3Bucket / ImageUri are not run here)",
                ))
            }
        };
        if zip.len() > ZIPPED_LIMIT {
            return Err(AwsError::new(
                "RequestEntityTooLargeException",
                "Request must be smaller than 70167211 bytes for the CreateFunction operation",
                413,
            ));
        }
        if self.find(name).is_some() {
            return Err(AwsError::new(
                "ResourceConflictException",
                format!("Function already exist: {name}"),
                409,
            ));
        }
        let files = crate::zip::read(&zip, UNZIPPED_LIMIT).map_err(|e| {
            if e.starts_with("Unzipped size") {
                invalid(e)
            } else {
                invalid(format!("Could not unzip uploaded file: {e}"))
            }
        })?;
        let code = ["js", "mjs", "cjs"]
            .iter()
            .find_map(|ext| files.iter().find(|(n, _)| *n == format!("{file}.{ext}")))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).to_string())
            .ok_or_else(|| {
                invalid(format!(
                    "The package has no {file}.js (or .mjs) for the handler {handler}: Runtime.ImportModuleError when invoked"
                ))
            })?;
        let change = ConfigChange::parse(p)?;
        self.check_code_storage(code.len() as u64)?;
        let mut f = Function::blank(
            name,
            &format!(
                "arn:aws:lambda:{}:{}:function:{name}",
                self.region, self.account
            ),
            &code,
            export,
            runtime,
            role,
        );
        change.apply(&mut f);
        f.active_at = k.now() + PENDING_MS * US_PER_MS;
        self.functions.push(f);
        let fi = self.functions.len() - 1;
        if p.get("Publish").and_then(Value::as_bool) == Some(true) {
            self.functions[fi].versions = 1;
        }
        let mut cfg = self.configuration(&self.functions[fi]);
        cfg["State"] = json!("Pending");
        cfg["StateReason"] = json!("The function is being created.");
        cfg["StateReasonCode"] = json!("Creating");
        Ok(cfg)
    }

    pub(super) fn delete_function(&mut self, p: &Value) -> Result<Value, AwsError> {
        let key = req_str(p, "FunctionName")?;
        let fi = self
            .find(key)
            .ok_or_else(|| not_found(&self.arn_for(key)))?;
        let qualifier = p.get("Qualifier").and_then(Value::as_str).or_else(|| {
            let tail = key.rsplit_once(":function:").map(|(_, n)| n).unwrap_or(key);
            tail.split_once(':').map(|(_, q)| q)
        });
        match qualifier {
            None => {
                let f = &mut self.functions[fi];
                f.deleted = true;
                for e in self.esms.iter_mut().filter(|e| e.function == fi) {
                    e.stop();
                }
                self.retire_environments(fi);
            }
            Some("$LATEST") => {
                return Err(invalid(
                    "$LATEST version cannot be deleted without deleting the function.",
                ))
            }
            Some(q) => {
                if !self.version_exists(fi, q) {
                    return Err(not_found(&format!("{}:{q}", self.functions[fi].arn)));
                }
                let f = &mut self.functions[fi];
                let using: Vec<&String> = f
                    .aliases
                    .iter()
                    .filter(|(_, a)| {
                        a.version == q || a.additional.as_ref().is_some_and(|(v, _)| v == q)
                    })
                    .map(|(n, _)| n)
                    .collect();
                if !using.is_empty() {
                    return Err(AwsError::new(
                        "ResourceConflictException",
                        format!(
                            "Unable to delete version because the following aliases reference it: {using:?}"
                        ),
                        409,
                    ));
                }
                f.deleted_versions.insert(q.parse().unwrap_or(0));
            }
        }
        Ok(json!({}))
    }

    /// Invoke on a function still being created.
    pub(super) fn pending(&self, k: &Kernel<Event>, fi: usize) -> Result<(), AwsError> {
        if k.now() < self.functions[fi].active_at {
            return Err(AwsError::new(
                "ResourceConflictException",
                "The operation cannot be performed at this time. The function is currently in the following state: Pending",
                409,
            ));
        }
        Ok(())
    }
}
