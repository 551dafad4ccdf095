//! Event source mappings on Kinesis streams. Lambda reads each shard in order: one batch
//! per shard at a time (ParallelizationFactor 2–10 splits a shard into lanes by
//! partition key, so records of one key stay in order), invoked synchronously with the
//! Kinesis event; the stream keeps every record (processing removes nothing). A failed
//! batch blocks its shard and is retried — until it succeeds, MaximumRetryAttempts is
//! spent or its records are older than MaximumRecordAgeInSeconds — then it is skipped
//! and, with DestinationConfig.OnFailure, described to an SQS queue or SNS topic
//! (`KinesisBatchInfo`). BisectBatchOnFunctionError halves a failing batch before
//! retrying it; ReportBatchItemFailures resumes from the first failed record. Every read
//! is a `kinesis:GetShardIterator` + `kinesis:GetRecords` call through the engine, once
//! a second while the shard is empty; IteratorAge is the age of a batch's last record.

use super::Lambda;
use crate::error::TemplateError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::{Event, Waiter};
use crate::template::{num_prop, Model};
use crate::trace::TraceKind;
use serde_json::{json, Value};

/// Lambda polls an empty shard about once a second.
const POLL_INTERVAL_MS: u64 = 1_000;

#[derive(Clone, Debug)]
enum Start {
    TrimHorizon,
    Latest,
    AtTimestamp(f64),
}

struct Lane {
    shard: String,
    lane: usize,
    /// The last sequence number this lane has finished with.
    after: Option<String>,
    /// Where a LATEST mapping started (records from then on).
    latest_from: Option<f64>,
    /// The batch being processed and how often it failed.
    batch: Vec<Value>,
    attempts: u32,
    /// A bisected batch is retried at this size.
    limit: Option<usize>,
    /// The shard was closed (resharding) and read to its end: its children take over.
    finished: bool,
}

pub(crate) struct StreamMapping {
    /// Where the template defines it (for errors).
    pub path: String,
    pub uuid: String,
    pub function: usize,
    pub stream_arn: String,
    batch_size: usize,
    start: Start,
    parallel: usize,
    max_retries: i64,
    max_age_s: i64,
    bisect: bool,
    report_failures: bool,
    on_failure: Option<String>,
    qualifier: Option<String>,
    enabled: bool,
    lanes: Vec<Lane>,
    /// A DescribeStream for new shards is out.
    discovering: bool,
    region: String,
}

#[derive(Debug, Clone)]
pub(crate) enum StreamWaiter {
    Shards { m: usize },
    Iterator { m: usize, lane: usize },
    Records { m: usize, lane: usize },
    Invoke { m: usize, lane: usize },
}

fn int(
    p: &Value,
    key: &str,
    path: &str,
    lo: i64,
    hi: i64,
    default: i64,
) -> Result<i64, TemplateError> {
    let v = num_prop(p, key, path)?.map_or(default, |x| x as i64);
    if !(lo..=hi).contains(&v) {
        return Err(TemplateError::at(
            format!("{path}.{key}"),
            format!("InvalidParameterValueException: {key} must be between {lo} and {hi}, got {v}"),
        ));
    }
    Ok(v)
}

