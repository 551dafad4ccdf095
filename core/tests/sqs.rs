//! SQS through the API surface, with expectations from the SQS API reference.

use playground_core::Sim;
use serde_json::{json, Value};

// These tests look at one behaviour each with short polls, so the sampling of servers
// (which makes a short poll miss messages at random) is switched off here; it has its
// own tests at the end.
const QUEUES: &str = "Metadata: { Playground: { Sqs: { ShortPollSampling: false } } }\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: q, VisibilityTimeout: 30 }\n";
const URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/q";

fn sim() -> Sim {
    Sim::load(QUEUES).unwrap()
}

fn send(sim: &mut Sim, body: &str) -> Value {
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": body}),
    )
    .unwrap()
}

fn receive(sim: &mut Sim, extra: Value) -> Vec<Value> {
    let mut p = json!({"QueueUrl": URL, "MaxNumberOfMessages": 10});
    p.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    sim.call("console", "sqs:ReceiveMessage", p).unwrap()["Messages"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn receive_returns_only_the_attributes_asked_for() {
    let mut s = sim();
    s.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": "hi", "MessageAttributes": {
            "color": {"DataType": "String", "StringValue": "red"},
            "size": {"DataType": "Number", "StringValue": "3"}}}),
    )
    .unwrap();
    let m = &receive(&mut s, json!({"VisibilityTimeout": 0}))[0];
    assert!(
        m.get("Attributes").is_none(),
        "no AttributeNames, no Attributes: {m}"
    );
    assert!(
        m.get("MessageAttributes").is_none(),
        "no MessageAttributeNames, none returned: {m}"
    );
    assert_eq!(m["MD5OfBody"], "49f68a5c8493ec2c0bf489821c21fc3b");
    let m = &receive(
        &mut s,
        json!({"AttributeNames": ["ApproximateReceiveCount"], "MessageAttributeNames": ["color"]}),
    )[0];
    assert_eq!(m["Attributes"], json!({"ApproximateReceiveCount": "2"}));
    assert_eq!(
        m["MessageAttributes"],
        json!({"color": {"DataType": "String", "StringValue": "red"}})
    );
}

#[test]
fn message_attribute_md5_follows_the_sqs_algorithm() {
    // The value was computed with Python's hashlib over the byte layout that the SQS
    // developer guide documents (length-prefixed name, type, transport byte 1, value).
    let mut s = sim();
    let r = s
        .call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "String", "StringValue": "b"}}}),
        )
        .unwrap();
    assert_eq!(
        r["MD5OfMessageAttributes"],
        "bef8bf215374a0a228d67533b1a488be"
    );
}

#[test]
fn in_flight_messages_are_invisible_until_the_visibility_timeout_passes() {
    let mut s = sim();
    send(&mut s, "one");
    assert_eq!(receive(&mut s, json!({})).len(), 1);
    assert_eq!(receive(&mut s, json!({})).len(), 0, "in flight for 30 s");
    s.run_until(29_999);
    assert_eq!(receive(&mut s, json!({})).len(), 0);
    s.run_until(30_000);
    let again = receive(&mut s, json!({"AttributeNames": ["All"]}));
    assert_eq!(again[0]["Attributes"]["ApproximateReceiveCount"], "2");
}

#[test]
fn a_stale_receipt_handle_deletes_nothing_and_still_succeeds() {
    let mut s = sim();
    send(&mut s, "one");
    let first = receive(&mut s, json!({"VisibilityTimeout": 0}))[0]["ReceiptHandle"].clone();
    let second = receive(&mut s, json!({"VisibilityTimeout": 5}))[0]["ReceiptHandle"].clone();
    s.call(
        "console",
        "sqs:DeleteMessage",
        json!({"QueueUrl": URL, "ReceiptHandle": first}),
    )
    .unwrap();
    let attrs = s
        .call(
            "console",
            "sqs:GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": ["All"]}),
        )
        .unwrap();
    assert_eq!(
        attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"],
        "1"
    );
    s.call(
        "console",
        "sqs:DeleteMessage",
        json!({"QueueUrl": URL, "ReceiptHandle": second}),
    )
    .unwrap();
    let attrs = s
        .call(
            "console",
            "sqs:GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": ["ApproximateNumberOfMessagesNotVisible"]}),
        )
        .unwrap();
    assert_eq!(
        attrs,
        json!({"Attributes": {"ApproximateNumberOfMessagesNotVisible": "0"}})
    );
    let bad = s
        .call(
            "console",
            "sqs:DeleteMessage",
            json!({"QueueUrl": URL, "ReceiptHandle": "nonsense"}),
        )
        .unwrap_err();
    assert_eq!(bad.code, "ReceiptHandleIsInvalid");
}

