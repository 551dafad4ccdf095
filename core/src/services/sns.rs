//! Amazon SNS topics: Publish, ListTopics, ListSubscriptionsByTopic; subscriptions for
//! SQS queues and Lambda functions (AWS::SNS::Subscription, a topic's inline
//! `Subscription` list, SAM `SNS` events), with filter policies on message attributes or
//! the message body, raw message delivery, and the exact notification shapes AWS
//! delivers: the JSON envelope in an SQS message body and the `Records[].Sns` event a
//! function receives (asynchronously). Each delivery is an API call through the engine.
//! FIFO topics (`.fifo`, FifoTopic): MessageGroupId required, deduplication for five
//! minutes by MessageDeduplicationId or the body's SHA-256 (ContentBasedDeduplication),
//! sequence numbers, deliveries to SQS queues only, in order within a group;
//! FifoThroughputScope `Topic` (3,000 messages and 20 MB a second per topic,
//! deduplication across the topic) or `MessageGroup` (300 a second per group within the
//! regional 30,000, deduplication per group) — past the quota Publish is `Throttled`.
//! PublishBatch publishes up to ten entries, each succeeding or failing on its own.
//!
//! HTTP/S and email subscriptions reach the world outside the account, which the
//! playground stands in for with *sinks* that record what arrives: an HTTP endpoint
//! gets SNS's POSTs (SubscriptionConfirmation first, then Notifications, with SNS's
//! headers) and answers with the status `Metadata.Playground.Endpoints` gives it
//! (`Status`, `FailFirst: N` to fail the first N requests, `Confirm: false` to leave
//! the subscription PendingConfirmation); an email address is an inbox. HTTP/S retries
//! follow the subscription's (or topic's) DeliveryPolicy `healthyRetryPolicy` — by
//! default three retries 20 s apart; what they record is in the topic's report
//! (`endpoints`).

use super::{Event, Outcome, Waiter};
use crate::error::{AwsError, TemplateError};
use crate::kernel::Kernel;
use crate::patterns;
use crate::template::{json_prop, truthy, Model};
use crate::trace::TraceKind;
use crate::util::{iso8601, queue_url_of_arn, req_str};
use serde_json::{json, Map, Value};

/// SNS's message size limit (256 KB).
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Virtual time from Publish to a subscriber receiving the message (ms).
pub const DELIVERY_LATENCY_MS: (f64, f64) = (15.0, 40.0);

#[derive(Default, Clone, Copy)]
struct TopicMetrics {
    published: u64,
    publish_bytes: u64,
    delivered: u64,
    failed: u64,
    filtered_out: u64,
}

pub(crate) struct Topic {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    metrics: TopicMetrics,
    fifo: Option<FifoTopic>,
    /// The topic's DeliveryPolicy (`http.defaultHealthyRetryPolicy`,
    /// `disableSubscriptionOverrides`).
    delivery_policy: Option<Value>,
}

/// What a FIFO topic adds.
struct FifoTopic {
    content_dedup: bool,
    /// FifoThroughputScope `MessageGroup`: deduplication within each message group and
    /// the regional throughput; `Topic` (the default): across the topic, 3,000 messages
    /// and 20 MB a second.
    group_scope: bool,
    /// Publishes in the current second: (second, messages, bytes, per message group).
    window: (u64, u64, u64, std::collections::BTreeMap<String, u64>),
    /// Deduplication ids seen, with the time (ms) until which they count.
    seen: std::collections::BTreeMap<String, u64>,
    next_sequence: u64,
}

/// FIFO deduplication interval: five minutes.
const DEDUP_MS: u64 = 5 * 60 * 1000;
/// FIFO topic quotas (SNS developer guide, FIFO topic quotas): Topic scope 3,000
/// messages and 20 MB per second per topic; MessageGroup scope the regional maximum
/// (30,000 messages per second in us-east-1) and 300 per second per message group.
const FIFO_TOPIC_TPS: u64 = 3_000;
const FIFO_TOPIC_BYTES_PER_S: u64 = 20 * 1024 * 1024;
const FIFO_REGIONAL_TPS: u64 = 30_000;
const FIFO_GROUP_TPS: u64 = 300;

#[derive(Clone, Debug, PartialEq)]
enum Protocol {
    Sqs,
    Lambda,
    Http,
    Email,
    EmailJson,
}

/// An endpoint outside the account: what it answers, and what it received.
#[derive(Clone, Debug, Default)]
struct Sink {
    status: u16,
    fail_first: u64,
    confirm: bool,
    received: Vec<Value>,
}

