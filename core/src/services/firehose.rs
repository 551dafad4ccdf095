//! Amazon Data Firehose, Direct PUT to S3: delivery streams from
//! `AWS::KinesisFirehose::DeliveryStream` (S3DestinationConfiguration or
//! ExtendedS3DestinationConfiguration: BucketARN, Prefix, BufferingHints) or
//! CreateDeliveryStream. PutRecord / PutRecordBatch (500 records, 4 MiB, 1,000 KiB a
//! record) fill a buffer that is written to the bucket — through the engine's
//! `s3:PutObject` — when it reaches SizeInMBs (default 5) or IntervalInSeconds (default
//! 300) after its first record, as one object named as Firehose names them:
//! `PREFIX` + `YYYY/MM/DD/HH/` + `NAME-1-YYYY-MM-DD-HH-MM-SS-RANDOM`, the records' bytes
//! concatenated. Metrics: IncomingRecords, IncomingBytes, DeliveryToS3.Records,
//! DeliveryToS3.Bytes, DeliveryToS3.Success. The PutObject is made with the
//! destination's RoleARN (checked by IAM when the template defines the role); when it
//! fails, Firehose retries every 5 seconds for up to 24 hours and then discards the
//! data, as its developer guide says for S3 destinations. Kinesis streams as a source
//! and data transformation with Lambda are not run yet.

use super::{Event, Outcome, Waiter};
use crate::error::{AwsError, TemplateError};
use crate::kernel::{Kernel, US_PER_MS};
use crate::template::Model;
use crate::trace::TraceKind;
use crate::util::base64_decode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MIB: usize = 1 << 20;

/// Retry S3 delivery this often, for this long (Firehose developer guide, "Handling
/// data delivery failure": Amazon S3).
const RETRY_EVERY_MS: u64 = 5_000;
const RETRY_FOR_MS: u64 = 24 * 3_600_000;

/// One object on its way to the bucket (kept for retries).
#[derive(Debug, Clone)]
pub(crate) struct Put {
    stream: usize,
    key: String,
    body: String,
    records: usize,
    first_ms: u64,
    attempt: u32,
}

#[derive(Debug)]
pub(crate) enum FirehoseEvent {
    /// Deliver (again) an object whose PutObject failed.
    Retry(Box<Put>),
    /// The buffer's interval ended (`gen` tells a stale timer from the current one).
    Flush { stream: usize, gen: u64 },
}

pub(crate) struct DeliveryStream {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    bucket: String,
    /// The destination's RoleARN: Firehose writes to the bucket with it.
    pub role_arn: Option<String>,
    prefix: String,
    size_bytes: usize,
    interval_ms: u64,
    buffer: Vec<u8>,
    buffered: usize,
    /// Bumped at each flush, so an older interval timer does nothing.
    gen: u64,
    created_ms: u64,
    metrics: BTreeMap<&'static str, u64>,
}

pub(crate) struct Firehose {
    pub streams: Vec<DeliveryStream>,
    region: String,
    account: String,
}

fn destination(p: &Value) -> Option<&Value> {
    p.get("ExtendedS3DestinationConfiguration")
        .or(p.get("S3DestinationConfiguration"))
}

fn not_found(name: &str, account: &str) -> AwsError {
    AwsError::client(
        "ResourceNotFoundException",
        format!("Firehose {name} under account {account} not found."),
    )
}

