//! Event source mappings for SQS: Lambda's pollers long-poll the queue, hand each batch
//! to the function synchronously as the real SQS event, delete the batch when the
//! function succeeds, and leave it to reappear after the visibility timeout when it
//! fails (where the queue's RedrivePolicy may move it to a dead-letter queue). Every
//! step is an API call through the engine, so each one is traced.
//!
//! Each poller here is one concurrent batch. In the default (standard) mode a mapping
//! starts with five, adds up to 300 a minute while messages keep coming, to at most
//! 1,250 (or ScalingConfig.MaximumConcurrency), and an empty poll retires one above
//! five. In provisioned mode (ProvisionedPollerConfig) MinimumPollers event pollers
//! (2–200, default 2) are ready from the start, each carrying up to ten concurrent
//! invokes; they scale by up to 1,000 concurrent invokes a minute to MaximumPollers
//! (2–2,000, default 200; at most 20,000 invokes) and back to the minimum — Lambda's
//! "Configuring scaling behavior for SQS event source mappings".

use super::Lambda;
use crate::error::TemplateError;
use crate::kernel::Kernel;
use crate::services::{Event, Waiter};
use crate::template::{num_prop, Model};
use crate::trace::TraceKind;
use serde_json::{json, Map, Value};

/// Concurrent batches (pollers) an SQS mapping starts with.
pub const INITIAL_POLLERS: usize = 5;
/// Scale-up (Lambda developer guide, 2026): while messages keep coming, up to 300 more
/// concurrent invokes per minute (older guides say 60), to at most 1,250 (the guide's
/// "maximum number of invokes that an event source mapping can process simultaneously").
pub const SCALE_UP_PER_MINUTE: f64 = 300.0;
pub const MAX_POLLERS: usize = 1_250;
/// Provisioned mode: concurrent invokes per event poller, the scale-up rate, and the
/// most invokes a mapping reaches.
pub const INVOKES_PER_EVENT_POLLER: usize = 10;
pub const PROVISIONED_SCALE_UP_PER_MINUTE: f64 = 1_000.0;
pub const PROVISIONED_MAX_INVOKES: usize = 20_000;

/// The synchronous invocation payload limit a batch must fit in (6 MB).
const MAX_BATCH_BYTES: usize = 6 * 1024 * 1024;
/// What an SQS record adds to its body (ids, attributes, ARNs), roughly.
const RECORD_OVERHEAD: usize = 600;

