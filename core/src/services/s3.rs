//! Amazon S3, as far as serverless flows use it: buckets from `AWS::S3::Bucket`, text
//! objects (PutObject, GetObject, HeadObject, DeleteObject, CopyObject, ListObjectsV2,
//! ListBuckets, with AWS's NoSuchBucket / NoSuchKey errors), and event notifications —
//! `NotificationConfiguration` (Lambda, queue and topic configurations with prefix /
//! suffix filters, EventBridgeConfiguration) and SAM `S3` events — delivered as API calls
//! in the record format of shared/reference/events/s3-put.json (or the EventBridge
//! "Object Created" event). A queue destination first gets S3's `s3:TestEvent`.
//!
//! Versioning (VersioningConfiguration, Put/GetBucketVersioning): with it Enabled each
//! put keeps a new version (VersionId in the answer and in the event record), a delete
//! without VersionId adds a delete marker (`ObjectRemoved:DeleteMarkerCreated`; GetObject
//! then answers NoSuchKey), a delete with VersionId removes that version for good,
//! GetObject / HeadObject take a VersionId, and ListObjectVersions lists versions and
//! delete markers. Suspended versioning writes the `null` version.

use super::{Event, Outcome, Waiter};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, US_PER_MS};
use crate::template::Model;
use crate::trace::TraceKind;
use crate::util::{iso8601, queue_url_of_arn, req_str};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Virtual time from the object change to the notification reaching its destination.
pub const NOTIFICATION_LATENCY_MS: (f64, f64) = (50.0, 300.0);

#[derive(Clone, Debug)]
struct Object {
    body: String,
    etag: String,
    content_type: String,
    metadata: Value,
    modified_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Dest {
    Lambda,
    Queue,
    Topic,
}

#[derive(Clone, Debug)]
struct Notification {
    id: String,
    dest: Dest,
    arn: String,
    events: Vec<String>,
    prefix: String,
    suffix: String,
}

#[derive(Default, Clone, Copy)]
struct BucketMetrics {
    puts: u64,
    gets: u64,
    deletes: u64,
    notifications: u64,
}

/// One version of a key: an object, or a delete marker (`None`).
#[derive(Clone, Debug)]
struct Version {
    id: String,
    object: Option<Object>,
    modified_ms: u64,
}

pub(crate) struct Bucket {
    pub logical_id: String,
    pub name: String,
    /// The current object of each key (what GetObject without VersionId reads).
    objects: BTreeMap<String, Object>,
    /// Versioning: "" (never enabled), "Enabled" or "Suspended".
    versioning: String,
    /// Every version of each key, oldest first (kept once versioning was enabled).
    versions: BTreeMap<String, Vec<Version>>,
    notifications: Vec<Notification>,
    eventbridge: bool,
    metrics: BucketMetrics,
}

pub(crate) struct S3 {
    pub buckets: Vec<Bucket>,
    region: String,
    account: String,
    sequencer: u64,
}

fn no_bucket(name: &str) -> AwsError {
    AwsError::new(
        "NoSuchBucket",
        format!("The specified bucket does not exist: {name}"),
        404,
    )
}

fn no_key() -> AwsError {
    AwsError::new("NoSuchKey", "The specified key does not exist.", 404)
}

/// `s3:ObjectCreated:*` style patterns against an event name such as `ObjectCreated:Put`.
fn event_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.strip_prefix("s3:").unwrap_or(pattern);
    match p.strip_suffix('*') {
        Some(head) => name.starts_with(head),
        None => p == name,
    }
}

/// Two notification configurations S3 refuses together: they share an event type
/// (`s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`) and neither their prefixes nor
/// their suffixes tell them apart (one is the start / end of the other).
fn overlapping(ns: &[Notification]) -> Option<(String, String)> {
    let types = |a: &str, b: &str| {
        event_matches(a, b.trim_start_matches("s3:").trim_end_matches('*'))
            || event_matches(b, a.trim_start_matches("s3:").trim_end_matches('*'))
            || a == b
    };
    for (i, a) in ns.iter().enumerate() {
        for b in &ns[i + 1..] {
            let shared = a
                .events
                .iter()
                .any(|x| b.events.iter().any(|y| types(x, y)));
            let prefixes = a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix);
            let suffixes = a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix);
            if shared && prefixes && suffixes {
                return Some((a.id.clone(), b.id.clone()));
            }
        }
    }
    None
}