impl Firehose {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut f = Firehose {
            streams: Vec::new(),
            region: model.region.clone(),
            account: model.account.clone(),
        };
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::KinesisFirehose::DeliveryStream")
        {
            let at = |x: &str| format!("Resources.{}.Properties.{x}", r.logical_id);
            let Some(dest) = destination(&r.properties) else {
                return Err(TemplateError::at(
                    at("ExtendedS3DestinationConfiguration"),
                    "the playground runs delivery streams to S3: give ExtendedS3DestinationConfiguration (or S3DestinationConfiguration) with a BucketARN",
                ));
            };
            f.add(&r.logical_id, &r.physical_name, dest, 0)
                .map_err(|e| TemplateError::at(at("ExtendedS3DestinationConfiguration"), e))?;
        }
        Ok(f)
    }

    fn add(&mut self, lid: &str, name: &str, dest: &Value, now: u64) -> Result<(), String> {
        let bucket_arn = dest
            .get("BucketARN")
            .and_then(Value::as_str)
            .ok_or("BucketARN is required")?;
        let bucket = bucket_arn
            .strip_prefix("arn:aws:s3:::")
            .ok_or("BucketARN must be an S3 bucket ARN (arn:aws:s3:::NAME)")?;
        let hints = dest.get("BufferingHints");
        let size = hints
            .and_then(|h| h.get("SizeInMBs"))
            .and_then(Value::as_u64)
            .unwrap_or(5);
        let interval = hints
            .and_then(|h| h.get("IntervalInSeconds"))
            .and_then(Value::as_u64)
            .unwrap_or(300);
        if !(1..=128).contains(&size) {
            return Err("BufferingHints.SizeInMBs must be from 1 to 128".into());
        }
        if interval > 900 {
            return Err("BufferingHints.IntervalInSeconds must be from 0 to 900".into());
        }
        self.streams.push(DeliveryStream {
            logical_id: lid.to_string(),
            name: name.to_string(),
            arn: format!(
                "arn:aws:firehose:{}:{}:deliverystream/{name}",
                self.region, self.account
            ),
            bucket: bucket.to_string(),
            role_arn: dest
                .get("RoleARN")
                .and_then(Value::as_str)
                .map(String::from),
            prefix: dest
                .get("Prefix")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            size_bytes: size as usize * MIB,
            interval_ms: interval * 1000,
            buffer: Vec::new(),
            buffered: 0,
            gen: 0,
            created_ms: now,
            metrics: BTreeMap::new(),
        });
        Ok(())
    }

    pub fn find(&self, name_or_arn: &str) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| s.name == name_or_arn || s.arn == name_or_arn)
    }

    fn stream(&self, p: &Value) -> Result<usize, AwsError> {
        let name = crate::util::req_str(p, "DeliveryStreamName")?;
        self.find(name)
            .ok_or_else(|| not_found(name, &self.account))
    }

    pub fn call(&mut self, k: &mut Kernel<Event>, action: &str, p: &Value) -> Outcome {
        Outcome::Done(self.act(k, action, p))
    }

    fn act(&mut self, k: &mut Kernel<Event>, action: &str, p: &Value) -> Result<Value, AwsError> {
        match action {
            "ListDeliveryStreams" => {
                return Ok(
                    json!({"DeliveryStreamNames": self.streams.iter().map(|s| &s.name).collect::<Vec<_>>(), "HasMoreDeliveryStreams": false}),
                )
            }
            "CreateDeliveryStream" => {
                let name = crate::util::req_str(p, "DeliveryStreamName")?;
                if self.find(name).is_some() {
                    return Err(AwsError::client(
                        "ResourceInUseException",
                        format!(
                            "Firehose {name} under accountId {} already exists",
                            self.account
                        ),
                    ));
                }
                let dest = destination(p).ok_or_else(|| {
                    AwsError::client("InvalidArgumentException", "the playground runs delivery streams to S3: give ExtendedS3DestinationConfiguration")
                })?;
                self.add("", name, dest, k.now_ms())
                    .map_err(|e| AwsError::client("InvalidArgumentException", e))?;
                let arn = self
                    .streams
                    .last()
                    .map(|s| s.arn.clone())
                    .unwrap_or_default();
                return Ok(json!({"DeliveryStreamARN": arn}));
            }
            _ => {}
        }
        let si = self.stream(p)?;
        match action {
            "DescribeDeliveryStream" => {
                let s = &self.streams[si];
                Ok(
                    json!({"DeliveryStreamDescription": {"DeliveryStreamName": s.name, "DeliveryStreamARN": s.arn,
                    "DeliveryStreamStatus": "ACTIVE", "DeliveryStreamType": "DirectPut", "VersionId": "1",
                    "CreateTimestamp": s.created_ms as f64 / 1000.0, "HasMoreDestinations": false,
                    "Destinations": [{"DestinationId": "destinationId-000000000001", "ExtendedS3DestinationDescription": {
                        "BucketARN": format!("arn:aws:s3:::{}", s.bucket), "Prefix": s.prefix,
                        "BufferingHints": {"SizeInMBs": s.size_bytes / MIB, "IntervalInSeconds": s.interval_ms / 1000}}}]}}),
                )
            }
            "PutRecord" => {
                let rec = p.get("Record").ok_or_else(|| {
                    AwsError::client("InvalidArgumentException", "Record is required")
                })?;
                let id = self.put(k, si, rec)?;
                Ok(json!({"RecordId": id, "Encrypted": false}))
            }
            "PutRecordBatch" => {
                let list = p.get("Records").and_then(Value::as_array).ok_or_else(|| {
                    AwsError::client("InvalidArgumentException", "Records is required")
                })?;
                if list.is_empty() || list.len() > 500 {
                    return Err(AwsError::client("ValidationException", format!("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and 500 (found {})", list.len())));
                }
                let total: usize = list
                    .iter()
                    .filter_map(|r| r.get("Data").and_then(Value::as_str))
                    .map(|d| d.len() * 3 / 4)
                    .sum();
                if total > 4 * MIB {
                    return Err(AwsError::client("InvalidArgumentException", "The total size of the records in a PutRecordBatch request cannot exceed 4 MiB"));
                }
                let mut out = Vec::new();
                for r in list {
                    out.push(json!({"RecordId": self.put(k, si, r)?}));
                }
                Ok(json!({"FailedPutCount": 0, "Encrypted": false, "RequestResponses": out}))
            }
            other => Err(super::unsupported("firehose", other)),
        }
    }

    fn put(&mut self, k: &mut Kernel<Event>, si: usize, rec: &Value) -> Result<String, AwsError> {
        let data = rec.get("Data").and_then(Value::as_str).ok_or_else(|| {
            AwsError::client("InvalidArgumentException", "Record.Data is required")
        })?;
        let bytes = base64_decode(data).ok_or_else(|| {
            AwsError::client(
                "InvalidArgumentException",
                "Record.Data must be base64-encoded",
            )
        })?;
        if bytes.len() > 1000 * 1024 {
            return Err(AwsError::client("ValidationException", "1 validation error detected: Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"));
        }
        let id = k.rng.hex(56);
        let s = &mut self.streams[si];
        *s.metrics.entry("IncomingRecords").or_default() += 1;
        *s.metrics.entry("IncomingBytes").or_default() += bytes.len() as u64;
        let first = s.buffered == 0;
        s.buffer.extend_from_slice(&bytes);
        s.buffered += 1;
        if s.buffer.len() >= s.size_bytes {
            self.flush(k, si);
        } else if first {
            let gen = s.gen;
            k.schedule(
                s.interval_ms * US_PER_MS,
                Event::Firehose(FirehoseEvent::Flush { stream: si, gen }),
            );
        }
        Ok(id)
    }

    pub fn handle(&mut self, k: &mut Kernel<Event>, ev: FirehoseEvent) {
        match ev {
            FirehoseEvent::Flush { stream, gen } if self.streams[stream].gen == gen => {
                self.flush(k, stream)
            }
            FirehoseEvent::Flush { .. } => {}
            FirehoseEvent::Retry(put) => self.deliver(k, *put),
        }
    }

    /// The bucket's ARN a stream delivers to.
    pub fn bucket_arn(&self, si: usize) -> String {
        format!("arn:aws:s3:::{}", self.streams[si].bucket)
    }

    fn deliver(&mut self, k: &mut Kernel<Event>, put: Put) {
        let s = &self.streams[put.stream];
        k.schedule(
            0,
            Event::Call {
                caller: s.logical_id.clone(),
                action: "s3:PutObject".into(),
                params: json!({"Bucket": s.bucket, "Key": put.key, "Body": put.body}),
                waiter: Waiter::Firehose(Box::new(put)),
            },
        );
    }

    /// S3's answer to a delivery: counted, or retried every 5 s for 24 hours.
    pub fn on_put_reply(
        &mut self,
        k: &mut Kernel<Event>,
        put: Put,
        result: &Result<Value, AwsError>,
    ) {
        let now = k.now_ms();
        let s = &mut self.streams[put.stream];
        match result {
            Ok(_) => {
                *s.metrics.entry("DeliveryToS3.Records").or_default() += put.records as u64;
                *s.metrics.entry("DeliveryToS3.Bytes").or_default() += put.body.len() as u64;
                *s.metrics.entry("DeliveryToS3.Success").or_default() += 1;
            }
            Err(e) => {
                *s.metrics.entry("DeliveryToS3.Failures").or_default() += 1;
                let lid = s.logical_id.clone();
                if now.saturating_sub(put.first_ms) + RETRY_EVERY_MS > RETRY_FOR_MS {
                    k.record(
                        TraceKind::Failure,
                        &lid,
                        "",
                        format!("Firehose gave up delivering {} to S3 after 24 hours ({}): the data is discarded", put.key, e.code),
                        json!({"error": e.code, "message": e.message}),
                    );
                    return;
                }
                if put.attempt == 0 {
                    k.record(
                        TraceKind::Failure,
                        &lid,
                        "",
                        format!("Firehose could not deliver {} to S3: {}: {} — retrying every 5 s for up to 24 hours", put.key, e.code, e.message),
                        json!({"error": e.code, "message": e.message}),
                    );
                }
                k.schedule(
                    RETRY_EVERY_MS * US_PER_MS,
                    Event::Firehose(FirehoseEvent::Retry(Box::new(Put {
                        attempt: put.attempt + 1,
                        ..put
                    }))),
                );
            }
        }
    }

    /// Writes the buffer to the bucket as one object.
    fn flush(&mut self, k: &mut Kernel<Event>, si: usize) {
        let now = k.now_ms();
        let suffix = k.rng.uuid();
        let s = &mut self.streams[si];
        s.gen += 1;
        if s.buffered == 0 {
            return;
        }
        let t = crate::util::iso8601(now);
        let (date, time) = (&t[..10], &t[11..19]);
        let hour_path = format!("{}/{}/", date.replace('-', "/"), &time[..2]);
        let stamp = format!("{date}-{}", time.replace(':', "-"));
        let key = format!("{}{hour_path}{}-1-{stamp}-{suffix}", s.prefix, s.name);
        let body = String::from_utf8_lossy(&s.buffer).into_owned();
        let records = s.buffered;
        s.buffer.clear();
        s.buffered = 0;
        self.deliver(
            k,
            Put {
                stream: si,
                key,
                body,
                records,
                first_ms: now,
                attempt: 0,
            },
        );
    }

    pub fn report(&self, si: usize) -> Value {
        let s = &self.streams[si];
        json!({"metrics": s.metrics, "buffered": s.buffered})
    }

    pub fn buffered(&self, si: usize) -> usize {
        self.streams[si].buffered
    }
}