/// HTTP/S retries (healthyRetryPolicy): the delay before each retry, in seconds —
/// `numNoDelayRetries` at once, then from `minDelayTarget` to `maxDelayTarget` (linear).
fn http_retry_delays(policy: Option<&Value>) -> Vec<u64> {
    let p = policy.and_then(|p| p.get("healthyRetryPolicy"));
    let n = |k: &str, d: u64| {
        p.and_then(|p| p.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(d)
    };
    let retries = n("numRetries", 3).min(100);
    let (min, max) = (n("minDelayTarget", 20), n("maxDelayTarget", 20));
    let no_delay = n("numNoDelayRetries", 0).min(retries);
    let spaced = retries - no_delay;
    let mut total = 0;
    (0..retries)
        .map(|i| {
            if i < no_delay {
                0
            } else if spaced <= 1 {
                min
            } else {
                min + max.saturating_sub(min) * (i - no_delay) / (spaced - 1)
            }
        })
        // SNS caps an HTTP/S policy's total retry time at 3,600 s.
        .take_while(|d| {
            total += d;
            total <= 3_600
        })
        .collect()
}

pub(crate) struct Subscription {
    pub arn: String,
    topic: usize,
    protocol: Protocol,
    pub endpoint: String,
    /// HTTP/S and email: confirmed by the endpoint (else PendingConfirmation).
    confirmed: bool,
    /// HTTP/S: the delays of its retries.
    retry_delays: Vec<u64>,
    /// The template resource it comes from (the canvas's endpoint box).
    logical_id: String,
    raw: bool,
    filter: Option<Value>,
    body_scope: bool,
    /// RedrivePolicy: the SQS queue for messages that could not be delivered.
    dead_letter: Option<String>,
}

/// One delivery to one subscriber, kept for a retry or the dead-letter queue.
#[derive(Debug, Clone)]
pub(crate) struct SnsDelivery {
    topic: usize,
    sub: usize,
    action: String,
    params: Value,
    attempt: u32,
}

/// AWS-managed endpoints (SQS, Lambda): three immediate retries, two after a second,
/// then back-off to 20 s (the documented policy goes on for 23 days; the playground
/// stops after 15 retries and counts the message as failed).
const RETRY_DELAYS_S: [u64; 15] = [0, 0, 0, 1, 1, 1, 2, 4, 8, 16, 20, 20, 20, 20, 20];

pub(crate) struct Sns {
    pub topics: Vec<Topic>,
    pub subs: Vec<Subscription>,
    region: String,
    /// Endpoints outside the account (URLs, email addresses).
    sinks: std::collections::BTreeMap<String, Sink>,
}

impl Sns {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut topics = Vec::new();
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::SNS::Topic")
        {
            let fifo = truthy(r.properties.get("FifoTopic"));
            if fifo != r.physical_name.ends_with(".fifo") {
                return Err(TemplateError::at(
                    format!("Resources.{}.Properties.TopicName", r.logical_id),
                    if fifo {
                        "Invalid parameter: Fifo Topic names must end with .fifo"
                    } else {
                        "Invalid parameter: a topic name ending with .fifo needs FifoTopic: true"
                    },
                ));
            }
            let path = format!("Resources.{}.Properties", r.logical_id);
            let delivery_policy = json_prop(&r.properties, "DeliveryPolicy", &path)?;
            let group_scope = match r.properties.get("FifoThroughputScope").and_then(Value::as_str) {
                None | Some("Topic") => false,
                Some("MessageGroup") if fifo => true,
                Some("MessageGroup") => {
                    return Err(TemplateError::at(
                        format!("{path}.FifoThroughputScope"),
                        "Invalid parameter: FifoThroughputScope is only valid for FIFO topics",
                    ))
                }
                Some(other) => {
                    return Err(TemplateError::at(
                        format!("{path}.FifoThroughputScope"),
                        format!("Invalid parameter: FifoThroughputScope is Topic or MessageGroup, found {other}"),
                    ))
                }
            };
            topics.push(Topic {
                delivery_policy,
                fifo: fifo.then(|| FifoTopic {
                    group_scope,
                    window: (0, 0, 0, Default::default()),
                    content_dedup: truthy(r.properties.get("ContentBasedDeduplication")),
                    seen: Default::default(),
                    next_sequence: 10_000_000_000_000_000_000,
                }),
                logical_id: r.logical_id.clone(),
                arn: format!(
                    "arn:aws:sns:{}:{}:{}",
                    model.region, model.account, r.physical_name
                ),
                name: r.physical_name.clone(),
                metrics: TopicMetrics::default(),
            });
        }
        let mut sns = Sns {
            topics,
            subs: Vec::new(),
            region: model.region.clone(),
            sinks: Default::default(),
        };
        if let Some(eps) = model.playground.get("Endpoints").and_then(Value::as_object) {
            for (name, e) in eps {
                sns.sinks.insert(
                    name.clone(),
                    Sink {
                        status: e.get("Status").and_then(Value::as_u64).unwrap_or(200) as u16,
                        fail_first: e.get("FailFirst").and_then(Value::as_u64).unwrap_or(0),
                        confirm: e.get("Confirm").and_then(Value::as_bool).unwrap_or(true),
                        received: Vec::new(),
                    },
                );
            }
        }
        for r in &model.resources {
            let path = format!("Resources.{}.Properties", r.logical_id);
            match r.resource_type.as_str() {
                "AWS::SNS::Topic" => {
                    if let Some(list) = r.properties.get("Subscription").and_then(Value::as_array) {
                        let arn = sns
                            .topics
                            .iter()
                            .find(|t| t.logical_id == r.logical_id)
                            .map(|t| t.arn.clone())
                            .unwrap_or_default();
                        for (i, s) in list.iter().enumerate() {
                            sns.add(&format!("{path}.Subscription[{i}]"), &arn, s, &Value::Null)?;
                        }
                    }
                }
                "AWS::SNS::Subscription" => {
                    let topic = r
                        .properties
                        .get("TopicArn")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    sns.add(&path, &topic, &r.properties, &r.properties)?;
                }
                "AWS::Serverless::Function" => {
                    let Some(events) = r.properties.get("Events").and_then(Value::as_object) else {
                        continue;
                    };
                    let fn_arn = format!(
                        "arn:aws:lambda:{}:{}:function:{}",
                        model.region, model.account, r.physical_name
                    );
                    for (name, ev) in events
                        .iter()
                        .filter(|(_, e)| e.get("Type").and_then(Value::as_str) == Some("SNS"))
                    {
                        let p = ev.get("Properties").cloned().unwrap_or(json!({}));
                        let topic = p
                            .get("Topic")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        let sub = json!({"Protocol": "lambda", "Endpoint": fn_arn});
                        sns.add(
                            &format!("{path}.Events.{name}.Properties"),
                            &topic,
                            &sub,
                            &p,
                        )?;
                    }
                }
                _ => {}
            }
        }
        Ok(sns)
    }

    /// Adds a subscription; `opts` carries FilterPolicy, FilterPolicyScope, RawMessageDelivery.
    fn add(
        &mut self,
        path: &str,
        topic_arn: &str,
        sub: &Value,
        opts: &Value,
    ) -> Result<(), TemplateError> {
        let topic = self
            .topics
            .iter()
            .position(|t| t.arn == topic_arn)
            .ok_or_else(|| {
                TemplateError::at(
                    path,
                    format!("'{topic_arn}' is not a topic of this template (use !Ref Topic)"),
                )
            })?;
        let protocol = match sub.get("Protocol").and_then(Value::as_str).unwrap_or("") {
            "sqs" => Protocol::Sqs,
            "lambda" => Protocol::Lambda,
            "http" | "https" => Protocol::Http,
            "email" => Protocol::Email,
            "email-json" => Protocol::EmailJson,
            other => {
                return Err(TemplateError::at(
                    format!("{path}.Protocol"),
                    format!("protocol '{other}' is not supported by the playground yet (sqs, lambda, http, https, email and email-json are)"),
                ))
            }
        };
        let endpoint = sub
            .get("Endpoint")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let scheme = sub.get("Protocol").and_then(Value::as_str).unwrap_or("");
        if protocol == Protocol::Http && !endpoint.starts_with(&format!("{scheme}://")) {
            return Err(TemplateError::at(
                format!("{path}.Endpoint"),
                format!(
                    "Invalid parameter: Endpoint must match the specified protocol ({scheme}://…)"
                ),
            ));
        }
        if matches!(protocol, Protocol::Email | Protocol::EmailJson) && !endpoint.contains('@') {
            return Err(TemplateError::at(
                format!("{path}.Endpoint"),
                "Invalid parameter: Email address",
            ));
        }
        let fifo_topic = self.topics[topic].fifo.is_some();
        if fifo_topic && protocol != Protocol::Sqs {
            return Err(TemplateError::at(
                format!("{path}.Protocol"),
                "Invalid parameter: Invalid protocol type: a FIFO topic delivers to SQS queues only",
            ));
        }
        if !fifo_topic && protocol == Protocol::Sqs && endpoint.ends_with(".fifo") {
            return Err(TemplateError::at(
                format!("{path}.Endpoint"),
                "Invalid parameter: Invalid SQS FIFO endpoint: a FIFO queue can subscribe to a FIFO topic only",
            ));
        }
        let filter = json_prop(opts, "FilterPolicy", path)?;
        if let Some(f) = &filter {
            patterns::validate(f)
                .map_err(|m| TemplateError::at(format!("{path}.FilterPolicy"), m))?;
        }
        let body_scope =
            opts.get("FilterPolicyScope").and_then(Value::as_str) == Some("MessageBody");
        let dead_letter = match json_prop(opts, "RedrivePolicy", path)? {
            None => None,
            Some(v) => {
                let arn = v
                    .get("deadLetterTargetArn")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !arn.starts_with("arn:aws:sqs:") {
                    return Err(TemplateError::at(
                        format!("{path}.RedrivePolicy"),
                        "Invalid parameter: RedrivePolicy: deadLetterTargetArn must be an SQS queue ARN",
                    ));
                }
                Some(arn.to_string())
            }
        };
        let n = self.subs.len();
        // An endpoint outside the account is asked to confirm first.
        if matches!(
            protocol,
            Protocol::Http | Protocol::Email | Protocol::EmailJson
        ) {
            let sink = self.sinks.entry(endpoint.clone()).or_insert(Sink {
                status: 200,
                confirm: true,
                ..Sink::default()
            });
            let token = format!("{:064x}", crate::util::fnv1a(endpoint.as_bytes()));
            sink.received.push(json!({
                "at_ms": 0, "Type": "SubscriptionConfirmation", "TopicArn": topic_arn,
                "SubscribeURL": format!("https://sns.{}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}", self.region),
                "Confirmed": sink.confirm,
            }));
        }
        self.subs.push(Subscription {
            arn: format!(
                "{}:{:08x}-0000-4000-8000-{:012x}",
                topic_arn,
                0x5eb5_0000u32 + n as u32,
                n
            ),
            topic,
            confirmed: !matches!(
                protocol,
                Protocol::Http | Protocol::Email | Protocol::EmailJson
            ) || self.sinks.get(&endpoint).is_none_or(|s| s.confirm),
            retry_delays: {
                // The subscription's policy, unless the topic's forbids overrides.
                let topic_http = self.topics[topic]
                    .delivery_policy
                    .as_ref()
                    .and_then(|d| d.get("http"));
                let topic_policy = topic_http
                    .and_then(|h| h.get("defaultHealthyRetryPolicy"))
                    .map(|p| json!({"healthyRetryPolicy": p}));
                let locked = topic_http
                    .and_then(|h| h.get("disableSubscriptionOverrides"))
                    .and_then(Value::as_bool)
                    == Some(true);
                let own = json_prop(opts, "DeliveryPolicy", path)?;
                http_retry_delays(if locked {
                    topic_policy.as_ref()
                } else {
                    own.as_ref().or(topic_policy.as_ref())
                })
            },
            logical_id: path
                .strip_prefix("Resources.")
                .and_then(|p| p.split('.').next())
                .unwrap_or("")
                .to_string(),
            protocol,
            endpoint,
            raw: truthy(opts.get("RawMessageDelivery")),
            filter,
            body_scope,
            dead_letter,
        });
        Ok(())
    }

    pub fn find_topic(&self, key: &str) -> Option<usize> {
        self.topics
            .iter()
            .position(|t| t.arn == key || t.name == key)
    }

    pub fn call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
    ) -> Outcome {
        Outcome::Done(match action {
            "Publish" => self.publish(k, caller, p),
            "PublishBatch" => self.publish_batch(k, caller, p),
            "ListTopics" => Ok(
                json!({"Topics": self.topics.iter().map(|t| json!({"TopicArn": t.arn})).collect::<Vec<_>>()}),
            ),
            "ListSubscriptionsByTopic" => {
                let arn = match req_str(p, "TopicArn") {
                    Ok(a) => a,
                    Err(e) => return Outcome::Done(Err(e)),
                };
                match self.find_topic(arn) {
                    Some(ti) => Ok(
                        json!({"Subscriptions": self.subs.iter().filter(|s| s.topic == ti).map(|s| json!({
                        "SubscriptionArn": s.arn, "TopicArn": self.topics[ti].arn, "Owner": "123456789012",
                        "Protocol": match s.protocol { Protocol::Sqs => "sqs", Protocol::Lambda => "lambda", Protocol::Http => if s.endpoint.starts_with("https:") { "https" } else { "http" }, Protocol::Email => "email", Protocol::EmailJson => "email-json" }, "Endpoint": s.endpoint,
                    })).collect::<Vec<_>>()}),
                    ),
                    None => Err(not_found()),
                }
            }
            other => Err(super::unsupported("sns", other)),
        })
    }

    /// PublishBatch: up to ten entries, each published as Publish would (its own
    /// failure in `Failed`), the whole request at most 256 KB.
    fn publish_batch(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let arn = req_str(p, "TopicArn")?.to_string();
        self.find_topic(&arn).ok_or_else(not_found)?;
        let entries = p
            .get("PublishBatchRequestEntries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if entries.is_empty() {
            return Err(AwsError::client(
                "EmptyBatchRequest",
                "The batch request doesn't contain any entries.",
            ));
        }
        if entries.len() > 10 {
            return Err(AwsError::client(
                "TooManyEntriesInBatchRequest",
                "The batch request contains more entries than permissible.",
            ));
        }
        let ids: Vec<&str> = entries
            .iter()
            .map(|e| e.get("Id").and_then(Value::as_str).unwrap_or(""))
            .collect();
        if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
            return Err(AwsError::client(
                "BatchEntryIdsNotDistinct",
                "Two or more batch entries in the request have the same Id.",
            ));
        }
        let total: usize = entries
            .iter()
            .map(|e| {
                let attrs = e.get("MessageAttributes").and_then(Value::as_object);
                e.get("Message").and_then(Value::as_str).map_or(0, str::len)
                    + attrs.map_or(0, crate::util::message_attributes_size)
            })
            .sum();
        if total > MAX_MESSAGE_BYTES {
            return Err(AwsError::client(
                "BatchRequestTooLong",
                "The length of all the messages put together is more than the limit.",
            ));
        }
        let (mut ok, mut failed) = (Vec::new(), Vec::new());
        for (e, id) in entries.iter().zip(ids) {
            let mut one = e.clone();
            if let Some(o) = one.as_object_mut() {
                o.remove("Id");
                o.insert("TopicArn".into(), Value::String(arn.clone()));
            }
            match self.publish(k, caller, &one) {
                Ok(mut r) => {
                    r["Id"] = json!(id);
                    ok.push(r);
                }
                Err(err) => failed.push(json!({
                    "Id": id, "Code": err.code, "Message": err.message,
                    "SenderFault": err.status < 500,
                })),
            }
        }
        Ok(json!({"Successful": ok, "Failed": failed}))
    }

    fn publish(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let arn = p.get("TopicArn").or_else(|| p.get("TargetArn")).and_then(Value::as_str).ok_or_else(|| {
            AwsError::client("InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
        })?;
        let ti = self.find_topic(arn).ok_or_else(not_found)?;
        let message = match p.get("Message") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(AwsError::client(
                    "InvalidParameter",
                    "Invalid parameter: Message",
                ))
            }
        };
        let attrs = p
            .get("MessageAttributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let size = message.len() + crate::util::message_attributes_size(&attrs);
        if size > MAX_MESSAGE_BYTES {
            return Err(AwsError::client(
                "InvalidParameter",
                "Invalid parameter: Message too long",
            ));
        }
        let subject = p.get("Subject").and_then(Value::as_str).map(String::from);
        let id = k.rng.uuid();
        let Some(fifo) = self.fifo_publish(k, ti, p, &message)? else {
            // A duplicate within five minutes: accepted, not delivered again.
            return Ok(json!({ "MessageId": id }));
        };
        let t = &mut self.topics[ti];
        t.metrics.published += 1;
        t.metrics.publish_bytes += message.len() as u64;
        let topic_lid = t.logical_id.clone();
        let topic_arn = t.arn.clone();
        k.record(
            TraceKind::Delivery,
            caller,
            &topic_lid,
            crate::util::summarize(&message),
            json!({"MessageId": id, "action": "sns:Publish"}),
        );
        let note = Notification {
            id: id.clone(),
            topic_arn,
            message,
            subject,
            attrs,
            timestamp: iso8601(k.now_ms()),
            fifo,
        };
        for si in 0..self.subs.len() {
            if self.subs[si].topic != ti || !self.subs[si].confirmed {
                continue;
            }
            if !self.accepts(si, &note) {
                self.topics[ti].metrics.filtered_out += 1;
                continue;
            }
            let (action, params) = self.delivery(k, si, &note);
            // FIFO: one latency for all, so deliveries keep the publish order.
            let latency = if note.fifo.is_some() {
                (DELIVERY_LATENCY_MS.0 + DELIVERY_LATENCY_MS.1) / 2.0
            } else {
                k.rng
                    .range_f64(DELIVERY_LATENCY_MS.0, DELIVERY_LATENCY_MS.1)
            };
            k.schedule(
                (latency * 1000.0) as u64,
                Event::Call {
                    caller: topic_lid.clone(),
                    action: action.into(),
                    params: params.clone(),
                    waiter: Waiter::Sns(Box::new(SnsDelivery {
                        topic: ti,
                        sub: si,
                        action: action.into(),
                        params,
                        attempt: 0,
                    })),
                },
            );
        }
        Ok(match &note.fifo {
            Some(f) => json!({ "MessageId": id, "SequenceNumber": f.sequence }),
            None => json!({ "MessageId": id }),
        })
    }

    /// A FIFO topic's checks and numbering: `Some(Some(…))` with the group,
    /// deduplication id and sequence number; `Some(None)` for a standard topic; `None`
    /// for a duplicate within the deduplication interval.
    fn fifo_publish(
        &mut self,
        k: &mut Kernel<Event>,
        ti: usize,
        p: &Value,
        message: &str,
    ) -> Result<Option<Option<FifoNote>>, AwsError> {
        let Some(f) = self.topics[ti].fifo.as_mut() else {
            return Ok(Some(None));
        };
        let invalid = |m: &str| AwsError::client("InvalidParameter", m);
        let group = p
            .get("MessageGroupId")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                invalid(
                    "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
                )
            })?
            .to_string();
        let dedup = match p.get("MessageDeduplicationId").and_then(Value::as_str) {
            Some(d) => d.to_string(),
            None if f.content_dedup => {
                use sha2::Digest;
                sha2::Sha256::digest(message.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            }
            None => return Err(invalid("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")),
        };
        let now = k.now_ms();
        // The throughput quota of this second (a throttled publish is not accepted).
        let second = now / 1000;
        if f.window.0 != second {
            f.window = (second, 0, 0, Default::default());
        }
        let bytes = message.len() as u64;
        let in_group = f.window.3.get(&group).copied().unwrap_or(0);
        let over = if f.group_scope {
            f.window.1 >= FIFO_REGIONAL_TPS || in_group >= FIFO_GROUP_TPS
        } else {
            f.window.1 >= FIFO_TOPIC_TPS || f.window.2 + bytes > FIFO_TOPIC_BYTES_PER_S
        };
        if over {
            return Err(AwsError::new("Throttled", "Rate exceeded", 429));
        }
        f.window.1 += 1;
        f.window.2 += bytes;
        f.window.3.insert(group.clone(), in_group + 1);
        f.seen.retain(|_, until| *until > now);
        // MessageGroup scope deduplicates within the group only.
        let key = if f.group_scope {
            format!("{group}\u{0}{dedup}")
        } else {
            dedup.clone()
        };
        if f.seen.contains_key(&key) {
            return Ok(None);
        }
        f.seen.insert(key, now + DEDUP_MS);
        f.next_sequence += 1;
        Ok(Some(Some(FifoNote {
            group,
            dedup,
            sequence: format!("{:020}", f.next_sequence),
        })))
    }

    fn accepts(&self, si: usize, note: &Notification) -> bool {
        let Some(policy) = &self.subs[si].filter else {
            return true;
        };
        let doc = if self.subs[si].body_scope {
            match serde_json::from_str::<Value>(&note.message) {
                Ok(v) => v,
                Err(_) => return false,
            }
        } else {
            // Attribute values as the policy sees them: strings, numbers, or string arrays.
            let mut m = Map::new();
            for (name, a) in &note.attrs {
                let ty = a
                    .get("DataType")
                    .and_then(Value::as_str)
                    .unwrap_or("String");
                let raw = a.get("StringValue").and_then(Value::as_str).unwrap_or("");
                let v = if ty.starts_with("Number") {
                    raw.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or(Value::Null)
                } else if ty == "String.Array" {
                    serde_json::from_str(raw).unwrap_or(Value::Null)
                } else if ty.starts_with("Binary") {
                    continue;
                } else {
                    Value::String(raw.to_string())
                };
                m.insert(name.clone(), v);
            }
            Value::Object(m)
        };
        patterns::matches(policy, &doc)
    }

    fn delivery(
        &self,
        k: &mut Kernel<Event>,
        si: usize,
        n: &Notification,
    ) -> (&'static str, Value) {
        let s = &self.subs[si];
        let signature = crate::util::base64_encode(k.rng.hex(256).as_bytes());
        let cert = format!(
            "https://sns.{}.amazonaws.com/SimpleNotificationService-{}.pem",
            self.region,
            k.rng.hex(32)
        );
        let unsubscribe = format!(
            "https://sns.{}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={}",
            self.region, s.arn
        );
        // Attributes in a notification: {"Type": DataType, "Value": StringValue}.
        let attrs: Map<String, Value> = n
            .attrs
            .iter()
            .map(|(k, a)| {
                let ty = a
                    .get("DataType")
                    .and_then(Value::as_str)
                    .unwrap_or("String");
                let v = a
                    .get("StringValue")
                    .or_else(|| a.get("BinaryValue"))
                    .cloned()
                    .unwrap_or(Value::Null);
                (k.clone(), json!({"Type": ty, "Value": v}))
            })
            .collect();
        match s.protocol {
            Protocol::Sqs => {
                let mut params = json!({"QueueUrl": queue_url_of_arn(&s.endpoint)});
                if s.raw {
                    params["MessageBody"] = json!(n.message);
                    if !n.attrs.is_empty() {
                        params["MessageAttributes"] = Value::Object(n.attrs.clone());
                    }
                } else {
                    params["MessageBody"] =
                        json!(envelope(n, &signature, &cert, &unsubscribe, &attrs));
                }
                // A FIFO topic passes the group and deduplication id on (a standard
                // queue keeps the group for fair queuing).
                if let Some(f) = &n.fifo {
                    params["MessageGroupId"] = json!(f.group);
                    if s.endpoint.ends_with(".fifo") {
                        params["MessageDeduplicationId"] = json!(f.dedup);
                    }
                }
                ("sqs:SendMessage", params)
            }
            Protocol::Lambda => {
                let mut sns = Map::new();
                sns.insert("Type".into(), json!("Notification"));
                sns.insert("MessageId".into(), json!(n.id));
                sns.insert("TopicArn".into(), json!(n.topic_arn));
                sns.insert(
                    "Subject".into(),
                    n.subject.clone().map(Value::String).unwrap_or(Value::Null),
                );
                sns.insert("Message".into(), json!(n.message));
                sns.insert("Timestamp".into(), json!(n.timestamp));
                sns.insert("SignatureVersion".into(), json!("1"));
                sns.insert("Signature".into(), json!(signature));
                sns.insert("SigningCertUrl".into(), json!(cert));
                sns.insert("UnsubscribeUrl".into(), json!(unsubscribe));
                sns.insert("MessageAttributes".into(), Value::Object(attrs));
                let record = json!({"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": s.arn, "Sns": sns});
                (
                    "lambda:Invoke",
                    json!({"FunctionName": s.endpoint, "InvocationType": "Event", "Payload": json!({"Records": [record]}).to_string()}),
                )
            }
            Protocol::Http => {
                let body = if s.raw {
                    n.message.clone()
                } else {
                    envelope(n, &signature, &cert, &unsubscribe, &attrs)
                };
                (
                    "endpoint:Post",
                    json!({"Endpoint": s.endpoint, "Subscription": s.logical_id, "Body": body, "Headers": {
                        "x-amz-sns-message-type": "Notification",
                        "x-amz-sns-message-id": n.id,
                        "x-amz-sns-topic-arn": n.topic_arn,
                        "x-amz-sns-subscription-arn": s.arn,
                        "Content-Type": "text/plain; charset=UTF-8",
                        "User-Agent": "Amazon Simple Notification Service Agent",
                    }}),
                )
            }
            Protocol::Email | Protocol::EmailJson => {
                let body = if s.protocol == Protocol::EmailJson {
                    envelope(n, &signature, &cert, &unsubscribe, &attrs)
                } else {
                    format!("{}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n{unsubscribe}\n\nPlease do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support", n.message)
                };
                (
                    "endpoint:Email",
                    json!({"Endpoint": s.endpoint, "Subscription": s.logical_id, "From": "AWS Notifications <no-reply@sns.amazonaws.com>",
                           "Subject": n.subject.clone().unwrap_or_else(|| "AWS Notification Message".into()), "Body": body}),
                )
            }
        }
    }

    /// A subscriber's answer: delivered; retried (server-side errors); or failed, to the
    /// subscription's dead-letter queue if it has one (client-side errors at once).
    pub fn on_delivery(
        &mut self,
        k: &mut Kernel<Event>,
        d: SnsDelivery,
        result: &Result<Value, AwsError>,
    ) {
        let t = &mut self.topics[d.topic];
        let e = match result {
            Ok(_) => {
                t.metrics.delivered += 1;
                return;
            }
            Err(e) => e,
        };
        let lid = t.logical_id.clone();
        // HTTP/S: every failed request is retried by the subscription's policy.
        let http = self.subs[d.sub].protocol == Protocol::Http;
        let delays: &[u64] = if http {
            &self.subs[d.sub].retry_delays
        } else {
            &RETRY_DELAYS_S
        };
        let server_side = http || e.status >= 500 || e.status == 429;
        if server_side && (d.attempt as usize) < delays.len() {
            let delay = delays[d.attempt as usize];
            k.record(
                TraceKind::Throttle,
                &lid,
                "",
                format!("delivery failed ({}), retrying", e.code),
                Value::Null,
            );
            k.schedule(
                delay * 1_000_000,
                Event::Call {
                    caller: lid,
                    action: d.action.clone(),
                    params: d.params.clone(),
                    waiter: Waiter::Sns(Box::new(SnsDelivery {
                        attempt: d.attempt + 1,
                        ..d
                    })),
                },
            );
            return;
        }
        t.metrics.failed += 1;
        k.record(
            TraceKind::Failure,
            &lid,
            &lid,
            format!("delivery failed: {}", e.code),
            json!({"code": e.code}),
        );
        if let Some(dlq) = self.subs[d.sub].dead_letter.clone() {
            // The dead-letter queue holds what the subscriber would have received.
            let body = match d.action.as_str() {
                "sqs:SendMessage" => d.params["MessageBody"].as_str().unwrap_or("").to_string(),
                "endpoint:Post" | "endpoint:Email" => {
                    d.params["Body"].as_str().unwrap_or("").to_string()
                }
                _ => serde_json::from_str::<Value>(d.params["Payload"].as_str().unwrap_or("{}"))
                    .ok()
                    .map(|p| p["Records"][0]["Sns"].to_string())
                    .unwrap_or_default(),
            };
            k.record(
                TraceKind::DeadLetter,
                &lid,
                "",
                "sent to the subscription's dead-letter queue".into(),
                Value::Null,
            );
            k.schedule(
                0,
                Event::Call {
                    caller: lid,
                    action: "sqs:SendMessage".into(),
                    params: json!({"QueueUrl": queue_url_of_arn(&dlq), "MessageBody": body}),
                    waiter: Waiter::Nobody,
                },
            );
        }
    }

    /// What an endpoint outside the account does with a request SNS sends it: records
    /// it and answers with its configured status (failing the first `FailFirst`).
    pub fn endpoint_call(
        &mut self,
        k: &mut Kernel<Event>,
        caller: &str,
        action: &str,
        p: &Value,
    ) -> Result<Value, AwsError> {
        let endpoint = p["Endpoint"].as_str().unwrap_or("").to_string();
        let sink = self.sinks.entry(endpoint.clone()).or_insert(Sink {
            status: 200,
            confirm: true,
            ..Sink::default()
        });
        let http = action == "Post";
        let served = sink
            .received
            .iter()
            .filter(|r| r["Type"] != "SubscriptionConfirmation")
            .count() as u64;
        let status = if http && served < sink.fail_first {
            500
        } else if http {
            sink.status
        } else {
            250
        };
        let mut entry = p.clone();
        entry["at_ms"] = json!(k.now_ms());
        entry["Type"] = json!(if http { "Notification" } else { "Email" });
        entry["Status"] = json!(status);
        let to = p["Subscription"].as_str().unwrap_or("").to_string();
        if let Some(o) = entry.as_object_mut() {
            o.remove("Endpoint");
            o.remove("Subscription");
        }
        sink.received.push(entry);
        k.record(
            TraceKind::Delivery,
            caller,
            &to,
            if http {
                format!("POST {endpoint} → {status}")
            } else {
                format!("email to {endpoint}")
            },
            json!({"Endpoint": endpoint, "Status": status}),
        );
        if http && !(200..300).contains(&status) {
            return Err(AwsError::new(
                "EndpointError",
                format!("the endpoint answered HTTP {status}"),
                status,
            ));
        }
        Ok(json!({"Status": status}))
    }

    pub fn report(&self, ti: usize) -> Value {
        let m = self.topics[ti].metrics;
        json!({
            "metrics": {
                "NumberOfMessagesPublished": m.published,
                "NumberOfNotificationsDelivered": m.delivered,
                "NumberOfNotificationsFailed": m.failed,
                "NumberOfNotificationsFilteredOut": m.filtered_out,
                "PublishSize": m.publish_bytes,
            },
            // What the topic's endpoints outside the account received.
            "endpoints": self.subs.iter()
                .filter(|s| s.topic == ti && self.sinks.contains_key(&s.endpoint))
                .map(|s| (s.endpoint.clone(), json!({
                    "SubscriptionArn": if s.confirmed { s.arn.clone() } else { "PendingConfirmation".into() },
                    "Received": self.sinks[&s.endpoint].received,
                })))
                .collect::<Map<String, Value>>(),
        })
    }
}