/// Object keys in S3 event records are URL-encoded (spaces as `+`).
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn filter_of(f: Option<&Value>) -> (String, String) {
    let mut prefix = String::new();
    let mut suffix = String::new();
    let rules = f
        .and_then(|f| f.get("S3Key"))
        .and_then(|k| k.get("Rules"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for r in rules {
        let v = r
            .get("Value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match r
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
            .as_deref()
        {
            Some("prefix") => prefix = v,
            Some("suffix") => suffix = v,
            _ => {}
        }
    }
    (prefix, suffix)
}

impl S3 {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut buckets = Vec::new();
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::S3::Bucket")
        {
            let path = format!(
                "Resources.{}.Properties.NotificationConfiguration",
                r.logical_id
            );
            let nc = r.properties.get("NotificationConfiguration");
            let mut notifications = Vec::new();
            for (key, dest, arn_key) in [
                ("LambdaConfigurations", Dest::Lambda, "Function"),
                ("QueueConfigurations", Dest::Queue, "Queue"),
                ("TopicConfigurations", Dest::Topic, "Topic"),
            ] {
                for (i, c) in nc
                    .and_then(|n| n.get(key))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let arn = c.get(arn_key).and_then(Value::as_str).ok_or_else(|| {
                        TemplateError::at(
                            format!("{path}.{key}[{i}].{arn_key}"),
                            format!("a notification needs the destination's ARN ({arn_key})"),
                        )
                    })?;
                    let service = match dest {
                        Dest::Lambda => "lambda",
                        Dest::Queue => "sqs",
                        Dest::Topic => "sns",
                    };
                    if !arn.starts_with(&format!("arn:aws:{service}:")) {
                        return Err(TemplateError::at(
                            format!("{path}.{key}[{i}].{arn_key}"),
                            format!("'{arn}' is not an ARN of the {service} kind this configuration needs (e.g. !GetAtt Resource.Arn)"),
                        ));
                    }
                    let event = c.get("Event").and_then(Value::as_str).unwrap_or("");
                    if !event.starts_with("s3:") {
                        return Err(TemplateError::at(format!("{path}.{key}[{i}].Event"), format!("InvalidArgument: '{event}' is not an S3 event type such as s3:ObjectCreated:*")));
                    }
                    let (prefix, suffix) = filter_of(c.get("Filter"));
                    notifications.push(Notification {
                        id: format!("{}-{key}-{i}", r.logical_id),
                        dest: dest.clone(),
                        arn: arn.to_string(),
                        events: vec![event.to_string()],
                        prefix,
                        suffix,
                    });
                }
            }
            buckets.push(Bucket {
                logical_id: r.logical_id.clone(),
                name: r.physical_name.clone(),
                objects: BTreeMap::new(),
                versioning: match r
                    .properties
                    .pointer("/VersioningConfiguration/Status")
                    .and_then(Value::as_str)
                {
                    None => String::new(),
                    Some(s @ ("Enabled" | "Suspended")) => s.to_string(),
                    Some(other) => {
                        return Err(TemplateError::at(
                            format!(
                                "Resources.{}.Properties.VersioningConfiguration.Status",
                                r.logical_id
                            ),
                            format!("'{other}' is not Enabled or Suspended"),
                        ))
                    }
                },
                versions: BTreeMap::new(),
                notifications,
                eventbridge: crate::template::truthy(
                    nc.and_then(|n| n.pointer("/EventBridgeConfiguration/EventBridgeEnabled")),
                ),
                metrics: BucketMetrics::default(),
            });
        }
        // SAM `S3` events on functions: the bucket must be in the same template.
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::Serverless::Function")
        {
            let Some(events) = r.properties.get("Events").and_then(Value::as_object) else {
                continue;
            };
            for (eid, e) in events {
                if e.get("Type").and_then(Value::as_str) != Some("S3") {
                    continue;
                }
                let path = format!(
                    "Resources.{}.Properties.Events.{eid}.Properties",
                    r.logical_id
                );
                let p = e.get("Properties").cloned().unwrap_or(json!({}));
                let bucket = p.get("Bucket").and_then(Value::as_str).unwrap_or("");
                let bi = buckets
                    .iter()
                    .position(|b| b.name == bucket)
                    .ok_or_else(|| {
                        TemplateError::at(
                            format!("{path}.Bucket"),
                            "an S3 event needs a bucket of this template (!Ref MyBucket)",
                        )
                    })?;
                let events: Vec<String> = match p.get("Events") {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect(),
                    _ => {
                        return Err(TemplateError::at(
                            format!("{path}.Events"),
                            "an S3 event needs Events, e.g. s3:ObjectCreated:*",
                        ))
                    }
                };
                let (prefix, suffix) = filter_of(p.get("Filter"));
                buckets[bi].notifications.push(Notification {
                    id: format!("{}{eid}", r.logical_id),
                    dest: Dest::Lambda,
                    arn: format!(
                        "arn:aws:lambda:{}:{}:function:{}",
                        model.region, model.account, r.physical_name
                    ),
                    events,
                    prefix,
                    suffix,
                });
            }
        }
        for b in &buckets {
            if let Some((x, y)) = overlapping(&b.notifications) {
                return Err(TemplateError::at(
                    format!("Resources.{}.Properties.NotificationConfiguration", b.logical_id),
                    format!("InvalidArgument: Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type. ({x} and {y})"),
                ));
            }
        }
        Ok(S3 {
            buckets,
            region: model.region.clone(),
            account: model.account.clone(),
            sequencer: 0x0061_0000_0000_0000,
        })
    }

    /// S3 checks a queue destination when the configuration is saved: it sends
    /// `s3:TestEvent` to each queue.
    pub fn start(&self, k: &mut Kernel<Event>) {
        for b in &self.buckets {
            for n in b.notifications.iter().filter(|n| n.dest == Dest::Queue) {
                let body = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "1970-01-01T00:00:00.000Z",
                                  "Bucket": b.name, "RequestId": "0000000000000000", "HostId": "playground"});
                k.schedule(0, Event::Call {
                    caller: b.logical_id.clone(),
                    action: "sqs:SendMessage".into(),
                    params: json!({"QueueUrl": queue_url_of_arn(&n.arn), "MessageBody": body.to_string()}),
                    waiter: Waiter::Nobody,
                });
            }
        }
    }

    fn bucket(&self, p: &Value) -> Result<usize, AwsError> {
        let name = req_str(p, "Bucket")?;
        self.buckets
            .iter()
            .position(|b| b.name == name)
            .ok_or_else(|| no_bucket(name))
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.buckets.iter().position(|b| b.name == name)
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
    ) -> Outcome {
        Outcome::Done(self.act(k, caller, action, p))
    }

    fn act(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        if action == "ListBuckets" {
            return Ok(
                json!({"Buckets": self.buckets.iter().map(|b| json!({"Name": b.name, "CreationDate": 0})).collect::<Vec<_>>()}),
            );
        }
        let bi = self.bucket(p)?;
        match action {
            "PutObject" => {
                let key = req_str(p, "Key")?.to_string();
                let body = match p.get("Body") {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                Ok(self.put(k, caller, bi, key, body, p, "Put"))
            }
            "CopyObject" => {
                let key = req_str(p, "Key")?.to_string();
                let source = req_str(p, "CopySource")?;
                let source = source.trim_start_matches('/');
                let (sb, sk) = source.split_once('/').ok_or_else(|| {
                    AwsError::client("InvalidArgument", "CopySource must be bucket/key")
                })?;
                let si = self.find(sb).ok_or_else(|| no_bucket(sb))?;
                let o = self.buckets[si]
                    .objects
                    .get(sk)
                    .cloned()
                    .ok_or_else(no_key)?;
                let mut params = json!({"ContentType": o.content_type, "Metadata": o.metadata});
                if p.get("MetadataDirective").and_then(Value::as_str) == Some("REPLACE") {
                    params = p.clone();
                }
                let out = self.put(k, caller, bi, key, o.body, &params, "Copy");
                Ok(
                    json!({"CopyObjectResult": {"ETag": out["ETag"], "LastModified": iso8601(k.now_ms())}}),
                )
            }
            "GetObject" | "HeadObject" => {
                let key = req_str(p, "Key")?;
                self.buckets[bi].metrics.gets += 1;
                let b = &self.buckets[bi];
                let (o, version) = match p.get("VersionId").and_then(Value::as_str) {
                    Some(vid) => {
                        let v = b
                            .versions
                            .get(key)
                            .and_then(|vs| vs.iter().find(|v| v.id == vid))
                            .ok_or_else(|| {
                                AwsError::new(
                                    "NoSuchVersion",
                                    "The specified version does not exist.",
                                    404,
                                )
                            })?;
                        let o = v.object.as_ref().ok_or_else(|| {
                            AwsError::new(
                                "MethodNotAllowed",
                                "The specified method is not allowed against this resource.",
                                405,
                            )
                        })?;
                        (o, Some(v.id.clone()))
                    }
                    None => (
                        b.objects.get(key).ok_or_else(no_key)?,
                        b.versions
                            .get(key)
                            .and_then(|vs| vs.last())
                            .map(|v| v.id.clone()),
                    ),
                };
                let mut out = json!({"ContentLength": o.body.len(), "ContentType": o.content_type, "ETag": o.etag,
                                     "LastModified": iso8601(o.modified_ms), "Metadata": o.metadata});
                if let Some(v) = version {
                    out["VersionId"] = json!(v);
                }
                if action == "GetObject" {
                    out["Body"] = json!(o.body);
                }
                Ok(out)
            }
            "DeleteObject" => {
                let key = req_str(p, "Key")?.to_string();
                self.delete(k, bi, &key, p.get("VersionId").and_then(Value::as_str))
            }
            "PutBucketVersioning" => {
                let status = p
                    .pointer("/VersioningConfiguration/Status")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if status != "Enabled" && status != "Suspended" {
                    return Err(AwsError::client(
                        "MalformedXML",
                        "The XML you provided was not well-formed or did not validate against our published schema",
                    ));
                }
                let b = &mut self.buckets[bi];
                // Objects from before versioning become their key's `null` version.
                if b.versioning.is_empty() {
                    for (key, o) in &b.objects {
                        b.versions.insert(
                            key.clone(),
                            vec![Version {
                                id: "null".into(),
                                modified_ms: o.modified_ms,
                                object: Some(o.clone()),
                            }],
                        );
                    }
                }
                b.versioning = status.to_string();
                Ok(json!({}))
            }
            "GetBucketVersioning" => Ok(match self.buckets[bi].versioning.as_str() {
                "" => json!({}),
                s => json!({"Status": s}),
            }),
            "ListObjectVersions" => {
                let prefix = p.get("Prefix").and_then(Value::as_str).unwrap_or("");
                let b = &self.buckets[bi];
                let (mut versions, mut markers) = (Vec::new(), Vec::new());
                for (key, vs) in b.versions.iter().filter(|(k, _)| k.starts_with(prefix)) {
                    // Newest first, as S3 lists them.
                    for (i, v) in vs.iter().enumerate().rev() {
                        let latest = i + 1 == vs.len();
                        let mut item = json!({"Key": key, "VersionId": v.id, "IsLatest": latest,
                                              "LastModified": iso8601(v.modified_ms)});
                        match &v.object {
                            Some(o) => {
                                item["ETag"] = json!(o.etag);
                                item["Size"] = json!(o.body.len());
                                item["StorageClass"] = json!("STANDARD");
                                versions.push(item);
                            }
                            None => markers.push(item),
                        }
                    }
                }
                Ok(
                    json!({"Name": b.name, "Prefix": prefix, "IsTruncated": false,
                          "Versions": versions, "DeleteMarkers": markers}),
                )
            }
            "ListObjectsV2" => {
                let prefix = p.get("Prefix").and_then(Value::as_str).unwrap_or("");
                let max = p
                    .get("MaxKeys")
                    .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                    .unwrap_or(1000) as usize;
                let after = p
                    .get("ContinuationToken")
                    .or(p.get("StartAfter"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let matching: Vec<(&String, &Object)> = self.buckets[bi]
                    .objects
                    .iter()
                    .filter(|(k, _)| k.starts_with(prefix) && k.as_str() > after)
                    .collect();
                let page: Vec<Value> = matching
                    .iter()
                    .take(max)
                    .map(|(k, o)| json!({"Key": k, "LastModified": iso8601(o.modified_ms), "ETag": o.etag, "Size": o.body.len(), "StorageClass": "STANDARD"}))
                    .collect();
                let mut out = json!({"Name": self.buckets[bi].name, "Prefix": prefix, "MaxKeys": max, "KeyCount": page.len(),
                                     "IsTruncated": matching.len() > max, "Contents": page});
                if matching.len() > max {
                    out["NextContinuationToken"] = json!(matching[max - 1].0);
                }
                Ok(out)
            }
            other => Err(crate::services::unsupported("s3", other)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn put(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        bi: usize,
        key: String,
        body: String,
        p: &Value,
        how: &str,
    ) -> Value {
        use md5::Digest;
        let etag = format!(
            "\"{}\"",
            md5::Md5::digest(body.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let size = body.len();
        let object = Object {
            body,
            etag: etag.clone(),
            content_type: p
                .get("ContentType")
                .and_then(Value::as_str)
                .unwrap_or("binary/octet-stream")
                .to_string(),
            metadata: p.get("Metadata").cloned().unwrap_or(json!({})),
            modified_ms: k.now_ms(),
        };
        let version = self.keep_version(k, bi, &key, Some(object.clone()));
        let b = &mut self.buckets[bi];
        b.metrics.puts += 1;
        b.objects.insert(key.clone(), object);
        let lid = b.logical_id.clone();
        k.record(
            TraceKind::Delivery,
            caller,
            &lid,
            format!("{how} {key}"),
            json!({"Key": key}),
        );
        self.notify(
            k,
            bi,
            &key,
            size,
            &etag,
            &format!("ObjectCreated:{how}"),
            version.as_deref(),
        );
        match version {
            Some(v) => json!({"ETag": etag, "VersionId": v}),
            None => json!({"ETag": etag}),
        }
    }

    /// Records a new version of `key` (an object, or `None` for a delete marker) when the
    /// bucket is versioned; its id, or `None` for an unversioned bucket.
    fn keep_version(
        &mut self,
        k: &mut Kernel<Event>,
        bi: usize,
        key: &str,
        object: Option<Object>,
    ) -> Option<String> {
        let b = &mut self.buckets[bi];
        let id = match b.versioning.as_str() {
            "Enabled" => k.rng.hex(32),
            "Suspended" => "null".to_string(),
            _ => return None,
        };
        let vs = b.versions.entry(key.to_string()).or_default();
        vs.retain(|v| v.id != id);
        vs.push(Version {
            id: id.clone(),
            object,
            modified_ms: k.now_ms(),
        });
        Some(id)
    }

    /// DeleteObject: without a version id, the object goes (unversioned) or a delete
    /// marker is added; with one, that version is removed for good.
    fn delete(
        &mut self,
        k: &mut Kernel<Event>,
        bi: usize,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Value, AwsError> {
        let versioned = !self.buckets[bi].versioning.is_empty();
        match (versioned, version_id) {
            (false, _) => {
                if let Some(o) = self.buckets[bi].objects.remove(key) {
                    self.buckets[bi].metrics.deletes += 1;
                    self.notify(
                        k,
                        bi,
                        key,
                        o.body.len(),
                        &o.etag,
                        "ObjectRemoved:Delete",
                        None,
                    );
                }
                Ok(json!({}))
            }
            (true, None) => {
                let marker = self.keep_version(k, bi, key, None);
                self.buckets[bi].objects.remove(key);
                self.buckets[bi].metrics.deletes += 1;
                self.notify(
                    k,
                    bi,
                    key,
                    0,
                    "",
                    "ObjectRemoved:DeleteMarkerCreated",
                    marker.as_deref(),
                );
                Ok(json!({"DeleteMarker": true, "VersionId": marker}))
            }
            (true, Some(vid)) => {
                let b = &mut self.buckets[bi];
                let vs = b.versions.entry(key.to_string()).or_default();
                let Some(pos) = vs.iter().position(|v| v.id == vid) else {
                    return Ok(json!({"VersionId": vid}));
                };
                let gone = vs.remove(pos);
                // The newest remaining version is the current object again.
                match vs.last().and_then(|v| v.object.clone()) {
                    Some(o) => {
                        b.objects.insert(key.to_string(), o);
                    }
                    None => {
                        b.objects.remove(key);
                    }
                }
                b.metrics.deletes += 1;
                let marker = gone.object.is_none();
                if let Some(o) = &gone.object {
                    let (size, etag) = (o.body.len(), o.etag.clone());
                    self.notify(k, bi, key, size, &etag, "ObjectRemoved:Delete", Some(vid));
                }
                Ok(if marker {
                    json!({"DeleteMarker": true, "VersionId": vid})
                } else {
                    json!({"VersionId": vid})
                })
            }
        }
    }

    /// Sends the event to every matching notification configuration (and EventBridge).
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        k: &mut Kernel<Event>,
        bi: usize,
        key: &str,
        size: usize,
        etag: &str,
        name: &str,
        version: Option<&str>,
    ) {
        self.sequencer += 0x1_0000;
        let sequencer = format!("{:018X}", self.sequencer);
        let b = &self.buckets[bi];
        let request_id = k.rng.hex(16).to_uppercase();
        let etag_plain = etag.trim_matches('"').to_string();
        let mut calls = Vec::new();
        for n in &b.notifications {
            if !n.events.iter().any(|e| event_matches(e, name))
                || !key.starts_with(&n.prefix)
                || !key.ends_with(&n.suffix)
            {
                continue;
            }
            let mut object = json!({"key": encode_key(key), "size": size, "eTag": etag_plain, "sequencer": sequencer});
            if name.starts_with("ObjectRemoved") {
                object = json!({"key": encode_key(key), "sequencer": sequencer});
            }
            if let Some(v) = version {
                object["versionId"] = json!(v);
            }
            let record = json!({
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": self.region,
                "eventTime": iso8601(k.now_ms()), "eventName": name,
                "userIdentity": {"principalId": format!("AWS:AIDA{}", &request_id[..12])},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": format!("{}/playground", request_id.to_lowercase())},
                "s3": {"s3SchemaVersion": "1.0", "configurationId": n.id,
                       "bucket": {"name": b.name, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": format!("arn:aws:s3:::{}", b.name)},
                       "object": object},
            });
            let event = json!({"Records": [record]}).to_string();
            let (action, mut params) = crate::services::send_to(&n.arn, event)
                .expect("notification destinations are Lambda, SQS or SNS");
            if n.dest == Dest::Topic {
                params["Subject"] = json!("Amazon S3 Notification");
            }
            calls.push((action, params));
        }
        if b.eventbridge {
            let detail_type = if name.starts_with("ObjectCreated") {
                "Object Created"
            } else {
                "Object Deleted"
            };
            let reason = match name {
                "ObjectCreated:Put" => "PutObject",
                "ObjectCreated:Copy" => "CopyObject",
                _ => "DeleteObject",
            };
            let detail = json!({"version": "0", "bucket": {"name": b.name},
                "object": {"key": key, "size": size, "etag": etag_plain, "sequencer": sequencer},
                "request-id": request_id, "requester": self.account, "source-ip-address": "127.0.0.1", "reason": reason});
            calls.push(("events:PutEvents", json!({"Entries": [{"Source": "aws.s3", "DetailType": detail_type,
                "Detail": detail.to_string(), "Resources": [format!("arn:aws:s3:::{}", b.name)], "EventBusName": "default"}]})));
        }
        let lid = b.logical_id.clone();
        for (action, params) in calls {
            self.buckets[bi].metrics.notifications += 1;
            let latency = k
                .rng
                .range_f64(NOTIFICATION_LATENCY_MS.0, NOTIFICATION_LATENCY_MS.1);
            k.schedule(
                (latency * US_PER_MS as f64) as u64,
                Event::Call {
                    caller: lid.clone(),
                    action: action.into(),
                    params,
                    waiter: Waiter::Nobody,
                },
            );
        }
    }

    pub fn report(&self, bi: usize) -> Value {
        let b = &self.buckets[bi];
        json!({
            "metrics": {"PutRequests": b.metrics.puts, "GetRequests": b.metrics.gets, "DeleteRequests": b.metrics.deletes,
                        "NumberOfObjects": b.objects.len(), "BucketSizeBytes": b.objects.values().map(|o| o.body.len()).sum::<usize>(),
                        "Notifications": b.metrics.notifications},
            "objects": b.objects.iter().map(|(k, o)| json!({"Key": k, "Size": o.body.len(), "ETag": o.etag})).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_and_keys() {
        assert!(event_matches("s3:ObjectCreated:*", "ObjectCreated:Put"));
        assert!(event_matches("s3:ObjectCreated:Put", "ObjectCreated:Put"));
        assert!(!event_matches("s3:ObjectCreated:Copy", "ObjectCreated:Put"));
        assert!(!event_matches("s3:ObjectRemoved:*", "ObjectCreated:Put"));
        assert_eq!(encode_key("Happy Face.jpg"), "Happy+Face.jpg");
        assert_eq!(encode_key("a/b=c"), "a/b%3Dc");
    }
}
