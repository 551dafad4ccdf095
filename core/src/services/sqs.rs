//! Amazon SQS, standard queues: SendMessage, ReceiveMessage (short and long polling),
//! DeleteMessage(Batch), ChangeMessageVisibility, GetQueueAttributes and GetQueueUrl;
//! visibility timeouts, delay queues and per-message delays, and the RedrivePolicy that
//! moves a message to its dead-letter queue when a receive would take its receive
//! count past maxReceiveCount. The queue owns its messages; nobody else touches them.

use super::{Event, Outcome, Waiter};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, Micros, US_PER_MS};
use crate::template::{json_prop, num_prop, truthy, Model};
use crate::trace::TraceKind;
use crate::util::{opt_i64, req_str};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};

/// SQS's maximum message size since 2026 (1 MiB; 256 KiB before).
pub const MAX_MESSAGE_BYTES: usize = 1_048_576;
pub const MAX_WAIT_SECONDS: i64 = 20;
pub const MAX_VISIBILITY_SECONDS: i64 = 43_200;
pub const MAX_DELAY_SECONDS: i64 = 900;

#[derive(Debug)]
pub(crate) enum SqsEvent {
    /// A message's visibility timeout or delay ended: it may be received again.
    Visible {
        queue: usize,
        seq: u64,
        generation: u64,
    },
    /// A long poll ran out of time with nothing to return.
    PollTimeout { queue: usize, waiter_id: u64 },
    /// A message reached the end of the queue's MessageRetentionPeriod.
    Expire { queue: usize, seq: u64 },
    /// A message move task (DLQ redrive) moves its next message.
    Move { task: usize },
}

#[derive(Clone, Debug)]
struct Message {
    seq: u64,
    id: String,
    body: String,
    md5_body: String,
    md5_attrs: Option<String>,
    message_attributes: Value,
    sender_id: String,
    sent_ms: u64,
    first_receive_ms: Option<u64>,
    receive_count: u32,
    visible_at: Micros,
    /// Bumped on every receive and visibility change, so stale timers do nothing.
    generation: u64,
    receipt: Option<String>,
    /// FIFO queues: the message group, deduplication id and sequence number.
    group_id: Option<String>,
    dedup_id: Option<String>,
    sequence: Option<String>,
    /// In a dead-letter queue: the queue it came from (DeadLetterQueueSourceArn).
    dlq_source: Option<String>,
}

/// A dead-letter queue's RedriveAllowPolicy.
#[derive(Clone, Debug)]
struct RedriveAllow {
    permission: String,
    sources: Vec<String>,
    json: String,
}

impl RedriveAllow {
    fn allows(&self, source_arn: &str) -> bool {
        match self.permission.as_str() {
            "denyAll" => false,
            "byQueue" => self.sources.iter().any(|s| s == source_arn),
            _ => true,
        }
    }
}

/// Whether a source queue may send its dead letters to `dlq`; the error SQS gives if not.
fn redrive_allowed(source: &Queue, dlq: &Queue) -> Result<(), String> {
    match &dlq.redrive_allow {
        Some(a) if !a.allows(&source.arn) => Err(format!(
            "Value {} for parameter RedrivePolicy is invalid. Reason: Queue {} does not allow {} to use it as a dead-letter queue (RedriveAllowPolicy {}).",
            source.redrive_json.clone().unwrap_or_default(),
            dlq.arn,
            source.arn,
            a.json
        )),
        _ => Ok(()),
    }
}

/// A message movement task (StartMessageMoveTask): a DLQ redrive.
struct MoveTask {
    handle: String,
    source: usize,
    destination: Option<usize>,
    rate: u32,
    status: &'static str,
    moved: u64,
    to_move: u64,
    started_ms: u64,
    failure: Option<String>,
}

/// Messages moved per second when the request names no rate ("system optimized").
const DEFAULT_MOVE_RATE: u32 = 500;

struct PollWaiter {
    id: u64,
    waiter: Waiter,
    max: usize,
    visibility: Option<i64>,
    wanted: Wanted,
}

/// Which attributes a ReceiveMessage asked for: SQS returns only those (none by default).
#[derive(Clone, Debug, Default)]
struct Wanted {
    system: Vec<String>,
    message: Vec<String>,
}

impl Wanted {
    fn from_request(p: &Value) -> Self {
        let list = |keys: &[&str]| -> Vec<String> {
            keys.iter()
                .filter_map(|k| p.get(*k).and_then(Value::as_array))
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        };
        Wanted {
            system: list(&["AttributeNames", "MessageSystemAttributeNames"]),
            message: list(&["MessageAttributeNames"]),
        }
    }

    fn system(&self, name: &str) -> bool {
        self.system.iter().any(|n| n == "All" || n == name)
    }

    /// `All`, `.*`, an exact name, or a `prefix.*` pattern, as SQS documents.
    fn message(&self, name: &str) -> bool {
        self.message.iter().any(|n| {
            n == "All"
                || n == ".*"
                || n == name
                || n.strip_suffix(".*")
                    .is_some_and(|p| name.starts_with(&format!("{p}.")))
        })
    }

    fn all() -> Self {
        Wanted {
            system: vec!["All".into()],
            message: vec!["All".into()],
        }
    }
}

#[derive(Default, Clone, Copy)]
struct QueueMetrics {
    sent: u64,
    received: u64,
    deleted: u64,
    empty_receives: u64,
    sent_bytes: u64,
}

pub(crate) struct Queue {
    pub logical_id: String,
    pub name: String,
    pub url: String,
    pub arn: String,
    visibility_timeout: i64,
    delay_seconds: i64,
    receive_wait: i64,
    redrive: Option<(String, u32)>,
    redrive_json: Option<String>,
    /// RedriveAllowPolicy: which source queues may use this queue as their dead-letter
    /// queue (`None` = allowAll), and the policy's JSON text.
    redrive_allow: Option<RedriveAllow>,
    messages: BTreeMap<u64, Message>,
    waiters: VecDeque<PollWaiter>,
    metrics: QueueMetrics,
    /// Someone long-polls this queue (an event source mapping): a visible message is work.
    polled: bool,
    retention_s: i64,
    last_purge_ms: Option<u64>,
    fifo: Option<Fifo>,
    tags: BTreeMap<String, String>,
    /// DeleteQueue: gone (indices stay stable), and when, for the 60-second rule.
    deleted_ms: Option<u64>,
}

