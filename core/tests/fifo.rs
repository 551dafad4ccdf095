//! SQS FIFO queues: MessageGroupId required, order within a group, a group blocked while
//! one of its messages is in flight, five-minute deduplication by id or by the body's
//! SHA-256, sequence numbers, the FIFO-only rules, and a Lambda mapping processing
//! groups in order (shared/reference/events/sqs-fifo-from-sns.powertools.json).

use playground_core::Sim;
use serde_json::{json, Value};

const T: &str = r#"
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties: { QueueName: orders.fifo, FifoQueue: true, ContentBasedDeduplication: true, VisibilityTimeout: 30 }
"#;
const URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo";

fn send(sim: &mut Sim, body: &str, group: &str) -> Result<Value, playground_core::AwsError> {
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": body, "MessageGroupId": group}),
    )
}

fn receive(sim: &mut Sim, max: u64) -> Vec<Value> {
    sim.call(
        "console",
        "sqs:ReceiveMessage",
        json!({"QueueUrl": URL, "MaxNumberOfMessages": max, "AttributeNames": ["All"]}),
    )
    .unwrap()["Messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn bodies(ms: &[Value]) -> Vec<&str> {
    ms.iter().map(|m| m["Body"].as_str().unwrap()).collect()
}

#[test]
fn groups_are_ordered_and_blocked_while_in_flight() {
    let mut sim = Sim::load(T).unwrap();
    for (b, g) in [
        ("a1", "A"),
        ("b1", "B"),
        ("a2", "A"),
        ("b2", "B"),
        ("a3", "A"),
    ] {
        let r = send(&mut sim, b, g).unwrap();
        assert!(r["SequenceNumber"].as_str().unwrap().len() >= 20, "{r}");
    }
    let first = receive(&mut sim, 2);
    assert_eq!(bodies(&first), ["a1", "b1"]);
    assert_eq!(first[0]["Attributes"]["MessageGroupId"], "A");
    assert_eq!(
        first[0]["Attributes"]["MessageDeduplicationId"]
            .as_str()
            .unwrap()
            .len(),
        64,
        "SHA-256 of the body"
    );
    // Both groups have a message in flight: nothing else comes out.
    assert!(receive(&mut sim, 10).is_empty());
    sim.call(
        "console",
        "sqs:DeleteMessage",
        json!({"QueueUrl": URL, "ReceiptHandle": first[0]["ReceiptHandle"]}),
    )
    .unwrap();
    assert_eq!(
        bodies(&receive(&mut sim, 10)),
        ["a2", "a3"],
        "group A continues in order; B is still blocked"
    );
    // b1 was never deleted: after its visibility timeout it comes back before b2.
    sim.run_until(31_000);
    assert_eq!(bodies(&receive(&mut sim, 1)), ["b1"]);
}

#[test]
fn deduplication_lasts_five_minutes() {
    let mut sim = Sim::load(T).unwrap();
    let a = send(&mut sim, "same", "G").unwrap();
    let b = send(&mut sim, "same", "G").unwrap();
    assert_eq!(
        a["MessageId"], b["MessageId"],
        "a duplicate is accepted, not enqueued"
    );
    let c = sim
        .call("console", "sqs:SendMessage", json!({"QueueUrl": URL, "MessageBody": "other", "MessageGroupId": "G", "MessageDeduplicationId": "same-id"}))
        .unwrap();
    let d = sim
        .call("console", "sqs:SendMessage", json!({"QueueUrl": URL, "MessageBody": "changed", "MessageGroupId": "H", "MessageDeduplicationId": "same-id"}))
        .unwrap();
    assert_eq!(
        c["MessageId"], d["MessageId"],
        "the id deduplicates across groups (DeduplicationScope queue)"
    );
    sim.run_until(301_000);
    let e = send(&mut sim, "same", "G").unwrap();
    assert_ne!(
        a["MessageId"], e["MessageId"],
        "after five minutes it is a new message"
    );
    let n = sim.report()["resources"]["Orders"]["messages"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, 3);
}

#[test]
fn fifo_rules() {
    let mut sim = Sim::load(T).unwrap();
    let e = sim
        .call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x"}),
        )
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter MessageGroupId."
        )
    );
    let e = sim
        .call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x", "MessageGroupId": "g", "DelaySeconds": 5}),
        )
        .unwrap_err();
    assert!(e.message.contains("not valid for this queue type"), "{e:?}");
    let no_cbd = T.replace("ContentBasedDeduplication: true, ", "");
    let mut sim = Sim::load(&no_cbd).unwrap();
    let e = send(&mut sim, "x", "g").unwrap_err();
    assert!(
        e.message
            .contains("ContentBasedDeduplication enabled or MessageDeduplicationId"),
        "{e:?}"
    );
    let bad = "Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: plain, FifoQueue: true } }\n";
    assert!(Sim::load(bad)
        .err()
        .unwrap()
        .to_string()
        .contains("must end with .fifo"));
    let mixed = r#"