pub(crate) struct Esm {
    /// Where the template defines it (for errors).
    pub path: String,
    pub uuid: String,
    pub function: usize,
    pub queue_arn: String,
    pub batch_size: usize,
    pub window_s: u64,
    enabled: bool,
    /// FunctionResponseTypes contains ReportBatchItemFailures.
    report_failures: bool,
    region: String,
    /// The alias or version the mapping invokes (FunctionName with a qualifier).
    qualifier: Option<String>,
    /// ScalingConfig.MaximumConcurrency.
    max_concurrency: Option<usize>,
    /// ProvisionedPollerConfig: (MinimumPollers, MaximumPollers) event pollers.
    provisioned: Option<(usize, usize)>,
    /// FilterCriteria patterns (empty: every message goes to the function).
    filters: Vec<Value>,
    /// Pollers running now, and the scale-up allowance (refilled at 5 per second).
    pollers: usize,
    scale_tokens: f64,
    scale_at: crate::kernel::Micros,
    /// MaximumBatchingWindowInSeconds: messages gathered for the next batch, and the
    /// window they started (a later window's timer ignores an earlier one's).
    gathering: Vec<Value>,
    window: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum EsmWaiter {
    Receive {
        esm: usize,
    },
    Invoke {
        esm: usize,
        receipts: Vec<(String, String)>,
        /// The poller that formed the batch polls again when the function is done; a
        /// batch the window's end sent has no poller waiting for it.
        resume: bool,
    },
}

pub(super) fn from_model(model: &Model, lambda: &Lambda) -> Result<Vec<Esm>, TemplateError> {
    let mut out = Vec::new();
    let add = |path: &str,
               function: usize,
               p: &Value,
               arn_key: &str,
               out: &mut Vec<Esm>|
     -> Result<(), TemplateError> {
        let arn = p.get(arn_key).and_then(Value::as_str).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.{arn_key}"),
                "the event source needs the queue's ARN (e.g. !GetAtt Queue.Arn)",
            )
        })?;
        if !arn.starts_with("arn:aws:sqs:") {
            // Kinesis mappings are the stream reader's (streams.rs).
            return Err(TemplateError::at(
                format!("{path}.{arn_key}"),
                format!("'{arn}' is not an SQS queue ARN; only SQS event sources run in the playground yet"),
            ));
        }
        let batch = num_prop(p, "BatchSize", path)?.unwrap_or(10.0) as usize;
        let window = num_prop(p, "MaximumBatchingWindowInSeconds", path)?.unwrap_or(0.0) as u64;
        if !(1..=10_000).contains(&batch) {
            return Err(TemplateError::at(
                format!("{path}.BatchSize"),
                format!("BatchSize must be between 1 and 10000, got {batch}"),
            ));
        }
        if batch > 10 && window == 0 {
            return Err(TemplateError::at(
                format!("{path}.MaximumBatchingWindowInSeconds"),
                "InvalidParameterValueException: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
            ));
        }
        let report_failures = match p.get("FunctionResponseTypes") {
            None | Some(Value::Null) => false,
            Some(Value::Array(types)) => {
                for t in types {
                    if t.as_str() != Some("ReportBatchItemFailures") {
                        return Err(TemplateError::at(
                            format!("{path}.FunctionResponseTypes"),
                            format!(
                                "{t} is not a function response type (ReportBatchItemFailures is)"
                            ),
                        ));
                    }
                }
                !types.is_empty()
            }
            Some(other) => {
                return Err(TemplateError::at(
                    format!("{path}.FunctionResponseTypes"),
                    format!("expected a list, found {other}"),
                ))
            }
        };
        let enabled = p
            .get("Enabled")
            .map(|v| v != &Value::Bool(false) && v != "false")
            .unwrap_or(true);
        // ScalingConfig.MaximumConcurrency: 2–1000 concurrent invocations from this mapping.
        let max_concurrency = match p.pointer("/ScalingConfig/MaximumConcurrency") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let n = v.as_u64().or_else(|| v.as_str()?.parse().ok()).unwrap_or(0);
                if !(2..=1000).contains(&n) {
                    return Err(TemplateError::at(
                        format!("{path}.ScalingConfig.MaximumConcurrency"),
                        format!("InvalidParameterValueException: MaximumConcurrency must be between 2 and 1000, got {v}"),
                    ));
                }
                Some(n as usize)
            }
        };
        // ProvisionedPollerConfig (SQS: MinimumPollers 2–200, default 2; MaximumPollers
        // 2–2,000, default 200), exclusive of ScalingConfig.MaximumConcurrency.
        let provisioned = match p.get("ProvisionedPollerConfig") {
            None | Some(Value::Null) => None,
            Some(c) => {
                let at = format!("{path}.ProvisionedPollerConfig");
                let num = |k: &str, default: u64| -> u64 {
                    c.get(k)
                        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                        .unwrap_or(default)
                };
                let (min, max) = (num("MinimumPollers", 2), num("MaximumPollers", 200));
                if !(2..=200).contains(&min) {
                    return Err(TemplateError::at(format!("{at}.MinimumPollers"), format!("InvalidParameterValueException: MinimumPollers must be between 2 and 200 for an Amazon SQS event source, got {min}")));
                }
                if !(2..=2000).contains(&max) || max < min {
                    return Err(TemplateError::at(format!("{at}.MaximumPollers"), format!("InvalidParameterValueException: MaximumPollers must be between MinimumPollers ({min}) and 2000, got {max}")));
                }
                if max_concurrency.is_some() {
                    return Err(TemplateError::at(at, "InvalidParameterValueException: ScalingConfig.MaximumConcurrency and ProvisionedPollerConfig cannot be used together (provisioned mode sets its own limits)"));
                }
                Some((min as usize, max as usize))
            }
        };
        // FilterCriteria: up to 5 event patterns; a message passes if any matches.
        let mut filters = Vec::new();
        for (i, f) in p
            .pointer("/FilterCriteria/Filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let fp = format!("{path}.FilterCriteria.Filters[{i}].Pattern");
            let pattern: Value = match f.get("Pattern") {
                Some(Value::String(t)) => serde_json::from_str(t).map_err(|e| {
                    TemplateError::at(&fp, format!("InvalidParameterValueException: Invalid filter pattern definition: {e}"))
                })?,
                Some(other) => other.clone(),
                None => return Err(TemplateError::at(&fp, "a filter needs a Pattern")),
            };
            crate::patterns::validate_event_pattern(&pattern).map_err(|e| {
                TemplateError::at(
                    &fp,
                    format!(
                        "InvalidParameterValueException: Invalid filter pattern definition: {e}"
                    ),
                )
            })?;
            filters.push(pattern);
        }
        if filters.len() > 5 {
            return Err(TemplateError::at(
                format!("{path}.FilterCriteria.Filters"),
                "InvalidParameterValueException: at most 5 filters",
            ));
        }
        let n = out.len();
        out.push(Esm {
            path: path.to_string(),
            uuid: format!(
                "{:08x}-0000-4000-8000-{:012x}",
                0x5e5e_0000u32 + n as u32,
                function
            ),
            function,
            queue_arn: arn.to_string(),
            batch_size: batch,
            window_s: window,
            enabled,
            report_failures,
            region: model.region.clone(),
            qualifier: None,
            max_concurrency,
            provisioned,
            filters,
            pollers: 0,
            scale_tokens: 0.0,
            scale_at: 0,
            gathering: Vec::new(),
            window: 0,
        });
        Ok(())
    };
    for r in &model.resources {
        match r.resource_type.as_str() {
            "AWS::Serverless::Function" => {
                let Some(events) = r.properties.get("Events").and_then(Value::as_object) else {
                    continue;
                };
                let fi = lambda
                    .functions
                    .iter()
                    .position(|f| f.logical_id == r.logical_id)
                    .expect("function loaded");
                for (name, ev) in events {
                    let path = format!("Resources.{}.Properties.Events.{name}", r.logical_id);
                    match ev.get("Type").and_then(Value::as_str) {
                        Some("SQS") => {
                            let p = ev.get("Properties").cloned().unwrap_or(json!({}));
                            add(&format!("{path}.Properties"), fi, &p, "Queue", &mut out)?;
                        }
                        // SNS subscriptions belong to the SNS service, rules and
                        // schedules to EventBridge.
                        Some("SNS" | "EventBridgeRule" | "CloudWatchEvent" | "Schedule" | "ScheduleV2" | "S3" | "Kinesis") => {}
                        Some(other) => {
                            return Err(TemplateError::at(
                                format!("{path}.Type"),
                                format!("event source type '{other}' is not supported by the playground yet (SQS, SNS, S3, EventBridgeRule and Schedule are)"),
                            ))
                        }
                        None => return Err(TemplateError::at(format!("{path}.Type"), "the event has no Type")),
                    }
                }
            }
            "AWS::Lambda::EventSourceMapping"
                if r.properties
                    .get("EventSourceArn")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with("arn:aws:kinesis:")) => {}
            "AWS::Lambda::EventSourceMapping" => {
                let (path, fi, qualifier) = mapping_target(lambda, r)?;
                add(&path, fi, &r.properties, "EventSourceArn", &mut out)?;
                if let Some(e) = out.last_mut() {
                    e.qualifier = qualifier;
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// An `AWS::Lambda::EventSourceMapping`'s properties path, its function and the alias
/// or version it invokes (a FunctionName with a qualifier).
pub(super) fn mapping_target(
    lambda: &Lambda,
    r: &crate::template::Resource,
) -> Result<(String, usize, Option<String>), TemplateError> {
    let path = format!("Resources.{}.Properties", r.logical_id);
    let fname = r
        .properties
        .get("FunctionName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let fi = lambda.find(fname).ok_or_else(|| {
        TemplateError::at(
            format!("{path}.FunctionName"),
            format!("no function named '{fname}' in this template"),
        )
    })?;
    let qualifier = fname
        .split_once(":function:")
        .and_then(|(_, n)| n.split_once(':'))
        .map(|(_, q)| q.to_string());
    Ok((path, fi, qualifier))
}

impl Esm {
    /// How many of the gathered messages fit in one invocation's 6 MB.
    fn fitting(&self) -> usize {
        let mut bytes = 0;
        self.gathering
            .iter()
            .take_while(|m| {
                bytes += m["Body"].as_str().map_or(0, str::len) + RECORD_OVERHEAD;
                bytes <= MAX_BATCH_BYTES
            })
            .count()
    }

    /// The function is gone: the mapping polls no more.
    pub fn stop(&mut self) {
        self.enabled = false;
    }

    pub fn describe(&self, lambda: &Lambda) -> Value {
        let mut d = json!({
            "UUID": self.uuid,
            "EventSourceArn": self.queue_arn,
            "FunctionArn": lambda.functions[self.function].arn,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.window_s,
            "State": if self.enabled { "Enabled" } else { "Disabled" },
        });
        if let Some(n) = self.max_concurrency {
            d["ScalingConfig"] = json!({"MaximumConcurrency": n});
        }
        if let Some((min, max)) = self.provisioned {
            d["ProvisionedPollerConfig"] = json!({"MinimumPollers": min, "MaximumPollers": max});
        }
        d
    }

    /// Concurrent batches the mapping keeps when the queue is quiet.
    fn floor(&self) -> usize {
        match self.provisioned {
            Some((min, _)) => min * INVOKES_PER_EVENT_POLLER,
            None => INITIAL_POLLERS.min(self.max_concurrency.unwrap_or(INITIAL_POLLERS)),
        }
    }

    /// Concurrent batches the mapping may scale to, and how many it adds per minute.
    fn ceiling(&self) -> (usize, f64) {
        match self.provisioned {
            Some((_, max)) => (
                (max * INVOKES_PER_EVENT_POLLER).min(PROVISIONED_MAX_INVOKES),
                PROVISIONED_SCALE_UP_PER_MINUTE,
            ),
            None => (
                self.max_concurrency.unwrap_or(MAX_POLLERS).min(MAX_POLLERS),
                SCALE_UP_PER_MINUTE,
            ),
        }
    }

    fn receive_call(&self, esm: usize) -> Event {
        Event::Call {
            caller: format!("esm:{esm}"),
            action: "sqs:ReceiveMessage".into(),
            params: json!({
                "QueueUrl": crate::util::queue_url_of_arn(&self.queue_arn),
                "MaxNumberOfMessages": self.batch_size.min(10),
                "WaitTimeSeconds": 20,
                "AttributeNames": ["All"],
                "MessageAttributeNames": ["All"],
            }),
            waiter: Waiter::Lambda(super::LambdaWaiter::Esm(EsmWaiter::Receive { esm })),
        }
    }

    /// The SQS event record exactly as Lambda builds it from a received message.
    fn record(&self, m: &Value) -> Value {
        let mut attrs = m.get("Attributes").cloned().unwrap_or(json!({}));
        if let Some(a) = attrs.as_object_mut() {
            a.remove("SqsManagedSseEnabled");
        }
        let mut message_attributes = Map::new();
        if let Some(ma) = m.get("MessageAttributes").and_then(Value::as_object) {
            for (k, v) in ma {
                let mut o = Map::new();
                if let Some(s) = v.get("StringValue") {
                    o.insert("stringValue".into(), s.clone());
                }
                if let Some(b) = v.get("BinaryValue") {
                    o.insert("binaryValue".into(), b.clone());
                }
                o.insert("stringListValues".into(), json!([]));
                o.insert("binaryListValues".into(), json!([]));
                o.insert(
                    "dataType".into(),
                    v.get("DataType").cloned().unwrap_or(json!("String")),
                );
                message_attributes.insert(k.clone(), Value::Object(o));
            }
        }
        let mut r = Map::new();
        r.insert("messageId".into(), m["MessageId"].clone());
        r.insert("receiptHandle".into(), m["ReceiptHandle"].clone());
        r.insert("body".into(), m["Body"].clone());
        r.insert("attributes".into(), attrs);
        r.insert(
            "messageAttributes".into(),
            Value::Object(message_attributes),
        );
        r.insert("md5OfBody".into(), m["MD5OfBody"].clone());
        if let Some(md5) = m.get("MD5OfMessageAttributes") {
            r.insert("md5OfMessageAttributes".into(), md5.clone());
        }
        r.insert("eventSource".into(), json!("aws:sqs"));
        r.insert("eventSourceARN".into(), json!(self.queue_arn));
        r.insert("awsRegion".into(), json!(self.region));
        Value::Object(r)
    }
}

/// The message ids a partial batch response lists, or None when the response is
/// invalid (an identifier that is empty, missing or not in the batch). An empty or null
/// response, or an empty list, means every message succeeded.
fn batch_item_failures(payload: &str, batch: &[(String, String)]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_str(payload).ok()?;
    let Some(list) = v.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    if list.is_null() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for item in list.as_array()? {
        let id = item
            .get("itemIdentifier")?
            .as_str()
            .filter(|s| !s.is_empty())?;
        if !batch.iter().any(|(m, _)| m == id) {
            return None;
        }
        out.push(id.to_string());
    }
    Some(out)
}

impl Lambda {
    /// Starts every enabled mapping's pollers (at virtual time 0).
    pub fn start_pollers(&mut self, k: &mut Kernel<Event>) {
        for (i, e) in self.esms.iter_mut().enumerate() {
            if !e.enabled {
                continue;
            }
            // MaximumConcurrency below the five starting pollers: that many pollers, so
            // at most that many batches are with the function at once. Provisioned
            // mode: the minimum event pollers' invokes, ready at once.
            e.pollers = e.floor();
            for _ in 0..e.pollers {
                k.schedule_idle(0, e.receive_call(i));
            }
        }
    }

    pub fn on_esm_reply(
        &mut self,
        k: &mut Kernel<Event>,
        w: EsmWaiter,
        result: Result<Value, crate::error::AwsError>,
        queue_logical: &str,
    ) {
        match w {
            EsmWaiter::Receive { esm } => {
                let e = &self.esms[esm];
                // A stopped mapping's pollers end; what they received returns to the
                // queue when its visibility timeout passes.
                if !e.enabled {
                    return;
                }
                let messages = result
                    .as_ref()
                    .ok()
                    .and_then(|v| v.get("Messages"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if messages.is_empty() {
                    // An empty poll above the starting five retires this poller (scale
                    // down); otherwise keep long-polling.
                    if e.pollers > e.floor() && result.is_ok() {
                        self.esms[esm].pollers -= 1;
                        return;
                    }
                    let delay = if result.is_err() { 1_000_000 } else { 0 };
                    k.schedule_idle(delay, e.receive_call(esm));
                    return;
                }
                // Messages keep coming: add the pollers the scale-up rate allows.
                {
                    let e = &mut self.esms[esm];
                    let (cap, rate) = e.ceiling();
                    let elapsed_s = (k.now() - e.scale_at) as f64 / 1_000_000.0;
                    e.scale_tokens = (e.scale_tokens + elapsed_s * rate / 60.0).min(rate);
                    e.scale_at = k.now();
                    while e.pollers < cap && e.scale_tokens >= 1.0 {
                        e.scale_tokens -= 1.0;
                        e.pollers += 1;
                        let call = e.receive_call(esm);
                        k.schedule_idle(0, call);
                    }
                }
                let e = &self.esms[esm];
                // Filtering: messages no filter matches are deleted, never invoked (the
                // pattern sees the record, with a JSON body parsed).
                let (messages, dropped): (Vec<Value>, Vec<Value>) =
                    messages.into_iter().partition(|m| {
                        e.filters.is_empty() || {
                            let mut doc = e.record(m);
                            if let Some(body) = doc["body"]
                                .as_str()
                                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                            {
                                doc["body"] = body;
                            }
                            e.filters.iter().any(|f| crate::patterns::matches(f, &doc))
                        }
                    });
                if !dropped.is_empty() {
                    let entries: Vec<Value> = dropped
                        .iter()
                        .enumerate()
                        .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
                        .collect();
                    k.record(
                        TraceKind::Delivery,
                        queue_logical,
                        queue_logical,
                        format!("{} message(s) filtered out and deleted", dropped.len()),
                        Value::Null,
                    );
                    for chunk in entries.chunks(10) {
                        k.schedule(0, Event::Call {
                            caller: format!("esm:{esm}"),
                            action: "sqs:DeleteMessageBatch".into(),
                            params: json!({"QueueUrl": crate::util::queue_url_of_arn(&e.queue_arn), "Entries": chunk}),
                            waiter: Waiter::Nobody,
                        });
                    }
                }
                if messages.is_empty() {
                    k.schedule_idle(0, e.receive_call(esm));
                    return;
                }
                // A batching window: gather until the batch is full or the window ends
                // (Lambda invokes at whichever comes first), polling meanwhile.
                if e.window_s > 0 {
                    let window_s = e.window_s;
                    let e = &mut self.esms[esm];
                    if e.gathering.is_empty() {
                        e.window += 1;
                        k.schedule(
                            window_s * 1_000_000,
                            Event::Lambda(super::LambdaEvent::BatchWindow {
                                esm,
                                window: e.window,
                            }),
                        );
                    }
                    e.gathering.extend(messages);
                    // The third reason to invoke early: the batch's payload reaches 6 MB.
                    if e.gathering.len() < e.batch_size && e.fitting() == e.gathering.len() {
                        k.schedule_idle(0, e.receive_call(esm));
                        return;
                    }
                    let batch = self.take_batch(k, esm);
                    self.invoke_batch(k, esm, batch, queue_logical, true);
                    return;
                }
                self.invoke_batch(k, esm, messages, queue_logical, true);
            }
            EsmWaiter::Invoke {
                esm,
                receipts,
                resume,
            } => {
                let e = &self.esms[esm];
                let failed = match &result {
                    Ok(v) => v.get("FunctionError").is_some(),
                    Err(_) => true,
                };
                if failed {
                    // The batch stays in flight and returns after the visibility timeout.
                    if resume {
                        let delay = if result.is_err() { 1_000_000 } else { 0 };
                        k.schedule(delay, e.receive_call(esm));
                    }
                    return;
                }
                // With ReportBatchItemFailures only the messages the function lists return;
                // an invalid answer fails the whole batch, as Lambda documents.
                let keep: Vec<String> = if e.report_failures {
                    let payload = result
                        .as_ref()
                        .ok()
                        .and_then(|v| v["Payload"].as_str())
                        .unwrap_or("null");
                    match batch_item_failures(payload, &receipts) {
                        Some(ids) => ids,
                        None => receipts.iter().map(|(id, _)| id.clone()).collect(),
                    }
                } else {
                    Vec::new()
                };
                let entries: Vec<Value> = receipts
                    .iter()
                    .filter(|(id, _)| !keep.contains(id))
                    .enumerate()
                    .map(|(i, (_, r))| json!({"Id": i.to_string(), "ReceiptHandle": r}))
                    .collect();
                for chunk in entries.chunks(10) {
                    k.schedule(
                        0,
                        Event::Call {
                            caller: format!("esm:{esm}"),
                            action: "sqs:DeleteMessageBatch".into(),
                            params: json!({"QueueUrl": crate::util::queue_url_of_arn(&e.queue_arn), "Entries": chunk}),
                            waiter: Waiter::Nobody,
                        },
                    );
                }
                if resume {
                    k.schedule(0, e.receive_call(esm));
                }
            }
        }
    }

    /// The batching window ended: what was gathered goes to the function now.
    pub fn batch_window_ended(
        &mut self,
        k: &mut Kernel<Event>,
        esm: usize,
        window: u64,
        queue_logical: &str,
    ) {
        let e = &mut self.esms[esm];
        if e.window != window || e.gathering.is_empty() {
            return;
        }
        let batch = self.take_batch(k, esm);
        self.invoke_batch(k, esm, batch, queue_logical, false);
    }

    /// The next batch out of what was gathered (at most BatchSize, within 6 MB); what
    /// is left starts the next window now.
    fn take_batch(&mut self, k: &mut Kernel<Event>, esm: usize) -> Vec<Value> {
        let e = &mut self.esms[esm];
        let n = e.batch_size.min(e.fitting().max(1));
        let batch: Vec<Value> = e.gathering.drain(..n).collect();
        e.window += 1;
        if !e.gathering.is_empty() {
            k.schedule(
                e.window_s * 1_000_000,
                Event::Lambda(super::LambdaEvent::BatchWindow {
                    esm,
                    window: e.window,
                }),
            );
        }
        batch
    }

    /// Hands a batch to the function (synchronously, as the poller does).
    fn invoke_batch(
        &mut self,
        k: &mut Kernel<Event>,
        esm: usize,
        messages: Vec<Value>,
        queue_logical: &str,
        resume: bool,
    ) {
        let e = &self.esms[esm];
        let records: Vec<Value> = messages.iter().map(|m| e.record(m)).collect();
        let receipts = messages
            .iter()
            .map(|m| {
                (
                    m["MessageId"].as_str().unwrap_or("").to_string(),
                    m["ReceiptHandle"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let f = &self.functions[e.function];
        k.record(
            TraceKind::Delivery,
            queue_logical,
            &f.logical_id,
            format!("batch of {} message{}", records.len(), if records.len() == 1 { "" } else { "s" }),
            json!({"MessageIds": messages.iter().map(|m| m["MessageId"].clone()).collect::<Vec<_>>()}),
        );
        let payload = json!({ "Records": records }).to_string();
        k.schedule(
            0,
            Event::Call {
                caller: queue_logical.to_string(),
                action: "lambda:Invoke".into(),
                params: json!({"FunctionName": match &e.qualifier {
                    Some(q) => format!("{}:{q}", f.arn),
                    None => f.arn.clone(),
                }, "InvocationType": "RequestResponse", "Payload": payload}),
                waiter: Waiter::Lambda(super::LambdaWaiter::Esm(EsmWaiter::Invoke {
                    esm,
                    receipts,
                    resume,
                })),
            },
        );
    }
}
