//! DLQ redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask): only
//! a dead-letter queue can be a source, one running task per queue, messages go back to
//! the queue each came from (DeadLetterQueueSourceArn) at the task's rate with their
//! receive count reset, and a cancelled task stops where it was.

use playground_core::Sim;
use serde_json::{json, Value};

const T: &str = r#"
Metadata: { Playground: { Sqs: { ShortPollSampling: false } } }
Resources:
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: inbox
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 1 }
  Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }
  Elsewhere: { Type: AWS::SQS::Queue, Properties: { QueueName: elsewhere } }
"#;
const Q: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:";

fn call(sim: &mut Sim, action: &str, p: Value) -> Result<Value, playground_core::AwsError> {
    sim.call("console", action, p)
}

fn receive(sim: &mut Sim, queue: &str) -> Vec<Value> {
    call(
        sim,
        "sqs:ReceiveMessage",
        json!({"QueueUrl": format!("{Q}{queue}"), "MaxNumberOfMessages": 10,
               "VisibilityTimeout": 1, "AttributeNames": ["All"]}),
    )
    .unwrap()["Messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Three messages, each received once and left: the next receive moves them to the DLQ.
fn dead_lettered(sim: &mut Sim) {
    for i in 0..3 {
        call(
            sim,
            "sqs:SendMessage",
            json!({"QueueUrl": format!("{Q}inbox"), "MessageBody": format!("m{i}")}),
        )
        .unwrap();
    }
    assert_eq!(receive(sim, "inbox").len(), 3);
    sim.run_until(2_000);
    assert_eq!(
        receive(sim, "inbox").len(),
        0,
        "moved to the DLQ on the next receive"
    );
}

#[test]
fn redrive_returns_messages_to_their_source_at_the_rate() {
    let mut sim = Sim::load(T).unwrap();
    dead_lettered(&mut sim);
    let peek = receive(&mut sim, "dlq");
    assert_eq!(peek.len(), 3);
    assert_eq!(
        peek[0]["Attributes"]["DeadLetterQueueSourceArn"],
        format!("{ARN}inbox")
    );
    sim.run_until(4_000);

    let e = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}inbox")}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    let e = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}dlq"), "MaxNumberOfMessagesPerSecond": 501}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    let e = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}nope")}),
    )
    .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");

    let handle = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}dlq"), "MaxNumberOfMessagesPerSecond": 1}),
    )
    .unwrap()["TaskHandle"]
        .as_str()
        .unwrap()
        .to_string();
    let e = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}dlq")}),
    )
    .unwrap_err();
    assert!(
        e.message.contains("already a task running"),
        "{}",
        e.message
    );

    // One message a second: after 1.5 s, two have moved.
    sim.run_until(5_500);
    let list = call(
        &mut sim,
        "sqs:ListMessageMoveTasks",
        json!({"SourceArn": format!("{ARN}dlq")}),
    )
    .unwrap();
    let t = &list["Results"][0];
    assert_eq!(t["Status"], "RUNNING");
    assert_eq!(t["ApproximateNumberOfMessagesMoved"], 2);
    assert_eq!(t["ApproximateNumberOfMessagesToMove"], 3);
    assert_eq!(t["TaskHandle"], handle.as_str());
    sim.run_until(8_000);
    let t = &call(
        &mut sim,
        "sqs:ListMessageMoveTasks",
        json!({"SourceArn": format!("{ARN}dlq")}),
    )
    .unwrap()["Results"][0];
    assert_eq!(t["Status"], "COMPLETED");
    assert!(t.get("TaskHandle").is_none());
    let back = receive(&mut sim, "inbox");
    assert_eq!(back.len(), 3);
    assert!(
        back.iter()
            .all(|m| m["Attributes"]["ApproximateReceiveCount"] == "1"),
        "{back:?}"
    );
    assert!(back
        .iter()
        .all(|m| m["Attributes"].get("DeadLetterQueueSourceArn").is_none()));
    let e = call(
        &mut sim,
        "sqs:CancelMessageMoveTask",
        json!({"TaskHandle": handle}),
    )
    .unwrap_err();
    assert_eq!(e.code, "UnsupportedOperation");
}

