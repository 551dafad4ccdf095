//! Services that deliver with a role they were given: an EventBridge rule's RoleArn for
//! a stream, state machine or bus target, a Scheduler schedule's RoleArn for any
//! target, a Firehose destination's RoleARN for its bucket. When the template defines
//! the role, IAM checks it; a refusal fails the delivery as AWS fails it (the rule's
//! FailedInvocations, Firehose's retries every 5 seconds).

use playground_core::trace::TraceKind;
use playground_core::Sim;
use serde_json::json;

/// A template with a rule → stream, a schedule → function and a delivery stream →
/// bucket, each with a role of the template allowing `allowed` actions.
fn template(allowed: &str) -> String {
    format!(
        r#"
Resources:
  Orders: {{ Type: AWS::Kinesis::Stream, Properties: {{ Name: orders, ShardCount: 1 }} }}
  Archive: {{ Type: AWS::S3::Bucket, Properties: {{ BucketName: archive }} }}
  Deliverer:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deliverer
      AssumeRolePolicyDocument:
        Statement: [{{ Effect: Allow, Principal: {{ Service: [events.amazonaws.com, scheduler.amazonaws.com, firehose.amazonaws.com] }}, Action: sts:AssumeRole }}]
      Policies:
        - PolicyName: deliver
          PolicyDocument:
            Statement: [{{ Effect: Allow, Action: [{allowed}], Resource: '*' }}]
  ToArchive:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      DeliveryStreamName: to-archive
      ExtendedS3DestinationConfiguration:
        BucketARN: !GetAtt Archive.Arn
        RoleARN: !GetAtt Deliverer.Arn
        BufferingHints: {{ IntervalInSeconds: 60, SizeInMBs: 1 }}
  OrderRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {{ source: [shop] }}
      Targets:
        - {{ Id: stream, Arn: !GetAtt Orders.Arn, RoleArn: !GetAtt Deliverer.Arn, KinesisParameters: {{ PartitionKeyPath: $.detail.id }} }}
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 minute)
      FlexibleTimeWindow: {{ Mode: "OFF" }}
      Target: {{ Arn: !GetAtt Job.Arn, RoleArn: !GetAtt Deliverer.Arn }}
  Job:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => console.log('RAN');"
"#
    )
}

fn run(allowed: &str) -> Sim {
    let mut sim = Sim::load(&template(allowed)).unwrap_or_else(|e| panic!("{e}"));
    sim.call(
        "console",
        "events:PutEvents",
        json!({"Entries": [{"Source": "shop", "DetailType": "Order", "Detail": "{\"id\": \"o-1\"}"}]}),
    )
    .unwrap();
    sim.call(
        "console",
        "firehose:PutRecord",
        json!({"DeliveryStreamName": "to-archive", "Record": {"Data": "aGVsbG8="}}),
    )
    .unwrap();
    sim.run_until(125_000);
    sim
}

fn failures(sim: &Sim) -> Vec<String> {
    sim.trace()
        .iter()
        .filter(|e| e.kind == TraceKind::Failure)
        .map(|e| e.summary.clone())
        .collect()
}

#[test]
fn roles_that_allow_the_calls_deliver() {
    let sim = run("kinesis:PutRecord, lambda:InvokeFunction, s3:PutObject");
    let r = sim.report();
    assert_eq!(
        r["resources"]["OrderRule"]["metrics"]["FailedInvocations"],
        0
    );
    assert_eq!(r["resources"]["Orders"]["metrics"]["IncomingRecords"], 1);
    assert_eq!(
        r["resources"]["ToArchive"]["metrics"]["DeliveryToS3.Success"],
        1
    );
    assert_eq!(r["resources"]["Job"]["metrics"]["Invocations"], 2);
    assert!(failures(&sim).is_empty(), "{:?}", failures(&sim));
}

#[test]
fn roles_that_do_not_fail_each_delivery_as_aws_does() {
    let sim = run("sqs:SendMessage");
    let r = sim.report();
    // The rule: AccessDeniedException from Kinesis is a client error, not retried.
    assert_eq!(
        r["resources"]["OrderRule"]["metrics"]["FailedInvocations"],
        1
    );
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    assert_eq!(
        n(&r["resources"]["Orders"]["metrics"]["IncomingRecords"]),
        0
    );
    assert_eq!(n(&r["resources"]["Job"]["metrics"]["Invocations"]), 0);
    let f = failures(&sim).join("\n");
    assert!(
        f.contains("assumed-role/deliverer/") && f.contains("kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:123456789012:stream/orders"),
        "{f}"
    );
    assert!(f.contains("lambda:InvokeFunction"), "{f}");
    // Firehose keeps trying every 5 s; nothing reaches the bucket.
    assert!(
        f.contains("Firehose could not deliver")
            && f.contains("retrying every 5 s for up to 24 hours"),
        "{f}"
    );
    let m = &r["resources"]["ToArchive"]["metrics"];
    assert!(m["DeliveryToS3.Failures"].as_u64().unwrap() >= 10, "{m}");
    assert!(m.get("DeliveryToS3.Success").is_none(), "{m}");
}

#[test]
fn a_schedule_needs_a_role() {
    let t = template("s3:PutObject").replace(
        "Target: { Arn: !GetAtt Job.Arn, RoleArn: !GetAtt Deliverer.Arn }",
        "Target: { Arn: !GetAtt Job.Arn }",
    );
    let e = Sim::load(&t).err().unwrap().to_string();
    assert!(e.contains("Nightly.Properties.Target.RoleArn"), "{e}");
}