/// What a FIFO queue adds: deduplication and sequence numbers.
struct Fifo {
    content_dedup: bool,
    /// DeduplicationScope messageGroup: ids are unique per group, not per queue.
    per_group: bool,
    /// Deduplication id (with its group, when scoped) → (expires, MessageId, SequenceNumber).
    seen: BTreeMap<String, (Micros, String, String)>,
    next_sequence: u128,
    /// FifoThroughputLimit perMessageGroupId (high throughput): the quota is per
    /// message group; perQueue: per queue.
    per_group_quota: bool,
    /// Calls in the current second, per (action family, message group or "").
    calls: BTreeMap<(&'static str, String), (u64, u32)>,
}

/// FIFO quotas (SQS developer guide, "Amazon SQS FIFO queue quotas"): 300 calls per
/// second per API action for a queue (batches count once), or per message group in
/// high-throughput mode, where the queue as a whole takes up to 70,000.
const FIFO_TPS: u32 = 300;
const HIGH_THROUGHPUT_TPS: u32 = 70_000;

/// FIFO deduplication interval: five minutes.
const DEDUP_US: Micros = 5 * 60 * 1_000 * US_PER_MS;

pub(crate) struct Sqs {
    pub queues: Vec<Queue>,
    next_seq: u64,
    next_waiter: u64,
    tasks: Vec<MoveTask>,
    /// Standard queues as distributed systems (`Metadata.Playground.Sqs`): short polls
    /// sample the servers, and a deletion may miss a copy (at-least-once delivery).
    sampling: bool,
    duplicate_rate: f64,
    /// The draws for both, seeded from the run's seed (apart from the kernel's, so
    /// switching them off changes nothing else in a run).
    rng: crate::rng::Rng,
}

/// The servers a standard queue's messages are spread over (a model: SQS does not
/// publish the number). A short poll asks each with probability 1/2, at least one.
const SERVERS: u64 = 4;
/// How often, by default, a deletion misses a copy on a server SQS cannot reach
/// ("on rare occasions", the SQS developer guide says).
const DEFAULT_DUPLICATE_RATE: f64 = 0.0001;

fn qerr_missing() -> AwsError {
    AwsError::client("QueueDoesNotExist", "The specified queue does not exist.")
}

fn invalid(msg: impl Into<String>) -> AwsError {
    AwsError::client("InvalidParameterValue", msg)
}

fn md5_hex(bytes: &[u8]) -> String {
    let mut h = Md5::new();
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 of message attributes as SQS computes it: names sorted; for each, the
/// length-prefixed name, data type, a transport byte (1 string, 2 binary) and value.
pub fn md5_of_message_attributes(attrs: &Map<String, Value>) -> Result<String, AwsError> {
    let mut buf = Vec::new();
    let mut names: Vec<&String> = attrs.keys().collect();
    names.sort();
    for name in names {
        let a = &attrs[name];
        let ty = a.get("DataType").and_then(Value::as_str).ok_or_else(|| {
            invalid(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            ))
        })?;
        let push = |buf: &mut Vec<u8>, b: &[u8]| {
            buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
            buf.extend_from_slice(b);
        };
        push(&mut buf, name.as_bytes());
        push(&mut buf, ty.as_bytes());
        if ty.starts_with("Binary") {
            let v = a.get("BinaryValue").and_then(Value::as_str).unwrap_or("");
            let bytes = crate::util::base64_decode(v).unwrap_or_default();
            buf.push(2);
            push(&mut buf, &bytes);
        } else {
            let v = a.get("StringValue").and_then(Value::as_str).ok_or_else(|| {
                invalid(format!("The message attribute '{name}' must contain a non-empty message attribute value."))
            })?;
            buf.push(1);
            push(&mut buf, v.as_bytes());
        }
    }
    Ok(md5_hex(&buf))
}

/// Builds a queue from CloudFormation-style properties (a template's, or CreateQueue's
/// Attributes): ranges, RedrivePolicy, FIFO rules. Errors name `path.Property`.
#[allow(clippy::too_many_arguments)]
fn queue_of(
    logical_id: &str,
    name: &str,
    p: &Value,
    path: &str,
    region: &str,
    account: &str,
    index: usize,
) -> Result<Queue, TemplateError> {
    let int = |key: &str, default: i64, lo: i64, hi: i64| -> Result<i64, TemplateError> {
        let v = num_prop(p, key, path)?.map(|f| f as i64).unwrap_or(default);
        if v < lo || v > hi {
            return Err(TemplateError::at(
                format!("{path}.{key}"),
                format!("{key} must be between {lo} and {hi}, got {v}"),
            ));
        }
        Ok(v)
    };
    let visibility_timeout = int("VisibilityTimeout", 30, 0, MAX_VISIBILITY_SECONDS)?;
    let delay_seconds = int("DelaySeconds", 0, 0, MAX_DELAY_SECONDS)?;
    let receive_wait = int("ReceiveMessageWaitTimeSeconds", 0, 0, MAX_WAIT_SECONDS)?;
    let retention_s = int("MessageRetentionPeriod", 345_600, 60, 1_209_600)?;
    let (redrive, redrive_json) = match json_prop(p, "RedrivePolicy", path)? {
        None => (None, None),
        Some(v) => {
            let arn = v
                .get("deadLetterTargetArn")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    TemplateError::at(
                        format!("{path}.RedrivePolicy"),
                        "RedrivePolicy needs deadLetterTargetArn",
                    )
                })?;
            let max = num_prop(&v, "maxReceiveCount", &format!("{path}.RedrivePolicy"))?
                .ok_or_else(|| {
                    TemplateError::at(
                        format!("{path}.RedrivePolicy"),
                        "RedrivePolicy needs maxReceiveCount",
                    )
                })? as i64;
            if !(1..=1000).contains(&max) {
                return Err(TemplateError::at(
                        format!("{path}.RedrivePolicy.maxReceiveCount"),
                        format!("Value {max} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: {max}, valid values are from 1 to 1000 both inclusive."),
                    ));
            }
            let text = json!({"deadLetterTargetArn": arn, "maxReceiveCount": max}).to_string();
            (Some((arn.to_string(), max as u32)), Some(text))
        }
    };
    let redrive_allow = match json_prop(p, "RedriveAllowPolicy", path)? {
        None => None,
        Some(v) => {
            let text = v.to_string();
            let bad = |why: &str| {
                TemplateError::at(
                    format!("{path}.RedriveAllowPolicy"),
                    format!(
                        "Value {text} for parameter RedriveAllowPolicy is invalid. Reason: {why}"
                    ),
                )
            };
            let permission = v
                .get("redrivePermission")
                .and_then(Value::as_str)
                .filter(|p| matches!(*p, "allowAll" | "denyAll" | "byQueue"))
                .ok_or_else(|| bad("redrivePermission must be allowAll, denyAll or byQueue."))?
                .to_string();
            let sources: Vec<String> = match v.get("sourceQueueArns") {
                None => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|s| s.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(|| bad("sourceQueueArns is a list of queue ARNs."))?,
                Some(_) => return Err(bad("sourceQueueArns is a list of queue ARNs.")),
            };
            if permission == "byQueue" && !(1..=10).contains(&sources.len()) {
                return Err(bad(
                    "byQueue needs sourceQueueArns with 1 to 10 queue ARNs.",
                ));
            }
            if permission != "byQueue" && !sources.is_empty() {
                return Err(bad(
                    "sourceQueueArns goes with redrivePermission byQueue only.",
                ));
            }
            Some(RedriveAllow {
                permission,
                sources,
                json: text,
            })
        }
    };
    let fifo = truthy(p.get("FifoQueue"));
    if fifo != name.ends_with(".fifo") {
        return Err(TemplateError::at(
            format!("{path}.QueueName"),
            if fifo {
                "InvalidParameterValue: The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
            } else {
                "InvalidParameterValue: a queue whose name ends in .fifo needs FifoQueue: true"
            },
        ));
    }
    if !fifo {
        for k in [
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
        ] {
            if p.get(k).is_some() {
                return Err(TemplateError::at(
                    format!("{path}.{k}"),
                    format!("InvalidAttributeName: {k} is only valid for FIFO queues"),
                ));
            }
        }
    }
    let per_group = p.get("DeduplicationScope").and_then(Value::as_str) == Some("messageGroup");
    let per_group_quota =
        p.get("FifoThroughputLimit").and_then(Value::as_str) == Some("perMessageGroupId");
    if per_group_quota && !per_group {
        return Err(TemplateError::at(
            format!("{path}.FifoThroughputLimit"),
            "InvalidParameterValue: FifoThroughputLimit perMessageGroupId needs DeduplicationScope messageGroup (high throughput for FIFO queues)",
        ));
    }
    let fifo = fifo.then(|| Fifo {
        content_dedup: truthy(p.get("ContentBasedDeduplication")),
        per_group_quota,
        calls: BTreeMap::new(),
        per_group,
        seen: BTreeMap::new(),
        next_sequence: 18_000_000_000_000_000_000 + index as u128 * 1_000_000_000_000_000,
    });
    Ok(Queue {
        fifo,
        logical_id: logical_id.to_string(),
        name: name.to_string(),
        url: format!("https://sqs.{}.amazonaws.com/{}/{}", region, account, name),
        arn: format!("arn:aws:sqs:{}:{}:{}", region, account, name),
        visibility_timeout,
        delay_seconds,
        receive_wait,
        redrive,
        redrive_json,
        redrive_allow,
        messages: BTreeMap::new(),
        waiters: VecDeque::new(),
        metrics: QueueMetrics::default(),
        polled: false,
        retention_s,
        last_purge_ms: None,
        tags: BTreeMap::new(),
        deleted_ms: None,
    })
}

