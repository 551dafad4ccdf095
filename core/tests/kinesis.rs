//! Kinesis Data Streams and Firehose through the API: shard routing by partition key and
//! ExplicitHashKey, the per-shard write quota, iterator types and expiry, retention, and
//! Firehose flushing by size and by interval into S3 objects.

use playground_core::Sim;
use serde_json::{json, Value};

const T: &str = r#"
Resources:
  S:
    Type: AWS::Kinesis::Stream
    Properties: { Name: s, ShardCount: 2 }
  B:
    Type: AWS::S3::Bucket
    Properties: { BucketName: b }
  F:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      DeliveryStreamName: f
      S3DestinationConfiguration:
        BucketARN: !GetAtt B.Arn
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 120 }
"#;

fn b64(s: &str) -> String {
    playground_core::util::base64_encode(s.as_bytes())
}

fn call(sim: &mut Sim, action: &str, p: Value) -> Result<Value, String> {
    sim.call("console", action, p).map_err(|e| e.code)
}

#[test]
fn records_route_by_key_and_read_back_by_iterator() {
    let mut sim = Sim::load(T).unwrap();
    let put = |sim: &mut Sim, key: &str, hash: Option<&str>| {
        let mut p = json!({"StreamName": "s", "PartitionKey": key, "Data": b64(key)});
        if let Some(h) = hash {
            p["ExplicitHashKey"] = json!(h);
        }
        call(sim, "kinesis:PutRecord", p).unwrap()
    };
    let a1 = put(&mut sim, "alpha", None);
    let a2 = put(&mut sim, "alpha", None);
    assert_eq!(a1["ShardId"], a2["ShardId"], "one key, one shard");
    let low = put(&mut sim, "x", Some("0"));
    let high = put(
        &mut sim,
        "x",
        Some("340282366920938463463374607431768211455"),
    );
    assert_eq!(low["ShardId"], "shardId-000000000000");
    assert_eq!(high["ShardId"], "shardId-000000000001");
    let (s1, s2): (u128, u128) = (
        a1["SequenceNumber"].as_str().unwrap().parse().unwrap(),
        a2["SequenceNumber"].as_str().unwrap().parse().unwrap(),
    );
    assert!(s2 > s1, "sequence numbers grow");

    let it = |sim: &mut Sim, ty: &str, extra: Value| {
        let mut p =
            json!({"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": ty});
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        call(sim, "kinesis:GetShardIterator", p).unwrap()["ShardIterator"].clone()
    };
    let from_start = it(&mut sim, "TRIM_HORIZON", json!({}));
    let r = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": from_start, "Limit": 1}),
    )
    .unwrap();
    assert_eq!(r["Records"].as_array().unwrap().len(), 1);
    let next = r["NextShardIterator"].clone();
    let r2 = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": next}),
    )
    .unwrap();
    let total = 1 + r2["Records"].as_array().unwrap().len();
    let shard0 = [&a1, &a2, &low]
        .iter()
        .filter(|r| r["ShardId"] == "shardId-000000000000")
        .count();
    assert_eq!(total, shard0);
    let after = it(
        &mut sim,
        "AFTER_SEQUENCE_NUMBER",
        json!({"StartingSequenceNumber": a1["SequenceNumber"]}),
    );
    let r3 = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": after}),
    )
    .unwrap();
    assert!(r3["Records"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["SequenceNumber"] != a1["SequenceNumber"]));
    let latest = it(&mut sim, "LATEST", json!({}));
    let r4 = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": latest.clone()}),
    )
    .unwrap();
    assert_eq!(r4["Records"], json!([]));
    // Iterators expire after five minutes.
    sim.run_until(sim.now_ms() + 301_000);
    assert_eq!(
        call(
            &mut sim,
            "kinesis:GetRecords",
            json!({"ShardIterator": latest})
        ),
        Err("ExpiredIteratorException".into())
    );
    // Records older than the retention period (24 h) are gone.
    sim.run_until(sim.now_ms() + 25 * 3_600_000);
    let old = it(&mut sim, "TRIM_HORIZON", json!({}));
    let r5 = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": old}),
    )
    .unwrap();
    assert_eq!(r5["Records"], json!([]));
    assert_eq!(
        call(
            &mut sim,
            "kinesis:PutRecord",
            json!({"StreamName": "nope", "PartitionKey": "k", "Data": b64("x")})
        ),
        Err("ResourceNotFoundException".into())
    );
}