Resources:
  Dlq: { Type: AWS::SQS::Queue }
  Q:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2 }
"#;
    assert!(Sim::load(mixed)
        .err()
        .unwrap()
        .to_string()
        .contains("same type of queue"));
    let attrs = Sim::load(T)
        .unwrap()
        .call(
            "console",
            "sqs:GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": ["All"]}),
        )
        .unwrap();
    assert_eq!(attrs["Attributes"]["FifoQueue"], "true");
}

#[test]
fn a_lambda_mapping_processes_each_group_in_order() {
    let t = r#"
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: jobs.fifo, FifoQueue: true, ContentBasedDeduplication: true }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events: { Jobs: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn, BatchSize: 1 } } }
      InlineCode: "exports.handler = async (e) => { const r = e.Records[0]; await new Promise(res => setTimeout(res, 50)); console.log('DONE', r.attributes.MessageGroupId, r.body, r.attributes.SequenceNumber.length); };"
"#;
    let mut sim = Sim::load(t).unwrap();
    let url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo";
    for i in 0..4 {
        for g in ["x", "y"] {
            sim.call(
                "console",
                "sqs:SendMessage",
                json!({"QueueUrl": url, "MessageBody": format!("{g}{i}"), "MessageGroupId": g}),
            )
            .unwrap();
        }
    }
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let logs: Vec<String> = sim.report()["resources"]["Worker"]["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str()?.split("DONE ").nth(1).map(String::from))
        .collect();
    let order =
        |g: &str| -> Vec<String> { logs.iter().filter(|l| l.starts_with(g)).cloned().collect() };
    assert_eq!(order("x"), ["x x0 20", "x x1 20", "x x2 20", "x x3 20"]);
    assert_eq!(order("y"), ["y y0 20", "y y1 20", "y y2 20", "y y3 20"]);
    assert_eq!(
        sim.report()["resources"]["Worker"]["metrics"]["ConcurrentExecutions"],
        2,
        "one environment per active group"
    );
}

#[test]
fn fifo_quotas_throttle_per_queue_or_per_group_in_high_throughput_mode() {
    // SQS developer guide, "Amazon SQS FIFO queue quotas": 300 calls per second per API
    // action, a batch counting once; high throughput (DeduplicationScope messageGroup,
    // FifoThroughputLimit perMessageGroupId) applies the 300 to each message group.
    let t = |ht: bool| {
        let extra = if ht {
            ", DeduplicationScope: messageGroup, FifoThroughputLimit: perMessageGroupId"
        } else {
            ""
        };
        format!("Resources:\n  Q: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: q.fifo, FifoQueue: true, ContentBasedDeduplication: true{extra} }} }}\n")
    };
    let url = "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo";
    let sends = |sim: &mut Sim, groups: u32| {
        (0..400)
            .map(|i| {
                sim.call(
                    "console",
                    "sqs:SendMessage",
                    json!({"QueueUrl": url, "MessageBody": format!("m{i}"), "MessageGroupId": format!("g{}", i % groups)}),
                )
            })
            .filter(|r| matches!(r, Err(e) if e.code == "RequestThrottled"))
            .count()
    };
    let mut sim = Sim::load(&t(false)).unwrap();
    assert_eq!(sends(&mut sim, 4), 100, "400 in one second: 300 accepted");
    sim.run_until(1_000);
    assert_eq!(sends(&mut sim, 4), 100, "the next second has its own 300");
    let mut sim = Sim::load(&t(true)).unwrap();
    assert_eq!(
        sends(&mut sim, 4),
        0,
        "100 per group is within each group's 300"
    );
    sim.run_until(1_000);
    assert_eq!(sends(&mut sim, 1), 100, "one group: 300 per second");
    let bad = t(true).replace("DeduplicationScope: messageGroup, ", "");
    assert!(Sim::load(&bad)
        .err()
        .unwrap()
        .to_string()
        .contains("needs DeduplicationScope messageGroup"));
}