impl Sqs {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut queues = Vec::new();
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::SQS::Queue")
        {
            let path = format!("Resources.{}.Properties", r.logical_id);
            queues.push(queue_of(
                &r.logical_id,
                &r.physical_name,
                &r.properties,
                &path,
                &model.region,
                &model.account,
                queues.len(),
            )?);
        }
        // A dead-letter target must exist, as CreateQueue checks.
        for q in &queues {
            if let Some((arn, _)) = &q.redrive {
                let Some(d) = queues.iter().find(|d| &d.arn == arn) else {
                    return Err(TemplateError::at(
                        format!("Resources.{}.Properties.RedrivePolicy", q.logical_id),
                        format!("Value {} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", q.redrive_json.clone().unwrap_or_default()),
                    ));
                };
                if d.fifo.is_some() != q.fifo.is_some() {
                    return Err(TemplateError::at(
                        format!("Resources.{}.Properties.RedrivePolicy", q.logical_id),
                        format!("Value {} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.", q.redrive_json.clone().unwrap_or_default()),
                    ));
                }
                redrive_allowed(q, d).map_err(|m| {
                    TemplateError::at(
                        format!("Resources.{}.Properties.RedrivePolicy", q.logical_id),
                        m,
                    )
                })?;
            }
        }
        let cfg = model.playground.get("Sqs");
        let flag = |k: &str| match cfg.and_then(|c| c.get(k)) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("on") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("off") => Ok(false),
            None => Ok(true),
            Some(other) => Err(TemplateError::at(
                format!("Metadata.Playground.Sqs.{k}"),
                format!("{k} is on or off, found {other}"),
            )),
        };
        let sampling = flag("ShortPollSampling")?;
        let duplicate_rate = match cfg.and_then(|c| c.get("DuplicateRate")) {
            None => DEFAULT_DUPLICATE_RATE,
            Some(v) => v.as_f64().filter(|r| (0.0..=1.0).contains(r)).ok_or_else(|| {
                TemplateError::at(
                    "Metadata.Playground.Sqs.DuplicateRate",
                    "DuplicateRate is a number from 0 to 1 (the share of deletions that miss a copy)",
                )
            })?,
        };
        Ok(Sqs {
            queues,
            next_seq: 0,
            next_waiter: 0,
            tasks: Vec::new(),
            sampling,
            duplicate_rate,
            rng: crate::rng::Rng::new(model.seed ^ 0x5153_5153),
        })
    }

    /// The run's seed (the CLI's `--seed` may differ from the template's).
    pub fn seed(&mut self, seed: u64) {
        self.rng = crate::rng::Rng::new(seed ^ 0x5153_5153);
    }

    /// Finds a queue by URL (the API's way), by ARN or by name.
    pub fn find(&self, key: &str) -> Option<usize> {
        self.queues
            .iter()
            .position(|q| q.deleted_ms.is_none() && (q.url == key || q.arn == key || q.name == key))
    }

    /// A queue's VisibilityTimeout in seconds.
    pub fn is_fifo(&self, qi: usize) -> bool {
        self.queues[qi].fifo.is_some()
    }

    pub fn visibility_timeout(&self, qi: usize) -> i64 {
        self.queues[qi].visibility_timeout
    }

    pub fn logical_id_of(&self, key: &str) -> Option<&str> {
        self.find(key).map(|i| self.queues[i].logical_id.as_str())
    }

    /// Marks a queue as consumed by an event source mapping: its visible messages are
    /// work that will be picked up, so the run is not idle while any remain.
    pub fn mark_polled(&mut self, arn: &str) {
        if let Some(qi) = self.find(arn) {
            self.queues[qi].polled = true;
        }
    }

    /// A visible message waits in a queue that someone polls: the run is not idle.
    pub fn has_deliverable_work(&self, now: Micros) -> bool {
        self.queues
            .iter()
            .any(|q| q.polled && q.messages.values().any(|m| m.visible_at <= now))
    }

    /// A FIFO queue's throughput quota for this call, counted per second.
    fn fifo_quota(&mut self, k: &Kernel<Event>, action: &str, p: &Value) -> Result<(), AwsError> {
        let family = match action {
            "SendMessage" | "SendMessageBatch" => "send",
            "ReceiveMessage" => "receive",
            "DeleteMessage" | "DeleteMessageBatch" => "delete",
            "ChangeMessageVisibility" | "ChangeMessageVisibilityBatch" => "visibility",
            _ => return Ok(()),
        };
        let Some(qi) = p
            .get("QueueUrl")
            .and_then(Value::as_str)
            .and_then(|u| self.find(u))
        else {
            return Ok(());
        };
        let Some(f) = self.queues[qi].fifo.as_mut() else {
            return Ok(());
        };
        let second = k.now() / (1_000 * US_PER_MS);
        let mut keys = vec![(
            (family, String::new()),
            if f.per_group_quota {
                HIGH_THROUGHPUT_TPS
            } else {
                FIFO_TPS
            },
        )];
        if f.per_group_quota && family == "send" {
            let mut groups: Vec<String> = match p.get("Entries").and_then(Value::as_array) {
                Some(entries) => entries
                    .iter()
                    .filter_map(|e| e.get("MessageGroupId").and_then(Value::as_str))
                    .map(String::from)
                    .collect(),
                None => p
                    .get("MessageGroupId")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .into_iter()
                    .collect(),
            };
            groups.sort();
            groups.dedup();
            keys.extend(groups.into_iter().map(|g| ((family, g), FIFO_TPS)));
        }
        let over = keys.iter().any(|(key, limit)| {
            f.calls
                .get(key)
                .is_some_and(|(s, n)| *s == second && *n >= *limit)
        });
        if over {
            return Err(AwsError::client(
                "RequestThrottled",
                "The request was denied due to request throttling. Exceeds the permitted request rate for the queue or for the recipient of the request. Ensure that the request rate is within the Amazon SQS limits for sending messages.",
            ));
        }
        for (key, _) in keys {
            let e = f.calls.entry(key).or_insert((second, 0));
            if e.0 != second {
                *e = (second, 0);
            }
            e.1 += 1;
        }
        Ok(())
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
        waiter: Waiter,
    ) -> Outcome {
        if let Err(e) = self.fifo_quota(k, action, p) {
            return Outcome::Done(Err(e));
        }
        let r = match action {
            "SendMessage" => self.send_message(k, caller, p),
            "SendMessageBatch" => self.batch(p, "SendMessageBatchRequestEntry", |sqs, entry| {
                sqs.send_message(k, caller, &entry)
            }),
            "ChangeMessageVisibilityBatch" => self.batch(
                p,
                "ChangeMessageVisibilityBatchRequestEntry",
                |sqs, entry| sqs.change_visibility(k, &entry).map(|_| json!({})),
            ),
            "PurgeQueue" => self.purge(k, p),
            "ReceiveMessage" => return self.receive_message(k, p, waiter),
            "DeleteMessage" => self.delete_message(k, p),
            "DeleteMessageBatch" => self.delete_message_batch(k, p),
            "ChangeMessageVisibility" => self.change_visibility(k, p),
            "GetQueueAttributes" => self.get_queue_attributes(k, p),
            "GetQueueUrl" => self.get_queue_url(p),
            "ListQueues" => {
                let prefix = p
                    .get("QueueNamePrefix")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                Ok(json!({"QueueUrls": self.queues.iter()
                    .filter(|q| q.deleted_ms.is_none() && q.name.starts_with(prefix))
                    .map(|q| q.url.clone()).collect::<Vec<_>>()}))
            }
            "CreateQueue" => self.create_queue(k, p),
            "DeleteQueue" => self.delete_queue(k, p),
            "SetQueueAttributes" => self.set_queue_attributes(k, p),
            "TagQueue" | "UntagQueue" | "ListQueueTags" => self.tags(action, p),
            "StartMessageMoveTask" => self.start_move(k, p),
            "ListMessageMoveTasks" => self.list_moves(p),
            "CancelMessageMoveTask" => self.cancel_move(p),
            other => Err(super::unsupported("sqs", other)),
        };
        Outcome::Done(r)
    }

    fn queue_index(&self, p: &Value) -> Result<usize, AwsError> {
        let url = req_str(p, "QueueUrl")?;
        self.find(url).ok_or_else(qerr_missing)
    }

    fn send_message(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let body = match p.get("MessageBody") {
            Some(Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => {
                return Err(AwsError::client(
                    "MissingParameter",
                    "The request must contain the parameter MessageBody.",
                ))
            }
        };
        if body.is_empty() {
            return Err(AwsError::client(
                "MissingParameter",
                "The request must contain the parameter MessageBody.",
            ));
        }
        let attrs = p
            .get("MessageAttributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let attr_bytes = crate::util::message_attributes_size(&attrs);
        if body.len() + attr_bytes > MAX_MESSAGE_BYTES {
            return Err(invalid(format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {MAX_MESSAGE_BYTES} bytes."
            )));
        }
        let q = &self.queues[qi];
        let own_delay = opt_i64(p, "DelaySeconds")?;
        if let (Some(d), Some(_)) = (own_delay, &q.fifo) {
            return Err(invalid(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
            )));
        }
        let delay = own_delay.unwrap_or(q.delay_seconds);
        if !(0..=MAX_DELAY_SECONDS).contains(&delay) {
            return Err(invalid(format!(
                "Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
            )));
        }
        let group_id = p
            .get("MessageGroupId")
            .and_then(Value::as_str)
            .map(String::from);
        let mut dedup_id = p
            .get("MessageDeduplicationId")
            .and_then(Value::as_str)
            .map(String::from);
        let mut sequence = None;
        if let Some(f) = &q.fifo {
            let Some(group) = &group_id else {
                return Err(AwsError::client(
                    "MissingParameter",
                    "The request must contain the parameter MessageGroupId.",
                ));
            };
            if dedup_id.is_none() {
                if !f.content_dedup {
                    return Err(invalid("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"));
                }
                use sha2::Digest;
                dedup_id = Some(
                    sha2::Sha256::digest(body.as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                );
            }
            let key = match f.per_group {
                true => format!("{group}\u{0}{}", dedup_id.as_deref().unwrap_or("")),
                false => dedup_id.clone().unwrap_or_default(),
            };
            if let Some((until, id, seq)) = f.seen.get(&key) {
                if *until > k.now() {
                    // Accepted, not delivered again within the deduplication interval.
                    let md5 = md5_hex(body.as_bytes());
                    return Ok(
                        json!({"MessageId": id, "MD5OfMessageBody": md5, "SequenceNumber": seq}),
                    );
                }
            }
            sequence = Some(key);
        }
        let md5_attrs = if attrs.is_empty() {
            None
        } else {
            Some(md5_of_message_attributes(&attrs)?)
        };
        self.next_seq += 1;
        let id = k.rng.uuid();
        // FIFO: remember the deduplication id and number the message.
        let sequence = match (sequence, self.queues[qi].fifo.as_mut()) {
            (Some(key), Some(f)) => {
                f.next_sequence += 65_536;
                let n = f.next_sequence.to_string();
                f.seen.retain(|_, (until, _, _)| *until > k.now());
                f.seen
                    .insert(key, (k.now() + DEDUP_US, id.clone(), n.clone()));
                Some(n)
            }
            _ => None,
        };
        let msg = Message {
            group_id,
            dedup_id: if sequence.is_some() { dedup_id } else { None },
            sequence,
            seq: self.next_seq,
            id: id.clone(),
            md5_body: md5_hex(body.as_bytes()),
            md5_attrs: md5_attrs.clone(),
            message_attributes: Value::Object(attrs),
            sender_id: sender_id(caller),
            sent_ms: k.now_ms(),
            first_receive_ms: None,
            receive_count: 0,
            visible_at: k.now() + delay as u64 * 1_000 * US_PER_MS,
            generation: 0,
            receipt: None,
            body,
            dlq_source: None,
        };
        let q = &mut self.queues[qi];
        q.metrics.sent += 1;
        q.metrics.sent_bytes += msg.body.len() as u64;
        let mut out = json!({ "MessageId": id, "MD5OfMessageBody": msg.md5_body });
        if let Some(m) = md5_attrs {
            out["MD5OfMessageAttributes"] = Value::String(m);
        }
        if let Some(n) = &msg.sequence {
            out["SequenceNumber"] = json!(n);
        }
        let seq = msg.seq;
        let summary = crate::util::summarize(&msg.body);
        let logical = q.logical_id.clone();
        q.messages.insert(seq, msg);
        // Expiry never keeps a run going: it is idle work, like an empty poll.
        k.schedule_idle(
            q.retention_s as u64 * 1_000 * US_PER_MS,
            Event::Sqs(SqsEvent::Expire { queue: qi, seq }),
        );
        k.record(
            TraceKind::Delivery,
            caller,
            &logical,
            summary,
            json!({"MessageId": id, "action": "sqs:SendMessage"}),
        );
        if delay > 0 {
            k.schedule(
                delay as u64 * 1_000 * US_PER_MS,
                Event::Sqs(SqsEvent::Visible {
                    queue: qi,
                    seq,
                    generation: 0,
                }),
            );
        } else {
            self.wake(k, qi);
        }
        Ok(out)
    }

    fn receive_message(&mut self, k: &mut Kernel<Event>, p: &Value, waiter: Waiter) -> Outcome {
        let qi = match self.queue_index(p) {
            Ok(q) => q,
            Err(e) => return Outcome::Done(Err(e)),
        };
        let max = match opt_i64(p, "MaxNumberOfMessages") {
            Ok(v) => v.unwrap_or(1),
            Err(e) => return Outcome::Done(Err(e)),
        };
        if !(1..=10).contains(&max) {
            return Outcome::Done(Err(invalid(format!(
                "Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
            ))));
        }
        let visibility = match opt_i64(p, "VisibilityTimeout") {
            Ok(v) => v,
            Err(e) => return Outcome::Done(Err(e)),
        };
        if let Some(v) = visibility {
            if !(0..=MAX_VISIBILITY_SECONDS).contains(&v) {
                return Outcome::Done(Err(invalid(format!(
                    "Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
                ))));
            }
        }
        let wait = match opt_i64(p, "WaitTimeSeconds") {
            Ok(v) => v.unwrap_or(self.queues[qi].receive_wait),
            Err(e) => return Outcome::Done(Err(e)),
        };
        if !(0..=MAX_WAIT_SECONDS).contains(&wait) {
            return Outcome::Done(Err(invalid(format!(
                "Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            ))));
        }
        let wanted = Wanted::from_request(p);
        // A short poll on a standard queue asks a sample of the servers; a long poll
        // asks them all.
        let sample = (wait == 0 && self.sampling && self.queues[qi].fifo.is_none())
            .then(|| self.sample_servers());
        let got = self.take_visible(k, qi, max as usize, visibility, &wanted, sample);
        if !got.is_empty() || wait == 0 {
            if got.is_empty() {
                self.queues[qi].metrics.empty_receives += 1;
            }
            return Outcome::Done(Ok(json!({ "Messages": got })));
        }
        // Long polling: answer as soon as a message arrives, or empty when the wait ends.
        let q = &mut self.queues[qi];
        q.polled = true;
        self.next_waiter += 1;
        let id = self.next_waiter;
        q.waiters.push_back(PollWaiter {
            id,
            waiter,
            max: max as usize,
            visibility,
            wanted,
        });
        k.schedule_idle(
            wait as u64 * 1_000 * US_PER_MS,
            Event::Sqs(SqsEvent::PollTimeout {
                queue: qi,
                waiter_id: id,
            }),
        );
        Outcome::Pending
    }

    /// The servers a short poll asks: each with probability 1/2, at least one.
    fn sample_servers(&mut self) -> Vec<u64> {
        let mut asked: Vec<u64> = (0..SERVERS).filter(|_| self.rng.next_f64() < 0.5).collect();
        if asked.is_empty() {
            asked.push((self.rng.next_f64() * SERVERS as f64) as u64 % SERVERS);
        }
        asked
    }

    /// Receives up to `max` visible messages (from the `sample` of servers only, when
    /// given), moving any whose receive count would pass maxReceiveCount to the
    /// dead-letter queue instead.
    fn take_visible(
        &mut self,
        k: &mut Kernel<Event>,
        qi: usize,
        max: usize,
        visibility: Option<i64>,
        wanted: &Wanted,
        sample: Option<Vec<u64>>,
    ) -> Vec<Value> {
        let now = k.now();
        let mut out = Vec::new();
        let visible: Vec<u64> = if self.queues[qi].fifo.is_some() {
            // FIFO: in order within each group, and a group whose earliest message is in
            // flight (or not yet visible) gives nothing until that message is done.
            let mut blocked = std::collections::BTreeSet::new();
            let mut take = Vec::new();
            for m in self.queues[qi].messages.values() {
                let g = m.group_id.as_deref().unwrap_or("");
                if m.visible_at > now {
                    blocked.insert(g);
                } else if !blocked.contains(g) {
                    take.push(m.seq);
                }
            }
            take
        } else {
            self.queues[qi]
                .messages
                .values()
                .filter(|m| m.visible_at <= now)
                .filter(|m| {
                    sample.as_ref().is_none_or(|s| {
                        s.contains(&(crate::util::fnv1a(m.id.as_bytes()) % SERVERS))
                    })
                })
                .map(|m| m.seq)
                .collect()
        };
        for seq in visible {
            if out.len() >= max {
                break;
            }
            let q = &self.queues[qi];
            if let Some((dlq_arn, max_receive)) = q.redrive.clone() {
                if q.messages[&seq].receive_count >= max_receive {
                    self.move_to_dlq(k, qi, seq, &dlq_arn);
                    continue;
                }
            }
            let vt = visibility.unwrap_or(self.queues[qi].visibility_timeout);
            let receipt = format!(
                "AQEB{}",
                crate::util::base64_encode(k.rng.hex(72).as_bytes())
            );
            let q = &mut self.queues[qi];
            let m = q.messages.get_mut(&seq).expect("visible message exists");
            m.receive_count += 1;
            m.first_receive_ms.get_or_insert(k.now_ms());
            m.visible_at = now + vt as u64 * 1_000 * US_PER_MS;
            m.generation += 1;
            m.receipt = Some(receipt.clone());
            let generation = m.generation;
            out.push(message_json(m, Some(&receipt), wanted));
            q.metrics.received += 1;
            k.schedule(
                vt as u64 * 1_000 * US_PER_MS,
                Event::Sqs(SqsEvent::Visible {
                    queue: qi,
                    seq,
                    generation,
                }),
            );
        }
        out
    }

    fn move_to_dlq(&mut self, k: &mut Kernel<Event>, qi: usize, seq: u64, dlq_arn: &str) {
        let Some(di) = self.queues.iter().position(|q| q.arn == dlq_arn) else {
            return;
        };
        let Some(mut m) = self.queues[qi].messages.remove(&seq) else {
            return;
        };
        self.next_seq += 1;
        m.seq = self.next_seq;
        m.visible_at = k.now();
        m.generation += 1;
        m.receipt = None;
        m.dlq_source = Some(self.queues[qi].arn.clone());
        let from = self.queues[qi].logical_id.clone();
        let to = self.queues[di].logical_id.clone();
        k.record(
            TraceKind::DeadLetter,
            &from,
            &to,
            format!(
                "moved to dead-letter queue after {} receives",
                m.receive_count
            ),
            json!({"MessageId": m.id, "ApproximateReceiveCount": m.receive_count}),
        );
        // Retention in the DLQ counts from the original enqueue time (standard queues).
        let expires_us = (m.sent_ms + self.queues[di].retention_s as u64 * 1_000) * US_PER_MS;
        let seq = m.seq;
        self.queues[di].messages.insert(seq, m);
        k.schedule_at(
            expires_us,
            true,
            Event::Sqs(SqsEvent::Expire { queue: di, seq }),
        );
        self.wake(k, di);
    }

    /// Serves waiting long polls while visible messages remain.
    fn wake(&mut self, k: &mut Kernel<Event>, qi: usize) {
        while !self.queues[qi].waiters.is_empty() {
            let now = k.now();
            if !self.queues[qi]
                .messages
                .values()
                .any(|m| m.visible_at <= now)
            {
                return;
            }
            let w = self.queues[qi]
                .waiters
                .pop_front()
                .expect("checked non-empty");
            let got = self.take_visible(k, qi, w.max, w.visibility, &w.wanted, None);
            if got.is_empty() {
                self.queues[qi].waiters.push_front(w);
                return;
            }
            k.schedule(
                0,
                Event::Reply {
                    waiter: w.waiter,
                    result: Ok(json!({ "Messages": got })),
                },
            );
        }
    }

    pub fn handle(&mut self, k: &mut Kernel<Event>, ev: SqsEvent) {
        match ev {
            SqsEvent::Visible {
                queue,
                seq,
                generation,
            } => {
                let Some(m) = self.queues[queue].messages.get(&seq) else {
                    return;
                };
                if m.generation != generation {
                    return;
                }
                if m.receive_count > 0 {
                    let (id, count) = (m.id.clone(), m.receive_count);
                    let lid = self.queues[queue].logical_id.clone();
                    k.record(
                        TraceKind::Redelivery,
                        &lid,
                        &lid,
                        format!("visible again after the visibility timeout (received {count}×)"),
                        json!({"MessageId": id}),
                    );
                }
                self.wake(k, queue);
            }
            SqsEvent::Expire { queue, seq } => {
                self.queues[queue].messages.remove(&seq);
            }
            SqsEvent::Move { task } => self.move_next(k, task),
            SqsEvent::PollTimeout { queue, waiter_id } => {
                let q = &mut self.queues[queue];
                if let Some(pos) = q.waiters.iter().position(|w| w.id == waiter_id) {
                    let w = q.waiters.remove(pos).expect("position is valid");
                    q.metrics.empty_receives += 1;
                    k.schedule_idle(
                        0,
                        Event::Reply {
                            waiter: w.waiter,
                            result: Ok(json!({ "Messages": [] })),
                        },
                    );
                }
            }
        }
    }

    /// Runs `one` for each entry of a batch request (1–10 entries with distinct ids),
    /// collecting `Successful` and `Failed` as the batch APIs answer.
    fn batch(
        &mut self,
        p: &Value,
        entry_name: &str,
        mut one: impl FnMut(&mut Self, Value) -> Result<Value, AwsError>,
    ) -> Result<Value, AwsError> {
        let url = req_str(p, "QueueUrl")?.to_string();
        self.find(&url).ok_or_else(qerr_missing)?;
        let entries = p
            .get("Entries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if entries.is_empty() {
            return Err(AwsError::client(
                "EmptyBatchRequest",
                format!("There should be at least one {entry_name} in the request."),
            ));
        }
        if entries.len() > 10 {
            return Err(AwsError::client(
                "TooManyEntriesInBatchRequest",
                format!(
                    "Maximum number of entries per request are 10. You have sent {}.",
                    entries.len()
                ),
            ));
        }
        let mut ids: Vec<&str> = Vec::new();
        for e in &entries {
            let id = e.get("Id").and_then(Value::as_str).unwrap_or("");
            let valid = !id.is_empty()
                && id.len() <= 80
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(AwsError::client(
                    "InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
                ));
            }
            if ids.contains(&id) {
                return Err(AwsError::client(
                    "BatchEntryIdsNotDistinct",
                    format!("Id {id} repeated."),
                ));
            }
            ids.push(id);
        }
        if entry_name.starts_with("SendMessage") {
            let total: usize = entries
                .iter()
                .map(|e| {
                    e.get("MessageBody")
                        .map_or(0, |b| b.as_str().map_or(b.to_string().len(), str::len))
                })
                .sum();
            if total > MAX_MESSAGE_BYTES {
                return Err(AwsError::client(
                    "BatchRequestTooLong",
                    format!("Batch requests cannot be longer than {MAX_MESSAGE_BYTES} bytes. You have sent {total} bytes."),
                ));
            }
        }
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        for e in entries {
            let id = e["Id"].clone();
            let mut req = e.clone();
            if let Some(o) = req.as_object_mut() {
                o.remove("Id");
                o.insert("QueueUrl".into(), json!(url));
            }
            match one(self, req) {
                Ok(mut r) => {
                    r["Id"] = id;
                    ok.push(r);
                }
                Err(err) => failed.push(json!({"Id": id, "SenderFault": err.status < 500, "Code": err.code, "Message": err.message})),
            }
        }
        Ok(json!({"Successful": ok, "Failed": failed}))
    }

    /// PurgeQueue: deletes every message; SQS allows one purge per queue every 60 s.
    fn purge(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let now = k.now_ms();
        let q = &mut self.queues[qi];
        if q.last_purge_ms.is_some_and(|t| now < t + 60_000) {
            return Err(AwsError::client(
                "PurgeQueueInProgress",
                format!(
                    "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                    q.name
                ),
            ));
        }
        q.last_purge_ms = Some(now);
        q.messages.clear();
        let lid = q.logical_id.clone();
        k.record(
            TraceKind::Delivery,
            &lid,
            &lid,
            "queue purged".into(),
            json!({"action": "sqs:PurgeQueue"}),
        );
        Ok(json!({}))
    }

    fn find_by_receipt(&self, qi: usize, receipt: &str) -> Result<Option<u64>, AwsError> {
        if !receipt.starts_with("AQEB") {
            return Err(AwsError::client(
                "ReceiptHandleIsInvalid",
                format!("The input receipt handle \"{receipt}\" is not a valid receipt handle."),
            ));
        }
        Ok(self.queues[qi]
            .messages
            .values()
            .find(|m| m.receipt.as_deref() == Some(receipt))
            .map(|m| m.seq))
    }

    fn delete_message(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let receipt = req_str(p, "ReceiptHandle")?;
        // A receipt from an earlier receive succeeds but deletes nothing, as SQS documents.
        if let Some(seq) = self.find_by_receipt(qi, receipt)? {
            // Standard queues: a copy on a server SQS cannot reach survives and comes
            // back when the visibility timeout ends (at-least-once delivery).
            if self.queues[qi].fifo.is_none()
                && self.duplicate_rate > 0.0
                && self.rng.next_f64() < self.duplicate_rate
            {
                let q = &mut self.queues[qi];
                q.metrics.deleted += 1;
                let id = q.messages[&seq].id.clone();
                k.record(
                    TraceKind::Redelivery,
                    &q.logical_id,
                    "",
                    "a copy survived the deletion on a server SQS could not reach: it will be received again (at-least-once delivery)".into(),
                    json!({"MessageId": id}),
                );
            } else {
                self.delete_seq(qi, seq);
            }
        }
        Ok(json!({}))
    }

    fn delete_seq(&mut self, qi: usize, seq: u64) {
        let q = &mut self.queues[qi];
        if q.messages.remove(&seq).is_some() {
            q.metrics.deleted += 1;
        }
    }

    /// DeleteMessageBatch: the shared batch rules, then DeleteMessage per entry (a
    /// stale receipt handle succeeds without deleting, as in DeleteMessage).
    fn delete_message_batch(
        &mut self,
        k: &mut Kernel<Event>,
        p: &Value,
    ) -> Result<Value, AwsError> {
        self.batch(p, "DeleteMessageBatchRequestEntry", |sqs, entry| {
            sqs.delete_message(k, &entry)
        })
    }

    fn change_visibility(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let receipt = req_str(p, "ReceiptHandle")?;
        let vt = opt_i64(p, "VisibilityTimeout")?.ok_or_else(|| {
            AwsError::client(
                "MissingParameter",
                "The request must contain the parameter VisibilityTimeout.",
            )
        })?;
        if !(0..=MAX_VISIBILITY_SECONDS).contains(&vt) {
            return Err(invalid(format!(
                "Value {vt} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200."
            )));
        }
        let now = k.now();
        let seq = self.find_by_receipt(qi, receipt)?;
        let Some(m) = seq.and_then(|s| self.queues[qi].messages.get_mut(&s)) else {
            return Err(AwsError::client(
                "MessageNotInflight",
                "Message does not exist or is not available for visibility timeout change.",
            ));
        };
        if m.visible_at <= now {
            return Err(AwsError::client(
                "MessageNotInflight",
                "Message does not exist or is not available for visibility timeout change.",
            ));
        }
        m.visible_at = now + vt as u64 * 1_000 * US_PER_MS;
        m.generation += 1;
        let (seq, generation) = (m.seq, m.generation);
        k.schedule(
            vt as u64 * 1_000 * US_PER_MS,
            Event::Sqs(SqsEvent::Visible {
                queue: qi,
                seq,
                generation,
            }),
        );
        Ok(json!({}))
    }

    fn counts(&self, qi: usize, now: Micros) -> (usize, usize, usize) {
        let q = &self.queues[qi];
        let mut visible = 0;
        let mut inflight = 0;
        let mut delayed = 0;
        for m in q.messages.values() {
            if m.visible_at <= now {
                visible += 1;
            } else if m.receipt.is_some() {
                inflight += 1;
            } else {
                delayed += 1;
            }
        }
        (visible, inflight, delayed)
    }

    fn get_queue_attributes(&self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let q = &self.queues[qi];
        let (visible, inflight, delayed) = self.counts(qi, k.now());
        let mut all = Map::new();
        let mut put = |k: &str, v: String| {
            all.insert(k.to_string(), Value::String(v));
        };
        put("QueueArn", q.arn.clone());
        put("ApproximateNumberOfMessages", visible.to_string());
        put(
            "ApproximateNumberOfMessagesNotVisible",
            inflight.to_string(),
        );
        put("ApproximateNumberOfMessagesDelayed", delayed.to_string());
        put("CreatedTimestamp", "0".into());
        put("LastModifiedTimestamp", "0".into());
        put("VisibilityTimeout", q.visibility_timeout.to_string());
        put("MaximumMessageSize", MAX_MESSAGE_BYTES.to_string());
        put("MessageRetentionPeriod", q.retention_s.to_string());
        put("DelaySeconds", q.delay_seconds.to_string());
        put("ReceiveMessageWaitTimeSeconds", q.receive_wait.to_string());
        put("SqsManagedSseEnabled", "true".into());
        if let Some(r) = &q.redrive_json {
            put("RedrivePolicy", r.clone());
        }
        if let Some(a) = &q.redrive_allow {
            put("RedriveAllowPolicy", a.json.clone());
        }
        if let Some(f) = &q.fifo {
            put("FifoQueue", "true".into());
            put("ContentBasedDeduplication", f.content_dedup.to_string());
            put(
                "DeduplicationScope",
                if f.per_group { "messageGroup" } else { "queue" }.into(),
            );
        }
        let names: Vec<String> = p
            .get("AttributeNames")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let attrs: Map<String, Value> = if names.iter().any(|n| n == "All") {
            all
        } else {
            let mut out = Map::new();
            for n in &names {
                match all.get(n) {
                    Some(v) => {
                        out.insert(n.clone(), v.clone());
                    }
                    None if n == "RedrivePolicy" => {}
                    None => {
                        return Err(AwsError::client(
                            "InvalidAttributeName",
                            format!("Unknown Attribute {n}."),
                        ))
                    }
                }
            }
            out
        };
        Ok(json!({ "Attributes": attrs }))
    }

    fn get_queue_url(&self, p: &Value) -> Result<Value, AwsError> {
        let name = req_str(p, "QueueName")?;
        self.find(name)
            .map(|qi| json!({"QueueUrl": self.queues[qi].url}))
            .ok_or_else(qerr_missing)
    }

    /// A queue's settings as CloudFormation-style properties (for comparing and merging).
    fn props_of(&self, qi: usize) -> Value {
        let q = &self.queues[qi];
        let mut p = json!({
            "VisibilityTimeout": q.visibility_timeout, "DelaySeconds": q.delay_seconds,
            "ReceiveMessageWaitTimeSeconds": q.receive_wait, "MessageRetentionPeriod": q.retention_s,
        });
        if let Some(r) = &q.redrive_json {
            p["RedrivePolicy"] = json!(r);
        }
        if let Some(a) = &q.redrive_allow {
            p["RedriveAllowPolicy"] = json!(a.json);
        }
        if let Some(f) = &q.fifo {
            p["FifoQueue"] = json!(true);
            p["ContentBasedDeduplication"] = json!(f.content_dedup);
        }
        p
    }

    fn account_region(&self, qi: usize) -> (String, String) {
        let parts: Vec<&str> = self.queues[qi].arn.split(':').collect();
        (parts[3].to_string(), parts[4].to_string())
    }

    /// CreateQueue: idempotent for the same attributes; QueueAlreadyExists for others;
    /// a name deleted less than 60 s ago cannot be used again yet.
    fn create_queue(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let name = req_str(p, "QueueName")?.to_string();
        let base = name.strip_suffix(".fifo").unwrap_or(&name);
        if base.is_empty()
            || name.len() > 80
            || !base
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"));
        }
        let attrs = p.get("Attributes").cloned().unwrap_or(json!({}));
        if let Some(qi) = self.find(&name) {
            let current = self.props_of(qi);
            for (key, v) in attrs.as_object().into_iter().flatten() {
                let same = current.get(key).is_some_and(|c| {
                    c.to_string().trim_matches('"') == v.to_string().trim_matches('"')
                });
                if !same {
                    return Err(AwsError::client("QueueAlreadyExists", format!("A queue already exists with the same name and a different value for attribute {key}")));
                }
            }
            return Ok(json!({"QueueUrl": self.queues[qi].url}));
        }
        if let Some(q) = self
            .queues
            .iter()
            .find(|q| q.name == name && q.deleted_ms.is_some_and(|t| k.now_ms() < t + 60_000))
        {
            let _ = q;
            return Err(AwsError::client("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name."));
        }
        let (region, account) = self
            .queues
            .first()
            .map(|_| self.account_region(0))
            .unwrap_or(("us-east-1".into(), "123456789012".into()));
        let index = self.queues.len();
        let mut q = queue_of(&name, &name, &attrs, "Attributes", &region, &account, index)
            .map_err(|e| AwsError::client("InvalidAttributeValue", e.to_string()))?;
        if let Some((dlq, _)) = &q.redrive {
            let Some(di) = self.find(dlq) else {
                return Err(invalid("Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."));
            };
            redrive_allowed(&q, &self.queues[di]).map_err(invalid)?;
        }
        q.logical_id = String::new();
        if let Some(t) = p.get("tags").or(p.get("Tags")).and_then(Value::as_object) {
            q.tags = t
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect();
        }
        let url = q.url.clone();
        self.queues.push(q);
        Ok(json!({"QueueUrl": url}))
    }

    fn delete_queue(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let q = &mut self.queues[qi];
        q.deleted_ms = Some(k.now_ms());
        q.messages.clear();
        // Waiting long polls end empty.
        for w in std::mem::take(&mut q.waiters) {
            k.schedule(
                0,
                Event::Reply {
                    waiter: w.waiter,
                    result: Ok(json!({"Messages": []})),
                },
            );
        }
        Ok(json!({}))
    }

    /// SetQueueAttributes: the new values are checked as CreateQueue checks them, then
    /// applied; the messages stay.
    fn set_queue_attributes(
        &mut self,
        k: &mut Kernel<Event>,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let mut props = self.props_of(qi);
        for (key, v) in p
            .get("Attributes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            match key.as_str() {
                "FifoQueue" => return Err(invalid("Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")),
                "Policy" | "MaximumMessageSize" | "KmsMasterKeyId" | "SqsManagedSseEnabled" => {}
                _ => props[key] = v.clone(),
            }
        }
        let (region, account) = self.account_region(qi);
        let name = self.queues[qi].name.clone();
        let fresh = queue_of(&name, &name, &props, "Attributes", &region, &account, qi)
            .map_err(|e| AwsError::client("InvalidAttributeValue", e.to_string()))?;
        if let Some((dlq, _)) = &fresh.redrive {
            let Some(di) = self.find(dlq) else {
                return Err(invalid("Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."));
            };
            let dlq = if di == qi { &fresh } else { &self.queues[di] };
            redrive_allowed(&fresh, dlq).map_err(invalid)?;
        }
        let q = &mut self.queues[qi];
        q.visibility_timeout = fresh.visibility_timeout;
        q.delay_seconds = fresh.delay_seconds;
        q.receive_wait = fresh.receive_wait;
        q.retention_s = fresh.retention_s;
        q.redrive = fresh.redrive;
        q.redrive_json = fresh.redrive_json;
        q.redrive_allow = fresh.redrive_allow;
        if let (Some(f), Some(n)) = (q.fifo.as_mut(), fresh.fifo) {
            f.content_dedup = n.content_dedup;
            f.per_group = n.per_group;
            f.per_group_quota = n.per_group_quota;
        }
        let _ = k;
        Ok(json!({}))
    }

    fn tags(&mut self, action: &str, p: &Value) -> Result<Value, AwsError> {
        let qi = self.queue_index(p)?;
        let q = &mut self.queues[qi];
        match action {
            "TagQueue" => {
                for (k, v) in p
                    .get("Tags")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    q.tags
                        .insert(k.clone(), v.as_str().unwrap_or("").to_string());
                }
                if q.tags.len() > 50 {
                    return Err(invalid("Too many tags: a queue has at most 50"));
                }
                Ok(json!({}))
            }
            "UntagQueue" => {
                for k in p
                    .get("TagKeys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    q.tags.remove(k.as_str().unwrap_or(""));
                }
                Ok(json!({}))
            }
            _ => Ok(json!({"Tags": q.tags})),
        }
    }

    /// The report's view of a queue: CloudWatch metrics and the messages it still holds.
    fn queue_by_arn(&self, arn: &str) -> Result<usize, AwsError> {
        self.queues
            .iter()
            .position(|q| q.arn == arn && q.deleted_ms.is_none())
            .ok_or_else(|| {
                AwsError::client(
                    "ResourceNotFoundException",
                    "The resource that you specified for the SourceArn parameter doesn't exist.",
                )
            })
    }

    /// StartMessageMoveTask: redrive a dead-letter queue's messages to their source
    /// queues (or one destination), at MaxNumberOfMessagesPerSecond (at most 500).
    fn start_move(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let source = self.queue_by_arn(req_str(p, "SourceArn")?)?;
        let src_arn = self.queues[source].arn.clone();
        let is_dlq = self.queues.iter().any(|q| {
            q.deleted_ms.is_none() && q.redrive.as_ref().is_some_and(|(arn, _)| *arn == src_arn)
        });
        if !is_dlq {
            return Err(invalid(
                "Source queue must be configured as a Dead Letter Queue.",
            ));
        }
        let destination = match p.get("DestinationArn").and_then(Value::as_str) {
            Some(arn) => Some(self.queue_by_arn(arn).map_err(|_| {
                AwsError::client(
                    "ResourceNotFoundException",
                    "The resource that you specified for the DestinationArn parameter doesn't exist.",
                )
            })?),
            None => None,
        };
        let rate = match p.get("MaxNumberOfMessagesPerSecond") {
            None | Some(Value::Null) => DEFAULT_MOVE_RATE,
            Some(v) => match v.as_u64() {
                Some(n @ 1..=500) => n as u32,
                _ => {
                    return Err(invalid(
                        "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: It must be an integer from 1 to 500.",
                    ))
                }
            },
        };
        if self
            .tasks
            .iter()
            .any(|t| t.source == source && t.status == "RUNNING")
        {
            return Err(invalid(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
            ));
        }
        let now = k.now();
        let to_move = self.queues[source]
            .messages
            .values()
            .filter(|m| m.visible_at <= now)
            .count() as u64;
        let task_id = k.rng.uuid();
        let handle = crate::util::base64_encode(
            json!({"taskId": task_id, "sourceArn": src_arn})
                .to_string()
                .as_bytes(),
        );
        self.tasks.push(MoveTask {
            handle: handle.clone(),
            source,
            destination,
            rate,
            status: "RUNNING",
            moved: 0,
            to_move,
            started_ms: k.now_ms(),
            failure: None,
        });
        k.schedule(
            0,
            Event::Sqs(SqsEvent::Move {
                task: self.tasks.len() - 1,
            }),
        );
        Ok(json!({ "TaskHandle": handle }))
    }

    /// Moves the oldest visible message of a running task's source, then waits for the
    /// next one's turn; the task completes when the messages it counted are moved.
    fn move_next(&mut self, k: &mut Kernel<Event>, ti: usize) {
        let t = &self.tasks[ti];
        if t.status != "RUNNING" {
            return;
        }
        let (source, rate) = (t.source, t.rate);
        let now = k.now();
        let next = self.queues[source]
            .messages
            .values()
            .find(|m| m.visible_at <= now)
            .map(|m| (m.seq, m.dlq_source.clone()));
        let Some((seq, origin)) = next.filter(|_| t.moved < t.to_move) else {
            self.tasks[ti].status = "COMPLETED";
            return;
        };
        let dest = match self.tasks[ti].destination {
            Some(d) => Some(d),
            None => origin.and_then(|arn| {
                self.queues
                    .iter()
                    .position(|q| q.arn == arn && q.deleted_ms.is_none())
            }),
        };
        let Some(di) = dest else {
            let t = &mut self.tasks[ti];
            t.status = "FAILED";
            t.failure = Some("AWS.SimpleQueueService.NonExistentQueue".into());
            return;
        };
        let Some(mut m) = self.queues[source].messages.remove(&seq) else {
            return;
        };
        self.next_seq += 1;
        m.seq = self.next_seq;
        m.visible_at = now;
        m.generation += 1;
        m.receipt = None;
        m.receive_count = 0;
        m.first_receive_ms = None;
        m.dlq_source = None;
        m.sent_ms = k.now_ms();
        let (from, to) = (
            self.queues[source].logical_id.clone(),
            self.queues[di].logical_id.clone(),
        );
        k.record(
            TraceKind::Delivery,
            &from,
            &to,
            "redriven from the dead-letter queue".to_string(),
            json!({"MessageId": m.id, "action": "sqs:StartMessageMoveTask"}),
        );
        let seq = m.seq;
        self.queues[di].metrics.sent += 1;
        self.queues[di].messages.insert(seq, m);
        k.schedule_idle(
            self.queues[di].retention_s as u64 * 1_000 * US_PER_MS,
            Event::Sqs(SqsEvent::Expire { queue: di, seq }),
        );
        self.wake(k, di);
        let t = &mut self.tasks[ti];
        t.moved += 1;
        if t.moved >= t.to_move {
            t.status = "COMPLETED";
        } else {
            k.schedule(
                1_000 * US_PER_MS / rate as u64,
                Event::Sqs(SqsEvent::Move { task: ti }),
            );
        }
    }

    fn task_json(&self, t: &MoveTask) -> Value {
        let mut v = json!({
            "TaskHandle": t.handle,
            "Status": t.status,
            "SourceArn": self.queues[t.source].arn,
            "MaxNumberOfMessagesPerSecond": t.rate,
            "ApproximateNumberOfMessagesMoved": t.moved,
            "ApproximateNumberOfMessagesToMove": t.to_move,
            "StartedTimestamp": t.started_ms,
        });
        if let Some(d) = t.destination {
            v["DestinationArn"] = json!(self.queues[d].arn);
        }
        if let Some(f) = &t.failure {
            v["FailureReason"] = json!(f);
        }
        if t.status != "RUNNING" {
            v.as_object_mut().map(|m| m.remove("TaskHandle"));
        }
        v
    }

    /// ListMessageMoveTasks: the most recent tasks of a source queue, newest first.
    fn list_moves(&self, p: &Value) -> Result<Value, AwsError> {
        let source = self.queue_by_arn(req_str(p, "SourceArn")?)?;
        let max = match crate::util::opt_i64(p, "MaxResults")? {
            None => 1,
            Some(n @ 1..=10) => n as usize,
            Some(_) => {
                return Err(invalid(
                    "Value for parameter MaxResults is invalid. Reason: It must be an integer from 1 to 10.",
                ))
            }
        };
        let results: Vec<Value> = self
            .tasks
            .iter()
            .rev()
            .filter(|t| t.source == source)
            .take(max)
            .map(|t| self.task_json(t))
            .collect();
        Ok(json!({ "Results": results }))
    }

    /// CancelMessageMoveTask: stops a running task; moved messages stay moved.
    fn cancel_move(&mut self, p: &Value) -> Result<Value, AwsError> {
        let handle = req_str(p, "TaskHandle")?;
        let t = self
            .tasks
            .iter_mut()
            .find(|t| t.handle == handle)
            .ok_or_else(|| {
                AwsError::client(
                    "ResourceNotFoundException",
                    "The resource that you specified for the TaskHandle parameter doesn't exist.",
                )
            })?;
        if t.status != "RUNNING" {
            return Err(AwsError::client(
                "UnsupportedOperation",
                "A message movement task can only be cancelled while it is RUNNING.",
            ));
        }
        t.status = "CANCELLED";
        Ok(json!({ "ApproximateNumberOfMessagesMoved": t.moved }))
    }

    pub fn report(&self, qi: usize, now: Micros) -> Value {
        let q = &self.queues[qi];
        let (visible, inflight, delayed) = self.counts(qi, now);
        let oldest = q
            .messages
            .values()
            .map(|m| m.sent_ms)
            .min()
            .map(|t| (now / 1_000 / US_PER_MS).saturating_sub(t / 1000))
            .unwrap_or(0);
        json!({
            "metrics": {
                "NumberOfMessagesSent": q.metrics.sent,
                "NumberOfMessagesReceived": q.metrics.received,
                "NumberOfMessagesDeleted": q.metrics.deleted,
                "NumberOfEmptyReceives": q.metrics.empty_receives,
                "SentMessageSize": q.metrics.sent_bytes,
                "ApproximateNumberOfMessagesVisible": visible,
                "ApproximateNumberOfMessagesNotVisible": inflight,
                "ApproximateNumberOfMessagesDelayed": delayed,
                "ApproximateAgeOfOldestMessage": oldest,
            },
            "messages": q.messages.values().map(|m| message_json(m, None, &Wanted::all())).collect::<Vec<_>>(),
        })
    }

    /// (visible, in flight, delayed) per queue, for the UI's badges.
    pub fn depth(&self, qi: usize, now: Micros) -> (usize, usize, usize) {
        self.counts(qi, now)
    }

    /// What the page's queue browser shows: the oldest `max` messages with their state
    /// and receive count (a look, not a receive: nothing changes), whether the queue is
    /// some queue's dead-letter queue, its latest move task, and its counters.
    pub fn browse(&self, qi: usize, now: Micros, max: usize) -> Value {
        let q = &self.queues[qi];
        let messages: Vec<Value> = q
            .messages
            .values()
            .take(max)
            .map(|m| {
                let state = if m.receipt.is_some() && m.visible_at > now {
                    "inflight"
                } else if m.visible_at > now {
                    "delayed"
                } else {
                    "visible"
                };
                json!({
                    "MessageId": m.id,
                    "Body": crate::util::summarize(&m.body),
                    "State": state,
                    "ApproximateReceiveCount": m.receive_count,
                    "SentTimestamp": m.sent_ms,
                    "MessageGroupId": m.group_id,
                })
            })
            .collect();
        let dlq = self.queues.iter().any(|o| {
            o.deleted_ms.is_none() && o.redrive.as_ref().is_some_and(|(arn, _)| *arn == q.arn)
        });
        let task = self
            .tasks
            .iter()
            .rev()
            .find(|t| t.source == qi)
            .map(|t| self.task_json(t));
        json!({
            "arn": q.arn,
            "url": q.url,
            "messages": messages,
            "dlq": dlq,
            "moveTask": task,
            "sent": q.metrics.sent,
            "received": q.metrics.received,
            "deleted": q.metrics.deleted,
        })
    }
}