pub(super) fn from_model(
    model: &Model,
    lambda: &Lambda,
) -> Result<Vec<StreamMapping>, TemplateError> {
    let mut out = Vec::new();
    let add = |path: &str,
               function: usize,
               p: &Value,
               arn_key: &str,
               qualifier: Option<String>,
               out: &mut Vec<StreamMapping>|
     -> Result<(), TemplateError> {
        let arn = p
            .get(arn_key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let start = match p.get("StartingPosition").and_then(Value::as_str) {
            Some("TRIM_HORIZON") => Start::TrimHorizon,
            Some("LATEST") => Start::Latest,
            Some("AT_TIMESTAMP") => Start::AtTimestamp(
                p.get("StartingPositionTimestamp").and_then(Value::as_f64).ok_or_else(|| {
                    TemplateError::at(format!("{path}.StartingPositionTimestamp"), "AT_TIMESTAMP needs StartingPositionTimestamp (epoch seconds)")
                })?,
            ),
            _ => {
                return Err(TemplateError::at(
                    format!("{path}.StartingPosition"),
                    "InvalidParameterValueException: a Kinesis event source needs StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP",
                ))
            }
        };
        let report_failures = p
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "ReportBatchItemFailures"));
        let on_failure = p
            .pointer("/DestinationConfig/OnFailure/Destination")
            .and_then(Value::as_str)
            .map(String::from);
        if let Some(d) = &on_failure {
            if !(d.starts_with("arn:aws:sqs:") || d.starts_with("arn:aws:sns:")) {
                return Err(TemplateError::at(
                    format!("{path}.DestinationConfig.OnFailure.Destination"),
                    "an on-failure destination of a stream mapping is an SQS queue or an SNS topic",
                ));
            }
        }
        out.push(StreamMapping {
            path: path.to_string(),
            // Deterministic, UUID-shaped: the function's index and the mapping's.
            uuid: format!("{function:08x}-0000-4000-8000-{:012x}", out.len()),
            function,
            stream_arn: arn,
            batch_size: int(p, "BatchSize", path, 1, 10_000, 100)? as usize,
            start,
            parallel: int(p, "ParallelizationFactor", path, 1, 10, 1)? as usize,
            max_retries: int(p, "MaximumRetryAttempts", path, -1, 10_000, -1)?,
            max_age_s: int(p, "MaximumRecordAgeInSeconds", path, -1, 604_800, -1)?,
            bisect: p
                .get("BisectBatchOnFunctionError")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            report_failures,
            on_failure,
            qualifier,
            enabled: p.get("Enabled").and_then(Value::as_bool).unwrap_or(true),
            lanes: Vec::new(),
            discovering: true,
            region: model.region.clone(),
        });
        Ok(())
    };
    for r in &model.resources {
        match r.resource_type.as_str() {
            "AWS::Serverless::Function" => {
                let Some(events) = r.properties.get("Events").and_then(Value::as_object) else {
                    continue;
                };
                let Some(fi) = lambda
                    .functions
                    .iter()
                    .position(|f| f.logical_id == r.logical_id)
                else {
                    continue;
                };
                for (name, ev) in events {
                    if ev.get("Type").and_then(Value::as_str) == Some("Kinesis") {
                        let path = format!(
                            "Resources.{}.Properties.Events.{name}.Properties",
                            r.logical_id
                        );
                        let p = ev.get("Properties").cloned().unwrap_or(json!({}));
                        add(&path, fi, &p, "Stream", None, &mut out)?;
                    }
                }
            }
            "AWS::Lambda::EventSourceMapping" => {
                let arn = r
                    .properties
                    .get("EventSourceArn")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !arn.starts_with("arn:aws:kinesis:") {
                    continue;
                }
                let (path, fi, qualifier) = super::esm::mapping_target(lambda, r)?;
                add(
                    &path,
                    fi,
                    &r.properties,
                    "EventSourceArn",
                    qualifier,
                    &mut out,
                )?;
            }
            _ => {}
        }
    }
    Ok(out)
}

impl Lambda {
    fn stream_call(
        &self,
        m: usize,
        action: &str,
        params: Value,
        w: StreamWaiter,
        delay_ms: u64,
        k: &mut Kernel<Event>,
    ) {
        let call = Event::Call {
            caller: format!("kinesis-esm:{m}"),
            action: action.into(),
            params,
            waiter: Waiter::Lambda(super::LambdaWaiter::Stream(w)),
        };
        // Polling an empty shard is idle work: a run with nothing else to do ends.
        k.schedule_idle(delay_ms * US_PER_MS, call);
    }

    /// Asks for the stream's shards (at the start, and when a closed shard is finished).
    fn discover(&mut self, k: &mut Kernel<Event>, m: usize, delay_ms: u64) {
        self.streams[m].discovering = true;
        let arn = self.streams[m].stream_arn.clone();
        self.stream_call(
            m,
            "kinesis:DescribeStream",
            json!({"StreamARN": arn}),
            StreamWaiter::Shards { m },
            delay_ms,
            k,
        );
    }

    /// Starts every enabled stream mapping: learn the shards first.
    pub fn start_stream_pollers(&mut self, k: &mut Kernel<Event>) {
        for m in 0..self.streams.len() {
            if self.streams[m].enabled {
                let arn = self.streams[m].stream_arn.clone();
                self.stream_call(
                    m,
                    "kinesis:DescribeStream",
                    json!({"StreamARN": arn}),
                    StreamWaiter::Shards { m },
                    0,
                    k,
                );
            }
        }
    }