#[test]
fn a_destination_and_a_cancelled_task() {
    let mut sim = Sim::load(T).unwrap();
    dead_lettered(&mut sim);
    sim.run_until(4_000);
    let handle = call(
        &mut sim,
        "sqs:StartMessageMoveTask",
        json!({"SourceArn": format!("{ARN}dlq"),
        "DestinationArn": format!("{ARN}elsewhere"), "MaxNumberOfMessagesPerSecond": 1}),
    )
    .unwrap()["TaskHandle"]
        .clone();
    sim.run_until(4_500);
    let out = call(
        &mut sim,
        "sqs:CancelMessageMoveTask",
        json!({"TaskHandle": handle}),
    )
    .unwrap();
    assert_eq!(out["ApproximateNumberOfMessagesMoved"], 1);
    sim.run_until(10_000);
    assert_eq!(receive(&mut sim, "elsewhere").len(), 1);
    let t = &call(
        &mut sim,
        "sqs:ListMessageMoveTasks",
        json!({"SourceArn": format!("{ARN}dlq"), "MaxResults": 10}),
    )
    .unwrap()["Results"][0];
    assert_eq!(t["Status"], "CANCELLED");
    assert_eq!(t["DestinationArn"], format!("{ARN}elsewhere"));
}

#[test]
fn redrive_allow_policy_decides_who_may_use_a_dead_letter_queue() {
    let deny = T.replace(
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }",
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq, RedriveAllowPolicy: { redrivePermission: denyAll } } }",
    );
    let e = Sim::load(&deny).err().expect("denyAll refuses the source");
    assert!(
        e.to_string()
            .contains("does not allow arn:aws:sqs:us-east-1:123456789012:inbox"),
        "{e}"
    );
    let by_queue = T.replace(
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }",
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq, RedriveAllowPolicy: { redrivePermission: byQueue, sourceQueueArns: [!GetAtt Inbox.Arn] } } }",
    );
    let mut sim = Sim::load(&by_queue).unwrap();
    let attrs = call(
        &mut sim,
        "sqs:GetQueueAttributes",
        json!({"QueueUrl": format!("{Q}dlq"), "AttributeNames": ["All"]}),
    )
    .unwrap();
    assert!(attrs["Attributes"]["RedriveAllowPolicy"]
        .as_str()
        .unwrap()
        .contains("byQueue"));
    // Another queue may not point its RedrivePolicy at it.
    let e = call(&mut sim, "sqs:SetQueueAttributes", json!({"QueueUrl": format!("{Q}elsewhere"),
        "Attributes": {"RedrivePolicy": format!("{{\"deadLetterTargetArn\":\"{ARN}dlq\",\"maxReceiveCount\":2}}")}})).unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    // Unless the policy changes to allow everyone.
    call(
        &mut sim,
        "sqs:SetQueueAttributes",
        json!({"QueueUrl": format!("{Q}dlq"),
        "Attributes": {"RedriveAllowPolicy": "{\"redrivePermission\":\"allowAll\"}"}}),
    )
    .unwrap();
    call(&mut sim, "sqs:SetQueueAttributes", json!({"QueueUrl": format!("{Q}elsewhere"),
        "Attributes": {"RedrivePolicy": format!("{{\"deadLetterTargetArn\":\"{ARN}dlq\",\"maxReceiveCount\":2}}")}})).unwrap();
    let bad = T.replace(
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }",
        "Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq, RedriveAllowPolicy: { redrivePermission: byQueue } } }",
    );
    assert!(Sim::load(&bad)
        .err()
        .unwrap()
        .to_string()
        .contains("1 to 10 queue ARNs"));
}