/// An SQS `Message` as ReceiveMessage returns it (and as the report lists it).
fn message_json(m: &Message, receipt: Option<&str>, wanted: &Wanted) -> Value {
    let mut v = Map::new();
    v.insert("MessageId".into(), m.id.clone().into());
    if let Some(r) = receipt {
        v.insert("ReceiptHandle".into(), r.into());
    }
    v.insert("MD5OfBody".into(), m.md5_body.clone().into());
    v.insert("Body".into(), m.body.clone().into());
    let mut attrs = Map::new();
    let mut put = |name: &str, value: String| {
        if wanted.system(name) {
            attrs.insert(name.into(), value.into());
        }
    };
    put("ApproximateReceiveCount", m.receive_count.to_string());
    put("SentTimestamp", m.sent_ms.to_string());
    if let Some(n) = &m.sequence {
        put("SequenceNumber", n.clone());
    }
    if let Some(g) = &m.group_id {
        put("MessageGroupId", g.clone());
    }
    put("SenderId", m.sender_id.clone());
    if let Some(d) = &m.dedup_id {
        put("MessageDeduplicationId", d.clone());
    }
    if let Some(t) = m.first_receive_ms {
        put("ApproximateFirstReceiveTimestamp", t.to_string());
    }
    if let Some(src) = &m.dlq_source {
        put("DeadLetterQueueSourceArn", src.clone());
    }
    if !attrs.is_empty() {
        v.insert("Attributes".into(), Value::Object(attrs));
    }
    if let Some(md5) = &m.md5_attrs {
        v.insert("MD5OfMessageAttributes".into(), md5.clone().into());
    }
    let picked: Map<String, Value> = m
        .message_attributes
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| wanted.message(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    // The report lists every message attribute; a receive only those asked for.
    if !picked.is_empty() || receipt.is_none() {
        v.insert("MessageAttributes".into(), Value::Object(picked));
    }
    Value::Object(v)
}

/// An IAM-style unique id for whoever sent the message (AIDA… users, AROA… roles).
fn sender_id(caller: &str) -> String {
    let h = crate::util::fnv1a(caller.as_bytes());
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..17)
        .map(|i| ALPHA[((h >> (i * 3)) & 31) as usize] as char)
        .collect();
    if caller == "driver" || caller == "console" {
        format!("AIDA{tail}")
    } else {
        format!("AROA{tail}:{caller}")
    }
}