    fn poll_lane(&mut self, k: &mut Kernel<Event>, m: usize, lane: usize, delay_ms: u64) {
        let s = &self.streams[m];
        let l = &s.lanes[lane];
        let mut p = json!({"StreamARN": s.stream_arn, "ShardId": l.shard});
        match (&l.after, &s.start) {
            (Some(seq), _) => {
                p["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
                p["StartingSequenceNumber"] = json!(seq);
            }
            (None, Start::TrimHorizon) => p["ShardIteratorType"] = json!("TRIM_HORIZON"),
            (None, Start::AtTimestamp(t)) => {
                p["ShardIteratorType"] = json!("AT_TIMESTAMP");
                p["Timestamp"] = json!(t);
            }
            (None, Start::Latest) => {
                p["ShardIteratorType"] = json!("AT_TIMESTAMP");
                p["Timestamp"] = json!(l.latest_from.unwrap_or(0.0));
            }
        }
        self.stream_call(
            m,
            "kinesis:GetShardIterator",
            p,
            StreamWaiter::Iterator { m, lane },
            delay_ms,
            k,
        );
    }

    pub fn on_stream_reply(
        &mut self,
        k: &mut Kernel<Event>,
        w: StreamWaiter,
        result: Result<Value, crate::error::AwsError>,
        stream_logical: &str,
    ) {
        match w {
            StreamWaiter::Shards { m } => {
                let Ok(d) = result else {
                    return self.discover(k, m, POLL_INTERVAL_MS * 5);
                };
                // A shard gets its reader once its parents (if still in the stream) are
                // read to their end, so a key's records stay in order across resharding.
                let first = self.streams[m].lanes.is_empty();
                let now_s = k.now_ms() as f64 / 1000.0;
                let s = &mut self.streams[m];
                s.discovering = false;
                let listed: Vec<(String, Vec<String>)> = d
                    .pointer("/StreamDescription/Shards")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|sh| {
                        let parents = ["ParentShardId", "AdjacentParentShardId"]
                            .iter()
                            .filter_map(|k| sh[*k].as_str().map(String::from))
                            .collect();
                        (sh["ShardId"].as_str().unwrap_or("").to_string(), parents)
                    })
                    .collect();
                let done = |s: &StreamMapping, id: &str| {
                    let mut lanes = s.lanes.iter().filter(|l| l.shard == id).peekable();
                    lanes.peek().is_some() && lanes.all(|l| l.finished)
                };
                let start = s.lanes.len();
                for (id, parents) in &listed {
                    let ready = parents
                        .iter()
                        .all(|p| !listed.iter().any(|(x, _)| x == p) || done(s, p));
                    if s.lanes.iter().any(|l| &l.shard == id) || !ready {
                        continue;
                    }
                    for lane in 0..s.parallel {
                        s.lanes.push(Lane {
                            shard: id.clone(),
                            lane,
                            after: None,
                            // Shards found later are read from their start.
                            latest_from: Some(if first { now_s } else { 0.0 }),
                            batch: Vec::new(),
                            attempts: 0,
                            limit: None,
                            finished: false,
                        });
                    }
                }
                for lane in start..self.streams[m].lanes.len() {
                    self.poll_lane(k, m, lane, 0);
                }
            }
            StreamWaiter::Iterator { m, lane } => match result
                .ok()
                .and_then(|v| v["ShardIterator"].as_str().map(String::from))
            {
                Some(it) => self.stream_call(
                    m,
                    "kinesis:GetRecords",
                    json!({"ShardIterator": it, "Limit": 10_000}),
                    StreamWaiter::Records { m, lane },
                    0,
                    k,
                ),
                None => self.poll_lane(k, m, lane, POLL_INTERVAL_MS),
            },
            StreamWaiter::Records { m, lane } => {
                // No next iterator: the shard was closed by resharding and is read out.
                let closed = result
                    .as_ref()
                    .is_ok_and(|v| v.get("NextShardIterator").is_some_and(Value::is_null));
                let records = result
                    .ok()
                    .and_then(|v| v["Records"].as_array().cloned())
                    .unwrap_or_default();
                let s = &self.streams[m];
                let l = &s.lanes[lane];
                let size = l.limit.unwrap_or(s.batch_size);
                let now_ms = k.now_ms();
                let mine: Vec<Value> = records
                    .into_iter()
                    .filter(|r| {
                        s.parallel == 1
                            || lane_of(r["PartitionKey"].as_str().unwrap_or(""), s.parallel)
                                == l.lane
                    })
                    .take(size)
                    .collect();
                if mine.is_empty() && closed {
                    self.streams[m].lanes[lane].finished = true;
                    return self.discover(k, m, 0);
                }
                if mine.is_empty() {
                    return self.poll_lane(k, m, lane, POLL_INTERVAL_MS);
                }
                // Records past MaximumRecordAgeInSeconds are discarded without an invoke.
                if s.max_age_s >= 0 {
                    let oldest = mine[0]["ApproximateArrivalTimestamp"]
                        .as_f64()
                        .unwrap_or(0.0);
                    if (now_ms as f64 / 1000.0 - oldest) > s.max_age_s as f64 {
                        self.streams[m].lanes[lane].batch = mine;
                        return self.discard(k, m, lane, "RecordAgeExceeded", stream_logical);
                    }
                }
                self.streams[m].lanes[lane].batch = mine;
                self.invoke_stream_batch(k, m, lane, stream_logical);
            }
            StreamWaiter::Invoke { m, lane } => {
                let failed_from = match &result {
                    Ok(v) if v.get("FunctionError").is_none() => {
                        if self.streams[m].report_failures {
                            first_failed(
                                v["Payload"].as_str().unwrap_or(""),
                                &self.streams[m].lanes[lane].batch,
                            )
                        } else {
                            None
                        }
                    }
                    _ => Some(0),
                };
                let Some(from) = failed_from else {
                    // Success: the shard moves on.
                    let l = &mut self.streams[m].lanes[lane];
                    l.after = l
                        .batch
                        .last()
                        .and_then(|r| r["SequenceNumber"].as_str())
                        .map(String::from)
                        .or(l.after.take());
                    l.batch.clear();
                    l.attempts = 0;
                    l.limit = None;
                    return self.poll_lane(k, m, lane, 0);
                };
                let s = &mut self.streams[m];
                let l = &mut s.lanes[lane];
                // ReportBatchItemFailures: what came before the first failed record is done.
                if from > 0 {
                    l.after = l.batch[from - 1]["SequenceNumber"]
                        .as_str()
                        .map(String::from);
                    l.batch.drain(..from);
                }
                l.attempts += 1;
                let exhausted = s.max_retries >= 0 && l.attempts as i64 > s.max_retries;
                if exhausted {
                    return self.discard(k, m, lane, "RetryAttemptsExhausted", stream_logical);
                }
                if s.bisect && l.batch.len() > 1 {
                    l.limit = Some(l.batch.len().div_ceil(2));
                }
                // The shard waits: back off (1, 2, 4 … up to 60 s) and read the batch again.
                let delay = (1u64 << l.attempts.min(6)).min(60) * 1000;
                self.poll_lane(k, m, lane, delay);
            }
        }
    }