#[test]
fn a_shard_takes_a_thousand_records_a_second() {
    let mut sim = Sim::load(T).unwrap();
    let records: Vec<Value> = (0..500)
        .map(|_| json!({"PartitionKey": "same", "Data": b64("x")}))
        .collect();
    for _ in 0..2 {
        let r = call(
            &mut sim,
            "kinesis:PutRecords",
            json!({"StreamName": "s", "Records": records}),
        )
        .unwrap();
        assert_eq!(r["FailedRecordCount"], 0);
    }
    let r = call(
        &mut sim,
        "kinesis:PutRecords",
        json!({"StreamName": "s", "Records": records}),
    )
    .unwrap();
    assert_eq!(r["FailedRecordCount"], 500);
    assert_eq!(
        r["Records"][0]["ErrorCode"],
        "ProvisionedThroughputExceededException"
    );
    assert_eq!(
        call(
            &mut sim,
            "kinesis:PutRecord",
            json!({"StreamName": "s", "PartitionKey": "same", "Data": b64("x")})
        ),
        Err("ProvisionedThroughputExceededException".into())
    );
    // The next second has room again.
    sim.run_until(sim.now_ms() + 1_000);
    assert!(call(
        &mut sim,
        "kinesis:PutRecord",
        json!({"StreamName": "s", "PartitionKey": "same", "Data": b64("x")})
    )
    .is_ok());
    let report = sim.report();
    assert_eq!(
        report["resources"]["S"]["metrics"]["WriteProvisionedThroughputExceeded"],
        501
    );
}