#[test]
fn change_message_visibility_makes_a_message_visible_again_at_once() {
    let mut s = sim();
    send(&mut s, "one");
    let r = receive(&mut s, json!({}))[0]["ReceiptHandle"].clone();
    s.call(
        "console",
        "sqs:ChangeMessageVisibility",
        json!({"QueueUrl": URL, "ReceiptHandle": r, "VisibilityTimeout": 0}),
    )
    .unwrap();
    assert_eq!(receive(&mut s, json!({})).len(), 1);
    let e = s
        .call(
            "console",
            "sqs:ChangeMessageVisibility",
            json!({"QueueUrl": URL, "ReceiptHandle": r, "VisibilityTimeout": 43_201}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn long_polling_answers_when_a_message_arrives() {
    let mut s = Sim::load(&format!(
        "{}Metadata:\n  Playground:\n    Drivers:\n      - {{ At: 7s, Action: sqs:SendMessage, Target: Q, Params: {{ MessageBody: late }} }}\n",
        QUEUES.split_once('\n').unwrap().1
    ))
    .unwrap();
    let got = receive(&mut s, json!({"WaitTimeSeconds": 20}));
    assert_eq!(got.len(), 1);
    assert_eq!(s.now_ms(), 7_000, "answered as soon as the message arrived");
    let empty = receive(&mut s, json!({"WaitTimeSeconds": 20}));
    assert!(empty.is_empty());
    assert_eq!(s.now_ms(), 27_000, "an empty long poll waits the full 20 s");
}

#[test]
fn limits_and_errors_use_aws_codes() {
    let mut s = sim();
    let e = s
        .call(
            "console",
            "sqs:ReceiveMessage",
            json!({"QueueUrl": URL, "MaxNumberOfMessages": 11}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    let e = s
        .call(
            "console",
            "sqs:ReceiveMessage",
            json!({"QueueUrl": URL, "WaitTimeSeconds": 21}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    let e = s
        .call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x".repeat(1_048_577)}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(s
        .call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": "x".repeat(1_048_576)})
        )
        .is_ok());
    let e = s
        .call("console", "sqs:SendMessage", json!({"QueueUrl": URL}))
        .unwrap_err();
    assert_eq!(e.code, "MissingParameter");
    let e = s
        .call(
            "console",
            "sqs:AddPermission",
            json!({"QueueUrl": URL, "Label": "x"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "UnsupportedOperation");
}

#[test]
fn send_message_batch_answers_entry_by_entry() {
    let mut s = sim();
    let r = s
        .call(
            "console",
            "sqs:SendMessageBatch",
            json!({"QueueUrl": URL, "Entries": [
                {"Id": "a", "MessageBody": "hi"},
                {"Id": "b", "MessageBody": "later", "DelaySeconds": 901},
                {"Id": "c-1_x", "MessageBody": "there"}]}),
        )
        .unwrap();
    let ok = r["Successful"].as_array().unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0]["Id"], "a");
    assert_eq!(
        ok[0]["MD5OfMessageBody"],
        "49f68a5c8493ec2c0bf489821c21fc3b"
    );
    assert_eq!(ok[1]["Id"], "c-1_x");
    assert_eq!(
        r["Failed"],
        json!([{"Id": "b", "SenderFault": true, "Code": "InvalidParameterValue",
        "Message": "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."}])
    );
    let mut code = |entries: Value| s_code(&mut s, entries);
    fn s_code(s: &mut Sim, entries: Value) -> String {
        s.call(
            "console",
            "sqs:SendMessageBatch",
            json!({"QueueUrl": URL, "Entries": entries}),
        )
        .unwrap_err()
        .code
    }
    assert_eq!(code(json!([])), "EmptyBatchRequest");
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({"Id": format!("m{i}"), "MessageBody": "x"}))
        .collect();
    assert_eq!(code(json!(eleven)), "TooManyEntriesInBatchRequest");
    assert_eq!(
        code(json!([{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}])),
        "BatchEntryIdsNotDistinct"
    );
    assert_eq!(
        code(json!([{"Id": "not ok", "MessageBody": "x"}])),
        "InvalidBatchEntryId"
    );
    assert_eq!(
        code(
            json!([{"Id": "a", "MessageBody": "x".repeat(600_000)}, {"Id": "b", "MessageBody": "x".repeat(600_000)}])
        ),
        "BatchRequestTooLong"
    );
}

#[test]
fn change_message_visibility_batch() {
    let mut s = sim();
    send(&mut s, "one");
    let r = receive(&mut s, json!({}))[0]["ReceiptHandle"].clone();
    let out = s
        .call(
            "console",
            "sqs:ChangeMessageVisibilityBatch",
            json!({"QueueUrl": URL, "Entries": [{"Id": "x", "ReceiptHandle": r, "VisibilityTimeout": 0}, {"Id": "y", "ReceiptHandle": "bogus", "VisibilityTimeout": 0}]}),
        )
        .unwrap();
    assert_eq!(out["Successful"], json!([{"Id": "x"}]));
    assert_eq!(out["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
    assert_eq!(receive(&mut s, json!({})).len(), 1, "visible again at once");
}

#[test]
fn purge_queue_once_per_60_seconds() {
    let mut s = sim();
    send(&mut s, "one");
    send(&mut s, "two");
    s.call("console", "sqs:PurgeQueue", json!({"QueueUrl": URL}))
        .unwrap();
    assert_eq!(receive(&mut s, json!({})).len(), 0);
    s.run_until(30_000);
    let e = s
        .call("console", "sqs:PurgeQueue", json!({"QueueUrl": URL}))
        .unwrap_err();
    assert_eq!(e.code, "PurgeQueueInProgress");
    assert_eq!(
        e.message,
        "Only one PurgeQueue operation on q is allowed every 60 seconds."
    );
    s.run_until(60_000);
    assert!(s
        .call("console", "sqs:PurgeQueue", json!({"QueueUrl": URL}))
        .is_ok());
}

#[test]
fn messages_expire_after_the_retention_period_without_keeping_a_run_alive() {
    let mut s = Sim::load("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: q, MessageRetentionPeriod: 60 }\n").unwrap();
    send(&mut s, "short-lived");
    s.run_to_idle(playground_core::DEFAULT_CAP_MS);
    assert_eq!(s.now_ms(), 0, "expiry is not work that keeps the run going");
    s.run_until(59_999);
    let attrs = |s: &mut Sim| {
        s.call("console", "sqs:GetQueueAttributes", json!({"QueueUrl": URL, "AttributeNames": ["ApproximateNumberOfMessages", "MessageRetentionPeriod"]})).unwrap()
    };
    assert_eq!(
        attrs(&mut s)["Attributes"],
        json!({"ApproximateNumberOfMessages": "1", "MessageRetentionPeriod": "60"})
    );
    s.run_until(60_000);
    assert_eq!(
        attrs(&mut s)["Attributes"]["ApproximateNumberOfMessages"],
        "0"
    );
    let e = Sim::load("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { MessageRetentionPeriod: 59 }\n").err().unwrap();
    assert_eq!(e.path, "Resources.Q.Properties.MessageRetentionPeriod");
}

#[test]
fn delete_message_batch_answers_entry_by_entry() {
    let mut s = sim();
    send(&mut s, "one");
    send(&mut s, "two");
    let got = receive(&mut s, json!({}));
    let (r1, r2) = (
        got[0]["ReceiptHandle"].clone(),
        got[1]["ReceiptHandle"].clone(),
    );
    let out = s
        .call(
            "console",
            "sqs:DeleteMessageBatch",
            json!({"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": r1}, {"Id": "b", "ReceiptHandle": "bogus"}, {"Id": "c", "ReceiptHandle": r2}]}),
        )
        .unwrap();
    assert_eq!(out["Successful"], json!([{"Id": "a"}, {"Id": "c"}]));
    assert_eq!(out["Failed"][0]["Id"], "b");
    assert_eq!(out["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
    let attrs = s
        .call(
            "console",
            "sqs:GetQueueAttributes",
            json!({"QueueUrl": URL, "AttributeNames": ["All"]}),
        )
        .unwrap();
    assert_eq!(
        attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "0",
        "both deleted"
    );
    let e = s
        .call("console", "sqs:DeleteMessageBatch", json!({"QueueUrl": URL, "Entries": [{"Id": "x", "ReceiptHandle": r1}, {"Id": "x", "ReceiptHandle": r1}]}))
        .unwrap_err();
    assert_eq!(e.code, "BatchEntryIdsNotDistinct");
}

#[test]
fn queues_can_be_created_changed_tagged_and_deleted() {
    let mut sim =
        Sim::load("Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: base } }\n")
            .unwrap();
    let c = |sim: &mut Sim, a: &str, p: Value| sim.call("console", a, p);
    let url = c(&mut sim, "sqs:CreateQueue", json!({"QueueName": "jobs", "Attributes": {"VisibilityTimeout": "5"}, "tags": {"team": "a"}})).unwrap()["QueueUrl"].clone();
    assert_eq!(url, "https://sqs.us-east-1.amazonaws.com/123456789012/jobs");
    assert_eq!(
        c(
            &mut sim,
            "sqs:CreateQueue",
            json!({"QueueName": "jobs", "Attributes": {"VisibilityTimeout": "5"}})
        )
        .unwrap()["QueueUrl"],
        url,
        "idempotent"
    );
    assert_eq!(
        c(
            &mut sim,
            "sqs:CreateQueue",
            json!({"QueueName": "jobs", "Attributes": {"VisibilityTimeout": "9"}})
        )
        .unwrap_err()
        .code,
        "QueueAlreadyExists"
    );
    assert_eq!(
        c(
            &mut sim,
            "sqs:CreateQueue",
            json!({"QueueName": "bad name"})
        )
        .unwrap_err()
        .code,
        "InvalidParameterValue"
    );
    c(
        &mut sim,
        "sqs:SetQueueAttributes",
        json!({"QueueUrl": url, "Attributes": {"VisibilityTimeout": "60", "DelaySeconds": "2"}}),
    )
    .unwrap();
    let attrs = c(
        &mut sim,
        "sqs:GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["All"]}),
    )
    .unwrap();
    assert_eq!(
        (
            attrs["Attributes"]["VisibilityTimeout"].as_str(),
            attrs["Attributes"]["DelaySeconds"].as_str()
        ),
        (Some("60"), Some("2"))
    );
    assert_eq!(
        c(
            &mut sim,
            "sqs:SetQueueAttributes",
            json!({"QueueUrl": url, "Attributes": {"VisibilityTimeout": "99999"}})
        )
        .unwrap_err()
        .code,
        "InvalidAttributeValue"
    );
    c(
        &mut sim,
        "sqs:TagQueue",
        json!({"QueueUrl": url, "Tags": {"env": "dev"}}),
    )
    .unwrap();
    assert_eq!(
        c(&mut sim, "sqs:ListQueueTags", json!({"QueueUrl": url})).unwrap()["Tags"],
        json!({"env": "dev", "team": "a"})
    );
    c(
        &mut sim,
        "sqs:SendMessage",
        json!({"QueueUrl": url, "MessageBody": "x"}),
    )
    .unwrap();
    c(&mut sim, "sqs:DeleteQueue", json!({"QueueUrl": url})).unwrap();
    assert_eq!(
        c(
            &mut sim,
            "sqs:SendMessage",
            json!({"QueueUrl": url, "MessageBody": "x"})
        )
        .unwrap_err()
        .code,
        "QueueDoesNotExist"
    );
    assert_eq!(
        c(&mut sim, "sqs:CreateQueue", json!({"QueueName": "jobs"}))
            .unwrap_err()
            .code,
        "QueueDeletedRecently"
    );
    sim.run_until(61_000);
    assert!(c(&mut sim, "sqs:CreateQueue", json!({"QueueName": "jobs"})).is_ok());
    let list = c(&mut sim, "sqs:ListQueues", json!({"QueueNamePrefix": "jo"})).unwrap();
    assert_eq!(list["QueueUrls"], json!([url]));
}

/// Ten short polls and ten long polls of a queue holding three messages, polled with
/// VisibilityTimeout 0 so the messages stay: (messages each short poll saw, each long).
fn polls(seed: u64) -> (Vec<usize>, Vec<usize>) {
    let t = format!(
        "Metadata: {{ Playground: {{ Seed: {seed} }} }}\nResources:\n  Q: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: q }} }}\n"
    );
    let mut s = Sim::load(&t).unwrap();
    for i in 0..3 {
        send(&mut s, &format!("m{i}"));
    }
    let count = |s: &mut Sim, wait: u64| {
        s.call(
            "console",
            "sqs:ReceiveMessage",
            json!({"QueueUrl": URL, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0, "WaitTimeSeconds": wait}),
        )
        .unwrap()["Messages"]
            .as_array()
            .unwrap()
            .len()
    };
    let short = (0..10).map(|_| count(&mut s, 0)).collect();
    let long = (0..10).map(|_| count(&mut s, 20)).collect();
    (short, long)
}

#[test]
fn short_polls_sample_the_servers_and_long_polls_ask_them_all() {
    // SQS developer guide, "Short and long polling": a short poll queries a subset of
    // the servers and may return some or none of the messages; a long poll queries all.
    let (short, long) = polls(1);
    assert!(short.iter().all(|n| *n <= 3));
    assert!(
        short.iter().any(|n| *n < 3),
        "some short polls miss messages: {short:?}"
    );
    assert!(
        short.iter().any(|n| *n > 0),
        "and some find them: {short:?}"
    );
    assert_eq!(long, vec![3; 10]);
    // The same seed samples the same way.
    assert_eq!(polls(1), (short, long));
    let s = Sim::load("Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: q } }\n")
        .unwrap();
    assert_eq!(
        s.report()["resources"]["Q"]["metrics"]["NumberOfEmptyReceives"],
        0
    );
}

#[test]
fn a_deletion_can_miss_a_copy_and_the_message_comes_back() {
    // At-least-once delivery: with DuplicateRate 1 every deletion misses a copy, which is
    // received again once the visibility timeout ends (the same MessageId, receive count 2).
    let t = QUEUES.replace(
        "ShortPollSampling: false",
        "ShortPollSampling: false, DuplicateRate: 1",
    );
    let mut s = Sim::load(&t).unwrap();
    let id = send(&mut s, "once")["MessageId"].clone();
    let got = receive(&mut s, json!({}));
    s.call(
        "console",
        "sqs:DeleteMessage",
        json!({"QueueUrl": URL, "ReceiptHandle": got[0]["ReceiptHandle"]}),
    )
    .unwrap();
    assert!(
        receive(&mut s, json!({})).is_empty(),
        "in flight until the timeout"
    );
    s.run_until(31_000);
    let again = receive(
        &mut s,
        json!({"AttributeNames": ["ApproximateReceiveCount"]}),
    );
    assert_eq!(again[0]["MessageId"], id);
    assert_eq!(again[0]["Attributes"]["ApproximateReceiveCount"], "2");
    // FIFO queues deliver exactly once.
    let fifo = "Metadata: { Playground: { Sqs: { DuplicateRate: 1 } } }\nResources:\n  F: { Type: AWS::SQS::Queue, Properties: { QueueName: f.fifo, FifoQueue: true, ContentBasedDeduplication: true } }\n";
    let mut s = Sim::load(fifo).unwrap();
    let furl = "https://sqs.us-east-1.amazonaws.com/123456789012/f.fifo";
    s.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": furl, "MessageBody": "x", "MessageGroupId": "g"}),
    )
    .unwrap();
    let m = s
        .call("console", "sqs:ReceiveMessage", json!({"QueueUrl": furl}))
        .unwrap()["Messages"][0]
        .clone();
    s.call(
        "console",
        "sqs:DeleteMessage",
        json!({"QueueUrl": furl, "ReceiptHandle": m["ReceiptHandle"]}),
    )
    .unwrap();
    s.run_until(60_000);
    assert_eq!(
        s.report()["resources"]["F"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(Sim::load(&QUEUES.replace("ShortPollSampling: false", "DuplicateRate: 2")).is_err());
}