    fn invoke_stream_batch(
        &mut self,
        k: &mut Kernel<Event>,
        m: usize,
        lane: usize,
        stream_logical: &str,
    ) {
        let s = &self.streams[m];
        let l = &s.lanes[lane];
        let f = &self.functions[s.function];
        let role = f.role.clone();
        let records: Vec<Value> = l
            .batch
            .iter()
            .map(|r| {
                let seq = r["SequenceNumber"].as_str().unwrap_or("");
                json!({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": r["PartitionKey"], "sequenceNumber": seq,
                                   "data": r["Data"], "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"]},
                       "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": format!("{}:{seq}", l.shard),
                       "eventName": "aws:kinesis:record", "invokeIdentityArn": role, "awsRegion": s.region,
                       "eventSourceARN": s.stream_arn})
            })
            .collect();
        let n = records.len();
        // IteratorAge: how far behind the newest record of the batch the mapping is.
        let newest = l
            .batch
            .last()
            .and_then(|r| r["ApproximateArrivalTimestamp"].as_f64())
            .unwrap_or(0.0);
        let age = (k.now_ms() as f64 - newest * 1000.0).max(0.0);
        let fi = s.function;
        let target = match &s.qualifier {
            Some(q) => format!("{}:{q}", f.arn),
            None => f.arn.clone(),
        };
        let fid = f.logical_id.clone();
        self.note_iterator_age(fi, age);
        k.record(
            TraceKind::Delivery,
            stream_logical,
            &fid,
            format!(
                "batch of {n} record{} from {}",
                if n == 1 { "" } else { "s" },
                self.streams[m].lanes[lane].shard
            ),
            Value::Null,
        );
        k.schedule(
            0,
            Event::Call {
                caller: stream_logical.to_string(),
                action: "lambda:Invoke".into(),
                params: json!({"FunctionName": target, "InvocationType": "RequestResponse", "Payload": json!({"Records": records}).to_string()}),
                waiter: Waiter::Lambda(super::LambdaWaiter::Stream(StreamWaiter::Invoke { m, lane })),
            },
        );
    }

    /// Gives up on the lane's batch: describe it to the on-failure destination, move on.
    fn discard(
        &mut self,
        k: &mut Kernel<Event>,
        m: usize,
        lane: usize,
        condition: &str,
        stream_logical: &str,
    ) {
        let now = k.now_ms();
        let s = &mut self.streams[m];
        let l = &mut s.lanes[lane];
        let batch = std::mem::take(&mut l.batch);
        let attempts = l.attempts;
        l.after = batch
            .last()
            .and_then(|r| r["SequenceNumber"].as_str())
            .map(String::from)
            .or(l.after.take());
        l.attempts = 0;
        l.limit = None;
        let shard = l.shard.clone();
        let (dest, arn, fi) = (s.on_failure.clone(), s.stream_arn.clone(), s.function);
        let ts = |r: Option<&Value>| {
            r.and_then(|r| r["ApproximateArrivalTimestamp"].as_f64())
                .map_or(String::new(), |t| crate::util::iso8601((t * 1000.0) as u64))
        };
        let f = &self.functions[fi];
        k.record(
            TraceKind::Failure,
            stream_logical,
            &f.logical_id,
            format!(
                "{condition}: {} record{} of {shard} skipped",
                batch.len(),
                if batch.len() == 1 { "" } else { "s" }
            ),
            Value::Null,
        );
        if let Some(dest) = dest {
            let record = json!({
                "requestContext": {"requestId": k.rng.uuid(), "functionArn": format!("{}:$LATEST", f.arn), "condition": condition, "approximateInvokeCount": attempts},
                "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                "version": "1.0",
                "timestamp": crate::util::iso8601(now),
                "KinesisBatchInfo": {"shardId": shard, "startSequenceNumber": batch.first().map(|r| r["SequenceNumber"].clone()),
                    "endSequenceNumber": batch.last().map(|r| r["SequenceNumber"].clone()),
                    "approximateArrivalOfFirstRecord": ts(batch.first()), "approximateArrivalOfLastRecord": ts(batch.last()),
                    "batchSize": batch.len(), "streamArn": arn}
            });
            if let Some((action, params)) = crate::services::send_to(&dest, record.to_string()) {
                k.schedule(
                    0,
                    Event::Call {
                        caller: f.logical_id.clone(),
                        action: action.into(),
                        params,
                        waiter: Waiter::Nobody,
                    },
                );
            }
        }
        self.poll_lane(k, m, lane, 0);
    }

    /// A mapping still learning its shards (its first DescribeStream is out).
    pub fn streams_starting(&self) -> bool {
        self.streams
            .iter()
            .any(|s| s.enabled && (s.lanes.is_empty() || s.discovering))
    }

    /// Each lane's stream, shard, position and start (for "is there work left?").
    pub fn stream_positions(&self) -> Vec<(&str, &str, Option<&str>, f64)> {
        self.streams
            .iter()
            .filter(|s| s.enabled)
            .flat_map(|s| {
                let name = s.stream_arn.rsplit('/').next().unwrap_or("");
                let since = match s.start {
                    Start::TrimHorizon => 0.0,
                    Start::AtTimestamp(t) => t,
                    Start::Latest => f64::MAX,
                };
                s.lanes.iter().filter(|l| !l.finished).map(move |l| {
                    (
                        name,
                        l.shard.as_str(),
                        l.after.as_deref(),
                        l.latest_from
                            .filter(|_| matches!(s.start, Start::Latest))
                            .unwrap_or(since),
                    )
                })
            })
            .collect()
    }

    pub fn describe_stream_mapping(&self, m: usize) -> Value {
        let s = &self.streams[m];
        json!({"UUID": s.uuid, "EventSourceArn": s.stream_arn, "FunctionArn": self.functions[s.function].arn,
               "BatchSize": s.batch_size, "ParallelizationFactor": s.parallel, "MaximumRetryAttempts": s.max_retries,
               "MaximumRecordAgeInSeconds": s.max_age_s, "BisectBatchOnFunctionError": s.bisect,
               "State": if s.enabled { "Enabled" } else { "Disabled" }})
    }
}

/// The lane of a partition key when a shard is read ParallelizationFactor ways.
fn lane_of(key: &str, lanes: usize) -> usize {
    use md5::{Digest, Md5};
    let h = Md5::digest(key.as_bytes());
    (u64::from_be_bytes(h[..8].try_into().unwrap_or([0; 8])) % lanes as u64) as usize
}

/// ReportBatchItemFailures: the index of the first failed record, `None` when all passed.
fn first_failed(payload: &str, batch: &[Value]) -> Option<usize> {
    let v: Value = serde_json::from_str(payload).ok()?;
    let failed: Vec<&str> = v
        .get("batchItemFailures")?
        .as_array()?
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str())
        .collect();
    if failed.is_empty() {
        return None;
    }
    // An identifier that names no record fails the whole batch, as Lambda treats it.
    Some(
        batch
            .iter()
            .position(|r| failed.contains(&r["SequenceNumber"].as_str().unwrap_or("")))
            .unwrap_or(0),
    )
}