struct Notification {
    id: String,
    topic_arn: String,
    message: String,
    subject: Option<String>,
    attrs: Map<String, Value>,
    timestamp: String,
    fifo: Option<FifoNote>,
}

/// A FIFO topic's message group, deduplication id and sequence number.
#[derive(Clone, Debug)]
struct FifoNote {
    group: String,
    dedup: String,
    sequence: String,
}

fn not_found() -> AwsError {
    AwsError::new("NotFound", "Topic does not exist", 404)
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The notification as SNS writes it into an SQS message body: pretty-printed with
/// `"Key" : value` pairs, in this order.
fn envelope(
    n: &Notification,
    signature: &str,
    cert: &str,
    unsubscribe: &str,
    attrs: &Map<String, Value>,
) -> String {
    let mut fields: Vec<(String, String)> = vec![
        ("Type".into(), quote("Notification")),
        ("MessageId".into(), quote(&n.id)),
    ];
    if let Some(f) = &n.fifo {
        fields.push(("SequenceNumber".into(), quote(&f.sequence)));
    }
    fields.push(("TopicArn".into(), quote(&n.topic_arn)));
    if let Some(s) = &n.subject {
        fields.push(("Subject".into(), quote(s)));
    }
    fields.extend([
        ("Message".into(), quote(&n.message)),
        ("Timestamp".into(), quote(&n.timestamp)),
        ("SignatureVersion".into(), quote("1")),
        ("Signature".into(), quote(signature)),
        ("SigningCertURL".into(), quote(cert)),
        ("UnsubscribeURL".into(), quote(unsubscribe)),
    ]);
    if !attrs.is_empty() {
        let inner: Vec<String> = attrs
            .iter()
            .map(|(k, v)| format!("    {} : {}", quote(k), v))
            .collect();
        fields.push((
            "MessageAttributes".into(),
            format!("{{\n{}\n  }}", inner.join(",\n")),
        ));
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  {} : {}", quote(k), v))
        .collect();
    format!("{{\n{}\n}}", body.join(",\n"))
}