#[test]
fn firehose_flushes_by_size_and_by_interval() {
    let mut sim = Sim::load(T).unwrap();
    let big = "x".repeat(600_000);
    for _ in 0..2 {
        call(
            &mut sim,
            "firehose:PutRecord",
            json!({"DeliveryStreamName": "f", "Record": {"Data": b64(&big)}}),
        )
        .unwrap();
    }
    sim.run_until(sim.now_ms() + 10);
    // 1.2 MB passed SizeInMBs 1: one object at once.
    let objects = |sim: &Sim| {
        sim.report()["resources"]["B"]["objects"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(objects(&sim), 1);
    call(
        &mut sim,
        "firehose:PutRecordBatch",
        json!({"DeliveryStreamName": "f", "Records": [{"Data": b64("a\n")}, {"Data": b64("b\n")}]}),
    )
    .unwrap();
    sim.run_until(sim.now_ms() + 119_000);
    assert_eq!(objects(&sim), 1, "not before IntervalInSeconds");
    sim.run_until(sim.now_ms() + 2_000);
    assert_eq!(objects(&sim), 2);
    let r = sim.report();
    let key = r["resources"]["B"]["objects"][1]["Key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        key.starts_with("1970/01/01/00/f-1-1970-01-01-00-0"),
        "{key}"
    );
    let body = call(&mut sim, "s3:GetObject", json!({"Bucket": "b", "Key": key})).unwrap();
    assert_eq!(body["Body"], "a\nb\n");
    assert_eq!(
        call(
            &mut sim,
            "firehose:PutRecord",
            json!({"DeliveryStreamName": "nope", "Record": {"Data": b64("x")}})
        ),
        Err("ResourceNotFoundException".into())
    );
}

#[test]
fn a_stream_mapping_splits_a_shard_by_key_and_resumes_from_the_failed_item() {
    let t = r#"
Resources:
  S:
    Type: AWS::Kinesis::Stream
    Properties: { Name: s, ShardCount: 1 }
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: |
        let failedOnce = false;
        exports.handler = async (event) => {
          await new Promise((d) => setTimeout(d, 500));
          const items = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
          const bad = event.Records.find((r, i) => items[i] === 'a2');
          if (bad && !failedOnce) {
            failedOnce = true;
            return { batchItemFailures: [{ itemIdentifier: bad.kinesis.sequenceNumber }] };
          }
          console.log('got ' + items.join(','));
          return {};
        };
      Events:
        K:
          Type: Kinesis
          Properties:
            Stream: !GetAtt S.Arn
            StartingPosition: TRIM_HORIZON
            ParallelizationFactor: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
"#;
    let mut sim = Sim::load(t).unwrap();
    // Two keys that fall in different lanes of the one shard.
    let recs: Vec<Value> = ["a1", "a2", "a3"]
        .iter()
        .map(|d| json!({"PartitionKey": "alpha", "Data": b64(d)}))
        .chain(
            ["b1", "b2"]
                .iter()
                .map(|d| json!({"PartitionKey": "charlie", "Data": b64(d)})),
        )
        .collect();
    call(
        &mut sim,
        "kinesis:PutRecords",
        json!({"StreamName": "s", "Records": recs}),
    )
    .unwrap();
    sim.run_to_idle(600_000);
    let r = sim.report();
    let f = &r["resources"]["F"];
    assert_eq!(
        f["metrics"]["ConcurrentExecutions"], 2,
        "two lanes of one shard at once: {f}"
    );
    let logs = f["logs"].to_string();
    // a1 went through with the failed batch; the retry starts at a2.
    assert!(logs.contains("got a2,a3"), "{logs}");
    assert!(!logs.contains("got a1,a2,a3"), "{logs}");
    assert!(logs.contains("got b1,b2"), "{logs}");
    let maps = call(&mut sim, "lambda:ListEventSourceMappings", json!({})).unwrap();
    assert_eq!(maps["EventSourceMappings"][0]["ParallelizationFactor"], 2);
}

#[test]
fn resharding_closes_parents_and_children_take_over() {
    let mut sim = Sim::load(T).unwrap();
    let put = |sim: &mut Sim, key: &str| {
        call(
            sim,
            "kinesis:PutRecord",
            json!({"StreamName": "s", "PartitionKey": key, "Data": b64(key)}),
        )
        .unwrap()
    };
    put(&mut sim, "before");
    let r = call(
        &mut sim,
        "kinesis:UpdateShardCount",
        json!({"StreamName": "s", "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING"}),
    )
    .unwrap();
    assert_eq!(
        (
            r["CurrentShardCount"].as_u64(),
            r["TargetShardCount"].as_u64()
        ),
        (Some(2), Some(4))
    );
    assert_eq!(
        call(
            &mut sim,
            "kinesis:UpdateShardCount",
            json!({"StreamName": "s", "TargetShardCount": 9, "ScalingType": "UNIFORM_SCALING"})
        ),
        Err("ValidationException".into()),
        "at most double"
    );
    let d = call(
        &mut sim,
        "kinesis:DescribeStream",
        json!({"StreamName": "s"}),
    )
    .unwrap();
    let shards = d["StreamDescription"]["Shards"].as_array().unwrap().clone();
    assert_eq!(shards.len(), 6);
    let closed: Vec<&Value> = shards
        .iter()
        .filter(|s| {
            s["SequenceNumberRange"]
                .get("EndingSequenceNumber")
                .is_some()
        })
        .collect();
    assert_eq!(closed.len(), 2);
    assert!(shards[2..].iter().all(|s| s["ParentShardId"].is_string()));
    let sum = call(
        &mut sim,
        "kinesis:DescribeStreamSummary",
        json!({"StreamName": "s"}),
    )
    .unwrap();
    assert_eq!(sum["StreamDescriptionSummary"]["OpenShardCount"], 4);
    // New records go to the open children only.
    let after = put(&mut sim, "after");
    let n: usize = after["ShardId"].as_str().unwrap()[8..].parse().unwrap();
    assert!(n >= 2, "{after}");
    // Reading a closed shard to its end gives no next iterator and names its children.
    let parent = put_shard_of(&mut sim, "before");
    let it = call(
        &mut sim,
        "kinesis:GetShardIterator",
        json!({"StreamName": "s", "ShardId": parent, "ShardIteratorType": "TRIM_HORIZON"}),
    )
    .unwrap();
    let r = call(
        &mut sim,
        "kinesis:GetRecords",
        json!({"ShardIterator": it["ShardIterator"]}),
    )
    .unwrap();
    assert_eq!(r["Records"].as_array().unwrap().len(), 1);
    assert!(r["NextShardIterator"].is_null());
    assert_eq!(r["ChildShards"].as_array().unwrap().len(), 2);
    // Split and merge name their shards; closed or distant shards are refused.
    assert_eq!(
        call(
            &mut sim,
            "kinesis:SplitShard",
            json!({"StreamName": "s", "ShardToSplit": parent, "NewStartingHashKey": "1"})
        ),
        Err("ResourceInUseException".into())
    );
    assert_eq!(
        call(
            &mut sim,
            "kinesis:MergeShards",
            json!({"StreamName": "s", "ShardToMerge": "shardId-000000000002", "AdjacentShardToMerge": "shardId-000000000004"})
        ),
        Err("InvalidArgumentException".into())
    );
    call(&mut sim, "kinesis:MergeShards", json!({"StreamName": "s", "ShardToMerge": "shardId-000000000002", "AdjacentShardToMerge": "shardId-000000000003"})).unwrap();
    let sum = call(
        &mut sim,
        "kinesis:DescribeStreamSummary",
        json!({"StreamName": "s"}),
    )
    .unwrap();
    assert_eq!(sum["StreamDescriptionSummary"]["OpenShardCount"], 3);
}

/// The shard a PartitionKey's records went to before resharding (shard 0 or 1).
fn put_shard_of(sim: &mut Sim, key: &str) -> String {
    let d = call(sim, "kinesis:DescribeStream", json!({"StreamName": "s"})).unwrap();
    let hash = {
        use md5::{Digest, Md5};
        u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
    };
    d["StreamDescription"]["Shards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            let lo: u128 = s["HashKeyRange"]["StartingHashKey"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let hi: u128 = s["HashKeyRange"]["EndingHashKey"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            s["SequenceNumberRange"]
                .get("EndingSequenceNumber")
                .is_some()
                && lo <= hash
                && hash <= hi
        })
        .map(|s| s["ShardId"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn a_mapping_reads_a_parent_shard_before_its_children() {
    let t = r#"
Resources:
  S:
    Type: AWS::Kinesis::Stream
    Properties: { Name: s, ShardCount: 1 }
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => {
          console.log('got ' + event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()).join(','));
        };
      Events:
        K:
          Type: Kinesis
          Properties: { Stream: !GetAtt S.Arn, StartingPosition: TRIM_HORIZON, BatchSize: 10 }
"#;
    let mut sim = Sim::load(t).unwrap();
    let put = |sim: &mut Sim, d: &str| {
        call(
            sim,
            "kinesis:PutRecord",
            json!({"StreamName": "s", "PartitionKey": "k", "Data": b64(d)}),
        )
        .unwrap();
    };
    for d in ["1", "2", "3"] {
        put(&mut sim, d);
    }
    call(
        &mut sim,
        "kinesis:UpdateShardCount",
        json!({"StreamName": "s", "TargetShardCount": 2, "ScalingType": "UNIFORM_SCALING"}),
    )
    .unwrap();
    for d in ["4", "5"] {
        put(&mut sim, d);
    }
    sim.run_to_idle(600_000);
    let logs = sim.report()["resources"]["F"]["logs"].to_string();
    let (a, b) = (
        logs.find("got 1,2,3").expect(&logs),
        logs.find("got 4,5").expect(&logs),
    );
    assert!(a < b, "the parent's records first: {logs}");
}
