//! Kinesis Data Streams: streams from `AWS::Kinesis::Stream` (ShardCount, on-demand mode
//! with 4 shards, RetentionPeriodHours) or CreateStream; PutRecord / PutRecords route each
//! record to the shard whose hash key range holds the MD5 of its PartitionKey (or its
//! ExplicitHashKey) and give it an increasing SequenceNumber; a shard takes 1,000 records
//! and 1 MiB per second (`ProvisionedThroughputExceededException`, counted as
//! WriteProvisionedThroughputExceeded); GetShardIterator (TRIM_HORIZON, LATEST,
//! AT_/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP) and GetRecords read them back (iterators
//! expire after 5 minutes), records older than the retention period are trimmed.
//! DescribeStream(Summary), ListShards, ListStreams, DeleteStream. Metrics with
//! CloudWatch names per stream. Lambda event source mappings on streams are not run yet.

use super::{Event, Outcome};
use crate::error::{AwsError, TemplateError};
use crate::kernel::Kernel;
use crate::template::Model;
use crate::util::{base64_decode, base64_encode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MIB: usize = 1 << 20;
/// Per shard and second: the write quota.
const SHARD_RECORDS_PER_S: usize = 1_000;
const ITERATOR_TTL_MS: u64 = 300_000;
/// Sequence numbers are long decimals that grow with every record.
const SEQ_BASE: u128 = 49_000_000_000_000_000_000_000_000_000_000_000;

struct Record {
    seq: u128,
    arrival_ms: u64,
    data: String,
    key: String,
    size: usize,
}

struct Shard {
    start: u128,
    end: u128,
    records: Vec<Record>,
    /// The current second's writes: (second, records, bytes).
    window: (u64, usize, usize),
    /// Resharding: the shards this one was split or merged from, and whether it is
    /// closed (it keeps its records until they expire but takes no new ones).
    parents: Vec<usize>,
    closed: bool,
}

pub(crate) struct Stream {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    on_demand: bool,
    retention_h: u64,
    created_ms: u64,
    shards: Vec<Shard>,
    deleted: bool,
    metrics: BTreeMap<&'static str, u64>,
}

pub(crate) struct Kinesis {
    pub streams: Vec<Stream>,
    region: String,
    account: String,
    next_seq: u128,
}

fn shards(n: usize) -> Vec<Shard> {
    split(0, u128::MAX, n)
}

/// `n` open shards dividing the hash key range `start..=end` evenly.
fn split(start: u128, end: u128, n: usize) -> Vec<Shard> {
    let n = n.max(1) as u128;
    // (end - start + 1) / n without overflowing on the full 2^128 range, so halves and
    // quarters of the key space line up exactly.
    let span = end - start;
    let step = if n == 1 {
        0
    } else {
        span / n + (span % n + 1) / n
    };
    (0..n)
        .map(|i| Shard {
            start: start + i * step,
            end: if i + 1 == n {
                end
            } else {
                start + (i + 1) * step - 1
            },
            records: Vec::new(),
            window: (u64::MAX, 0, 0),
            parents: Vec::new(),
            closed: false,
        })
        .collect()
}

fn shard_id(i: usize) -> String {
    format!("shardId-{i:012}")
}

fn not_found(name: &str, account: &str) -> AwsError {
    AwsError::client(
        "ResourceNotFoundException",
        format!("Stream {name} under account {account} not found."),
    )
}

fn invalid(msg: impl Into<String>) -> AwsError {
    AwsError::client("InvalidArgumentException", msg)
}

impl Kinesis {
    pub fn from_model(model: &Model) -> Result<Self, TemplateError> {
        let mut k = Kinesis {
            streams: Vec::new(),
            region: model.region.clone(),
            account: model.account.clone(),
            next_seq: 0,
        };
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::Kinesis::Stream")
        {
            let p = &r.properties;
            let at = |f: &str| format!("Resources.{}.Properties.{f}", r.logical_id);
            let on_demand = p
                .pointer("/StreamModeDetails/StreamMode")
                .and_then(Value::as_str)
                == Some("ON_DEMAND");
            let count = match p.get("ShardCount") {
                Some(v) => match v.as_u64() {
                    Some(n) if (1..=500).contains(&n) && !on_demand => n as usize,
                    _ if on_demand => {
                        return Err(TemplateError::at(
                            at("ShardCount"),
                            "ShardCount cannot be set for an ON_DEMAND stream",
                        ))
                    }
                    _ => return Err(TemplateError::at(
                        at("ShardCount"),
                        "ShardCount must be a whole number from 1 to 500 (the default shard quota)",
                    )),
                },
                None if on_demand => 4,
                None => 1,
            };
            let retention_h = p
                .get("RetentionPeriodHours")
                .and_then(Value::as_u64)
                .unwrap_or(24);
            if !(24..=8760).contains(&retention_h) {
                return Err(TemplateError::at(
                    at("RetentionPeriodHours"),
                    "RetentionPeriodHours must be from 24 to 8760 (365 days)",
                ));
            }
            k.add(
                &r.logical_id,
                &r.physical_name,
                count,
                on_demand,
                retention_h,
                0,
            );
        }
        Ok(k)
    }

    fn add(
        &mut self,
        lid: &str,
        name: &str,
        count: usize,
        on_demand: bool,
        retention_h: u64,
        now: u64,
    ) {
        self.streams.push(Stream {
            logical_id: lid.to_string(),
            name: name.to_string(),
            arn: format!(
                "arn:aws:kinesis:{}:{}:stream/{name}",
                self.region, self.account
            ),
            on_demand,
            retention_h,
            created_ms: now,
            shards: shards(count),
            deleted: false,
            metrics: BTreeMap::new(),
        });
    }

    /// A stream by StreamName or StreamARN.
    fn stream(&self, p: &Value) -> Result<usize, AwsError> {
        let name = p
            .get("StreamName")
            .and_then(Value::as_str)
            .or_else(|| {
                p.get("StreamARN")
                    .and_then(Value::as_str)
                    .and_then(|a| a.rsplit('/').next())
            })
            .ok_or_else(|| invalid("Either StreamName or StreamARN must be given"))?;
        self.streams
            .iter()
            .position(|s| s.name == name && !s.deleted)
            .ok_or_else(|| not_found(name, &self.account))
    }

    pub fn find(&self, name_or_arn: &str) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| !s.deleted && (s.name == name_or_arn || s.arn == name_or_arn))
    }

    pub fn call(&mut self, k: &mut Kernel<Event>, action: &str, p: &Value) -> Outcome {
        Outcome::Done(self.act(k.now_ms(), action, p))
    }

    fn act(&mut self, now: u64, action: &str, p: &Value) -> Result<Value, AwsError> {
        match action {
            "ListStreams" => {
                let names: Vec<&str> = self
                    .streams
                    .iter()
                    .filter(|s| !s.deleted)
                    .map(|s| s.name.as_str())
                    .collect();
                return Ok(json!({"StreamNames": names, "HasMoreStreams": false,
                    "StreamSummaries": self.streams.iter().filter(|s| !s.deleted).map(|s| self.summary(s)).collect::<Vec<_>>()}));
            }
            "CreateStream" => {
                let name = crate::util::req_str(p, "StreamName")?;
                if self.find(name).is_some() {
                    return Err(AwsError::client(
                        "ResourceInUseException",
                        format!(
                            "Stream {name} under account {} already exists.",
                            self.account
                        ),
                    ));
                }
                let on_demand = p
                    .pointer("/StreamModeDetails/StreamMode")
                    .and_then(Value::as_str)
                    == Some("ON_DEMAND");
                let count = p
                    .get("ShardCount")
                    .and_then(Value::as_u64)
                    .unwrap_or(if on_demand { 4 } else { 1 });
                if !(1..=500).contains(&count) {
                    return Err(invalid("ShardCount must be from 1 to 500"));
                }
                self.add("", name, count as usize, on_demand, 24, now);
                return Ok(json!({}));
            }
            _ => {}
        }
        // GetRecords names its stream through the iterator alone.
        let si = match (action, p.get("ShardIterator").and_then(Value::as_str)) {
            ("GetRecords", Some(it)) => {
                let (name, ..) =
                    parse_iterator(it).ok_or_else(|| invalid("Invalid ShardIterator"))?;
                self.find(&name)
                    .ok_or_else(|| not_found(&name, &self.account))?
            }
            _ => self.stream(p)?,
        };
        self.trim(si, now);
        match action {
            "DeleteStream" => {
                self.streams[si].deleted = true;
                Ok(json!({}))
            }
            "DescribeStreamSummary" => {
                Ok(json!({"StreamDescriptionSummary": self.summary(&self.streams[si])}))
            }
            "DescribeStream" => {
                let s = &self.streams[si];
                let mut d = self.summary(s);
                d["Shards"] = json!(self.shard_list(s));
                d["HasMoreShards"] = json!(false);
                Ok(json!({"StreamDescription": d}))
            }
            "ListShards" => Ok(json!({"Shards": self.shard_list(&self.streams[si])})),
            "UpdateShardCount" | "SplitShard" | "MergeShards" => self.reshard(si, action, p),
            "PutRecord" => {
                let r = self.put(si, now, p)?;
                self.count(si, "PutRecord.Success", 1);
                Ok(r)
            }
            "PutRecords" => {
                let list = p
                    .get("Records")
                    .and_then(Value::as_array)
                    .ok_or_else(|| invalid("Records is required"))?;
                if list.is_empty() || list.len() > 500 {
                    return Err(AwsError::client("ValidationException", format!("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and 500 (found {})", list.len())));
                }
                let mut out = Vec::new();
                let mut failed = 0;
                for rec in list {
                    match self.put(si, now, rec) {
                        Ok(r) => out.push(r),
                        Err(e) if e.code == "ProvisionedThroughputExceededException" => {
                            failed += 1;
                            out.push(json!({"ErrorCode": e.code, "ErrorMessage": e.message}));
                        }
                        Err(e) => return Err(e),
                    }
                }
                self.count(si, "PutRecords.TotalRecords", list.len() as u64);
                self.count(
                    si,
                    "PutRecords.SuccessfulRecords",
                    (list.len() - failed) as u64,
                );
                Ok(json!({"FailedRecordCount": failed, "Records": out, "EncryptionType": "NONE"}))
            }
            "GetShardIterator" => {
                let s = &self.streams[si];
                let shard = crate::util::req_str(p, "ShardId")?;
                let sh = s
                    .shards
                    .iter()
                    .enumerate()
                    .position(|(i, _)| shard_id(i) == shard)
                    .ok_or_else(|| {
                        AwsError::client(
                            "ResourceNotFoundException",
                            format!(
                                "Shard {shard} in stream {} under account {} does not exist",
                                s.name, self.account
                            ),
                        )
                    })?;
                let records = &s.shards[sh].records;
                let seq = |key: &str| -> Result<u128, AwsError> {
                    p.get(key)
                        .and_then(Value::as_str)
                        .and_then(|t| t.parse().ok())
                        .ok_or_else(|| {
                            invalid(format!("{key} is required and must be a sequence number"))
                        })
                };
                let pos = match crate::util::req_str(p, "ShardIteratorType")? {
                    "TRIM_HORIZON" => 0,
                    "LATEST" => records.len(),
                    "AT_SEQUENCE_NUMBER" => {
                        let n = seq("StartingSequenceNumber")?;
                        records
                            .iter()
                            .position(|r| r.seq >= n)
                            .unwrap_or(records.len())
                    }
                    "AFTER_SEQUENCE_NUMBER" => {
                        let n = seq("StartingSequenceNumber")?;
                        records
                            .iter()
                            .position(|r| r.seq > n)
                            .unwrap_or(records.len())
                    }
                    "AT_TIMESTAMP" => {
                        let t = p
                            .get("Timestamp")
                            .and_then(Value::as_f64)
                            .ok_or_else(|| invalid("Timestamp is required for AT_TIMESTAMP"))?;
                        let ms = (t * 1000.0) as u64;
                        records
                            .iter()
                            .position(|r| r.arrival_ms >= ms)
                            .unwrap_or(records.len())
                    }
                    other => return Err(invalid(format!("Invalid ShardIteratorType: {other}"))),
                };
                let from = records
                    .get(pos)
                    .map_or(SEQ_BASE + self.next_seq + 1, |r| r.seq);
                Ok(json!({"ShardIterator": iterator(&s.name, sh, from, now)}))
            }
            "GetRecords" => {
                let it = crate::util::req_str(p, "ShardIterator")?;
                let (_, sh, from, issued) =
                    parse_iterator(it).ok_or_else(|| invalid("Invalid ShardIterator"))?;
                if now.saturating_sub(issued) > ITERATOR_TTL_MS {
                    return Err(AwsError::client("ExpiredIteratorException", format!("Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of 300000 milliseconds.", crate::util::iso8601(issued), crate::util::iso8601(now))));
                }
                let limit = p
                    .get("Limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(10_000)
                    .clamp(1, 10_000) as usize;
                let s = &self.streams[si];
                let Some(shard) = s.shards.get(sh) else {
                    return Err(invalid("Invalid ShardIterator"));
                };
                let start = shard
                    .records
                    .iter()
                    .position(|r| r.seq >= from)
                    .unwrap_or(shard.records.len());
                let mut bytes = 0;
                let mut out = Vec::new();
                for r in &shard.records[start..] {
                    if out.len() >= limit || bytes + r.size > 10 * MIB {
                        break;
                    }
                    bytes += r.size;
                    out.push(json!({"SequenceNumber": r.seq.to_string(), "ApproximateArrivalTimestamp": r.arrival_ms as f64 / 1000.0,
                                    "Data": r.data, "PartitionKey": r.key, "EncryptionType": "NONE"}));
                }
                let next_from = shard
                    .records
                    .get(start + out.len())
                    .map_or(SEQ_BASE + self.next_seq + 1, |r| r.seq);
                let behind = shard
                    .records
                    .last()
                    .filter(|_| start + out.len() < shard.records.len())
                    .map_or(0, |l| {
                        l.arrival_ms
                            .saturating_sub(shard.records[start + out.len()].arrival_ms)
                    });
                let n = out.len() as u64;
                let name = s.name.clone();
                // A closed shard read to its end has no next iterator: its children follow.
                let done = shard.closed && start + out.len() >= shard.records.len();
                let children: Vec<Value> = if done {
                    s.shards
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.parents.contains(&sh))
                        .map(|(i, c)| json!({"ShardId": shard_id(i), "ParentShards": c.parents.iter().map(|p| shard_id(*p)).collect::<Vec<_>>(),
                                             "HashKeyRange": {"StartingHashKey": c.start.to_string(), "EndingHashKey": c.end.to_string()}}))
                        .collect()
                } else {
                    Vec::new()
                };
                self.count(si, "GetRecords.Records", n);
                self.count(si, "GetRecords.Success", 1);
                let mut r = json!({"Records": out, "MillisBehindLatest": behind});
                if done {
                    r["NextShardIterator"] = Value::Null;
                    r["ChildShards"] = json!(children);
                } else {
                    r["NextShardIterator"] = json!(iterator(&name, sh, next_from, now));
                }
                Ok(r)
            }
            other => Err(super::unsupported("kinesis", other)),
        }
    }

    fn put(&mut self, si: usize, now: u64, p: &Value) -> Result<Value, AwsError> {
        let data = p
            .get("Data")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("Data is required"))?;
        let bytes = base64_decode(data).ok_or_else(|| invalid("Data must be base64-encoded"))?;
        let key = p.get("PartitionKey").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() || key.chars().count() > 256 {
            return Err(AwsError::client("ValidationException", "1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256"));
        }
        let size = bytes.len() + key.len();
        if size > MIB {
            return Err(AwsError::client("ValidationException", "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"));
        }
        let hash = match p.get("ExplicitHashKey").and_then(Value::as_str) {
            Some(h) => h.parse::<u128>().map_err(|_| {
                invalid("ExplicitHashKey must be a decimal number from 0 to 2^128 - 1")
            })?,
            None => {
                use md5::{Digest, Md5};
                u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
            }
        };
        let (name, account) = (self.streams[si].name.clone(), self.account.clone());
        let s = &mut self.streams[si];
        let sh = s
            .shards
            .iter()
            .position(|x| !x.closed && x.start <= hash && hash <= x.end)
            .unwrap_or(0);
        let shard = &mut s.shards[sh];
        let second = now / 1000;
        if shard.window.0 != second {
            shard.window = (second, 0, 0);
        }
        if shard.window.1 + 1 > SHARD_RECORDS_PER_S || shard.window.2 + size > MIB {
            *s.metrics
                .entry("WriteProvisionedThroughputExceeded")
                .or_default() += 1;
            return Err(AwsError::client(
                "ProvisionedThroughputExceededException",
                format!(
                    "Rate exceeded for shard {} in stream {name} under account {account}.",
                    shard_id(sh)
                ),
            ));
        }
        shard.window.1 += 1;
        shard.window.2 += size;
        self.next_seq += 1;
        let seq = SEQ_BASE + self.next_seq;
        shard.records.push(Record {
            seq,
            arrival_ms: now,
            data: base64_encode(&bytes),
            key: key.to_string(),
            size,
        });
        *s.metrics.entry("IncomingRecords").or_default() += 1;
        *s.metrics.entry("IncomingBytes").or_default() += size as u64;
        Ok(
            json!({"ShardId": shard_id(sh), "SequenceNumber": seq.to_string(), "EncryptionType": "NONE"}),
        )
    }

    fn count(&mut self, si: usize, metric: &'static str, n: u64) {
        *self.streams[si].metrics.entry(metric).or_default() += n;
    }

    /// Drops records past the retention period.
    fn trim(&mut self, si: usize, now: u64) {
        let keep_ms = self.streams[si].retention_h * 3_600_000;
        for sh in &mut self.streams[si].shards {
            let cut = sh
                .records
                .iter()
                .position(|r| now.saturating_sub(r.arrival_ms) < keep_ms)
                .unwrap_or(sh.records.len());
            if cut > 0 {
                sh.records.drain(..cut);
            }
        }
    }

    fn summary(&self, s: &Stream) -> Value {
        json!({"StreamName": s.name, "StreamARN": s.arn, "StreamStatus": "ACTIVE",
               "StreamModeDetails": {"StreamMode": if s.on_demand { "ON_DEMAND" } else { "PROVISIONED" }},
               "RetentionPeriodHours": s.retention_h, "StreamCreationTimestamp": s.created_ms as f64 / 1000.0,
               "EncryptionType": "NONE", "OpenShardCount": s.shards.iter().filter(|x| !x.closed).count(), "EnhancedMonitoring": [{"ShardLevelMetrics": []}]})
    }

    fn shard_list(&self, s: &Stream) -> Vec<Value> {
        s.shards
            .iter()
            .enumerate()
            .map(|(i, sh)| {
                let mut o = json!({"ShardId": shard_id(i), "HashKeyRange": {"StartingHashKey": sh.start.to_string(), "EndingHashKey": sh.end.to_string()},
                                   "SequenceNumberRange": {"StartingSequenceNumber": sh.records.first().map_or("0".to_string(), |r| r.seq.to_string())}});
                if let Some(p) = sh.parents.first() {
                    o["ParentShardId"] = json!(shard_id(*p));
                }
                if let Some(p) = sh.parents.get(1) {
                    o["AdjacentParentShardId"] = json!(shard_id(*p));
                }
                if sh.closed {
                    o["SequenceNumberRange"]["EndingSequenceNumber"] = json!(sh.records.last().map_or("0".to_string(), |r| r.seq.to_string()));
                }
                o
            })
            .collect()
    }

    pub fn report(&self, si: usize) -> Value {
        let s = &self.streams[si];
        json!({
            "metrics": s.metrics,
            "shards": s.shards.iter().enumerate().map(|(i, sh)| json!({"ShardId": shard_id(i), "records": sh.records.len(), "open": !sh.closed})).collect::<Vec<_>>(),
            "records": s.shards.iter().map(|sh| sh.records.len()).sum::<usize>(),
        })
    }

    /// Whether a shard holds a record after `after` (a sequence number; `None`: any
    /// record that arrived at or after `since_s`) — a stream reader has work to do.
    pub fn has_after(&self, name: &str, shard: &str, after: Option<&str>, since_s: f64) -> bool {
        let Some(si) = self.find(name) else {
            return false;
        };
        let s = &self.streams[si];
        let Some(sh) = (0..s.shards.len()).find(|i| shard_id(*i) == shard) else {
            return false;
        };
        let records = &s.shards[sh].records;
        match after.and_then(|a| a.parse::<u128>().ok()) {
            Some(n) => records.last().is_some_and(|r| r.seq > n),
            None => records
                .iter()
                .any(|r| r.arrival_ms as f64 / 1000.0 >= since_s),
        }
    }

    /// UpdateShardCount (uniform scaling), SplitShard and MergeShards: the old shards
    /// close (keeping their records until they expire) and children take over their
    /// hash key ranges, naming them as parents.
    fn reshard(&mut self, si: usize, action: &str, p: &Value) -> Result<Value, AwsError> {
        let account = self.account.clone();
        let s = &mut self.streams[si];
        if s.on_demand && action != "UpdateShardCount" {
            return Err(invalid(
                "An ON_DEMAND stream is resharded by Kinesis itself",
            ));
        }
        let open_shard = |s: &Stream, key: &str| -> Result<usize, AwsError> {
            let id = crate::util::req_str(p, key)?;
            match (0..s.shards.len()).find(|i| shard_id(*i) == id) {
                Some(i) if !s.shards[i].closed => Ok(i),
                Some(_) => Err(AwsError::client("ResourceInUseException", format!("Shard {id} in stream {} under account {account} has already been merged or split, and thus is not eligible for merging or splitting.", s.name))),
                None => Err(AwsError::client("ResourceNotFoundException", format!("Could not find shard {id} in stream {} under account {account}.", s.name))),
            }
        };
        let mut children: Vec<Shard>;
        let closing: Vec<usize> = match action {
            "SplitShard" => {
                let i = open_shard(s, "ShardToSplit")?;
                let key: u128 = crate::util::req_str(p, "NewStartingHashKey")?
                    .parse()
                    .map_err(|_| invalid("NewStartingHashKey must be a decimal hash key"))?;
                let sh = &s.shards[i];
                if key <= sh.start || key > sh.end {
                    return Err(invalid(format!("NewStartingHashKey {key} used in SplitShard() on shard {} in stream {} under account {account} is not both greater than one plus the shard's StartingHashKey {} and less than the shard's EndingHashKey {}.", shard_id(i), s.name, sh.start, sh.end)));
                }
                let mut a = split(sh.start, key - 1, 1);
                a.extend(split(key, sh.end, 1));
                children = a;
                vec![i]
            }
            "MergeShards" => {
                let a = open_shard(s, "ShardToMerge")?;
                let b = open_shard(s, "AdjacentShardToMerge")?;
                let (lo, hi) = if s.shards[a].start < s.shards[b].start {
                    (a, b)
                } else {
                    (b, a)
                };
                if s.shards[lo].end.checked_add(1) != Some(s.shards[hi].start) {
                    return Err(invalid(format!("Shards {} and {} in stream {} under account {account} are not an adjacent pair of shards eligible for merging", shard_id(a), shard_id(b), s.name)));
                }
                children = split(s.shards[lo].start, s.shards[hi].end, 1);
                vec![a, b]
            }
            _ => {
                let open: Vec<usize> = (0..s.shards.len())
                    .filter(|i| !s.shards[*i].closed)
                    .collect();
                let target = p
                    .get("TargetShardCount")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| invalid("TargetShardCount is required"))?
                    as usize;
                if p.get("ScalingType").and_then(Value::as_str) != Some("UNIFORM_SCALING") {
                    return Err(invalid("ScalingType must be UNIFORM_SCALING"));
                }
                let n = open.len();
                if target == 0 || target > 2 * n || target * 2 < n || target > 500 {
                    return Err(AwsError::client("ValidationException", format!("UpdateShardCount can scale from {n} shards to between {} and {} (at most double, at least half, 500 at most); {target} requested.", n.div_ceil(2), (2 * n).min(500))));
                }
                children = split(0, u128::MAX, target);
                open
            }
        };
        let before = s.shards.iter().filter(|x| !x.closed).count();
        for c in &mut children {
            c.parents = closing
                .iter()
                .copied()
                .filter(|i| s.shards[*i].start <= c.end && c.start <= s.shards[*i].end)
                .collect();
        }
        for i in &closing {
            s.shards[*i].closed = true;
        }
        s.shards.extend(children);
        let after = s.shards.iter().filter(|x| !x.closed).count();
        Ok(match action {
            "UpdateShardCount" => {
                json!({"StreamName": s.name, "StreamARN": s.arn, "CurrentShardCount": before, "TargetShardCount": after})
            }
            _ => json!({}),
        })
    }

    /// The canvas badge: records held.
    pub fn held(&self, si: usize) -> usize {
        self.streams[si]
            .shards
            .iter()
            .map(|sh| sh.records.len())
            .sum()
    }
}

fn iterator(stream: &str, shard: usize, from: u128, now: u64) -> String {
    base64_encode(format!("{stream}|{shard}|{from}|{now}").as_bytes())
}

/// The stream a shard iterator reads (IAM authorizes GetRecords on it).
pub(crate) fn stream_of_iterator(it: &str) -> Option<String> {
    parse_iterator(it).map(|(name, ..)| name)
}

fn parse_iterator(it: &str) -> Option<(String, usize, u128, u64)> {
    let text = String::from_utf8(base64_decode(it)?).ok()?;
    let mut parts = text.rsplitn(4, '|');
    let now = parts.next()?.parse().ok()?;
    let from = parts.next()?.parse().ok()?;
    let shard = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_string(), shard, from, now))
}
