//! S3 through the API surface: objects (put, get, head, copy, delete, list) with AWS's
//! errors, and event notifications — NotificationConfiguration to Lambda, SQS (after
//! S3's test event) and SNS, prefix/suffix filters, SAM S3 events, EventBridge — in the
//! record shape of shared/reference/events/s3-put.json; handler code using the SDK.

use playground_core::Sim;
use serde_json::{json, Value};

const T: &str = r#"
Metadata: { Playground: { Seed: 5 } }
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: uploads
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Inbox.Arn
            Filter: { S3Key: { Rules: [{ Name: prefix, Value: docs/ }, { Name: suffix, Value: .txt }] } }
        EventBridgeConfiguration: { EventBridgeEnabled: true }
  Inbox: { Type: AWS::SQS::Queue, Properties: { QueueName: inbox } }
  Seen: { Type: AWS::SQS::Queue, Properties: { QueueName: seen } }
  # S3 and EventBridge deliver as services: each queue's policy lets its sender in.
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: s3.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Inbox.Arn
            Condition: { ArnLike: { aws:SourceArn: "arn:aws:s3:*:*:uploads" } }
  SeenPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Seen]
      PolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: events.amazonaws.com }, Action: sqs:SendMessage, Resource: !GetAtt Seen.Arn }]
  Created:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [aws.s3], detail-type: [Object Created] }
      Targets: [{ Id: seen, Arn: !GetAtt Seen.Arn, InputPath: $.detail.object.key }]
  Thumbs:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Policies: [{ S3CrudPolicy: { BucketName: uploads } }]
      Events:
        Put: { Type: S3, Properties: { Bucket: !Ref Uploads, Events: s3:ObjectCreated:Put, Filter: { S3Key: { Rules: [{ Name: prefix, Value: images/ }] } } } }
      InlineCode: |
        const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
        const s3 = new S3Client({});
        exports.handler = async (event) => {
          const r = event.Records[0];
          if (r.s3.object.key.startsWith('thumbs/')) return;
          const got = await s3.send(new GetObjectCommand({ Bucket: r.s3.bucket.name, Key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')) }));
          const text = await got.Body.transformToString();
          await s3.send(new PutObjectCommand({ Bucket: r.s3.bucket.name, Key: 'thumbs/' + r.s3.object.key, Body: text.toUpperCase() }));
          console.log('EVENT', r.eventName, r.s3.object.key, r.s3.object.size);
        };
"#;

fn bodies(sim: &Sim, q: &str) -> Vec<String> {
    sim.report()["resources"][q]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Body"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn objects_and_their_errors() {
    let mut sim = Sim::load(T).unwrap();
    let put = sim.call("console", "s3:PutObject", json!({"Bucket": "uploads", "Key": "a.txt", "Body": "hello", "ContentType": "text/plain"})).unwrap();
    assert_eq!(put["ETag"], "\"5d41402abc4b2a76b9719d911017c592\"");
    let got = sim
        .call(
            "console",
            "s3:GetObject",
            json!({"Bucket": "uploads", "Key": "a.txt"}),
        )
        .unwrap();
    assert_eq!(
        (
            got["Body"].as_str(),
            got["ContentLength"].as_u64(),
            got["ContentType"].as_str()
        ),
        (Some("hello"), Some(5), Some("text/plain"))
    );
    let e = sim
        .call(
            "console",
            "s3:GetObject",
            json!({"Bucket": "uploads", "Key": "nope"}),
        )
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str(), e.status),
        ("NoSuchKey", "The specified key does not exist.", 404)
    );
    assert_eq!(
        sim.call(
            "console",
            "s3:PutObject",
            json!({"Bucket": "other", "Key": "k"})
        )
        .unwrap_err()
        .code,
        "NoSuchBucket"
    );
    sim.call(
        "console",
        "s3:CopyObject",
        json!({"Bucket": "uploads", "Key": "b.txt", "CopySource": "uploads/a.txt"}),
    )
    .unwrap();
    let list = sim
        .call(
            "console",
            "s3:ListObjectsV2",
            json!({"Bucket": "uploads", "MaxKeys": 1}),
        )
        .unwrap();
    assert_eq!(
        (list["KeyCount"].as_u64(), list["IsTruncated"].as_bool()),
        (Some(1), Some(true))
    );
    let next = sim
        .call(
            "console",
            "s3:ListObjectsV2",
            json!({"Bucket": "uploads", "ContinuationToken": list["NextContinuationToken"]}),
        )
        .unwrap();
    assert_eq!(next["Contents"][0]["Key"], "b.txt");
    sim.call(
        "console",
        "s3:DeleteObject",
        json!({"Bucket": "uploads", "Key": "a.txt"}),
    )
    .unwrap();
    assert_eq!(
        sim.call(
            "console",
            "s3:HeadObject",
            json!({"Bucket": "uploads", "Key": "a.txt"})
        )
        .unwrap_err()
        .code,
        "NoSuchKey"
    );
}

#[test]
fn notifications_reach_queues_functions_and_eventbridge() {
    let mut sim = Sim::load(T).unwrap();
    sim.call(
        "console",
        "s3:PutObject",
        json!({"Bucket": "uploads", "Key": "images/my cat.jpg", "Body": "meow"}),
    )
    .unwrap();
    sim.call(
        "console",
        "s3:PutObject",
        json!({"Bucket": "uploads", "Key": "docs/x.txt", "Body": "doc"}),
    )
    .unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let inbox = bodies(&sim, "Inbox");
    assert_eq!(
        inbox.len(),
        2,
        "S3's test event, then the one .txt under docs/"
    );
    let test: Value = serde_json::from_str(&inbox[0]).unwrap();
    assert_eq!(test["Event"], "s3:TestEvent");
    let ev: Value = serde_json::from_str(&inbox[1]).unwrap();
    let r = &ev["Records"][0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "eventVersion",
            "eventSource",
            "awsRegion",
            "eventTime",
            "eventName",
            "userIdentity",
            "requestParameters",
            "responseElements",
            "s3"
        ]
    );
    assert_eq!(r["eventName"], "ObjectCreated:Put");
    assert_eq!(r["s3"]["object"]["key"], "docs/x.txt");
    assert_eq!(r["s3"]["object"]["size"], 3);
    assert_eq!(r["s3"]["bucket"]["arn"], "arn:aws:s3:::uploads");
    // The function got the image (its own thumbnails under thumbs/ do not match images/).
    let logs = sim.report()["resources"]["Thumbs"]["logs"].to_string();
    assert!(
        logs.contains("EVENT ObjectCreated:Put images/my+cat.jpg 4"),
        "{logs}"
    );
    let thumb = sim
        .call(
            "console",
            "s3:GetObject",
            json!({"Bucket": "uploads", "Key": "thumbs/images/my+cat.jpg"}),
        )
        .unwrap();
    assert_eq!(thumb["Body"], "MEOW");
    // EventBridge: every created object, as "Object Created" from aws.s3.
    let mut seen = bodies(&sim, "Seen");
    seen.sort();
    assert_eq!(
        seen,
        [
            "\"docs/x.txt\"",
            "\"images/my cat.jpg\"",
            "\"thumbs/images/my+cat.jpg\""
        ]
    );
}

#[test]
fn overlapping_notification_filters_are_refused() {
    // S3 refuses two configurations that share an event type when neither prefix nor
    // suffix tells them apart — here a queue for every .txt and the function's docs/.
    let t = T
        .replace(
            "Value: docs/ }, { Name: suffix, Value: .txt }",
            "Value: '' }, { Name: suffix, Value: .txt }",
        )
        .replace("Value: images/ }] } } } }", "Value: docs/ }] } } } }");
    let e = Sim::load(&t).err().unwrap().to_string();
    assert!(
        e.starts_with("Resources.Uploads.Properties.NotificationConfiguration: InvalidArgument: Configuration is ambiguously defined"),
        "{e}"
    );
}

#[test]
fn a_notification_to_the_wrong_kind_of_arn_is_refused_at_load() {
    let bad = T.replace("Queue: !GetAtt Inbox.Arn", "Queue: !Ref Inbox");
    let e = Sim::load(&bad).err().unwrap().to_string();
    assert!(
        e.contains("QueueConfigurations[0].Queue") && e.contains("is not an ARN of the sqs kind"),
        "{e}"
    );
}

#[test]
fn s3_validates_that_it_may_deliver_when_the_configuration_is_put() {
    // Without the queue's policy the bucket's configuration is refused, as
    // PutBucketNotificationConfiguration refuses it (and the stack fails).
    let start = T.find("  InboxPolicy:").unwrap();
    let end = T.find("  SeenPolicy:").unwrap();
    let t = format!("{}{}", &T[..start], &T[end..]);
    let e = Sim::load(&t).err().unwrap().to_string();
    assert!(
        e.starts_with("Resources.Uploads.Properties.NotificationConfiguration.QueueConfigurations[0].Queue: InvalidArgument: Unable to validate the following destination configurations"),
        "{e}"
    );
    assert!(e.contains("AWS::SQS::QueuePolicy"), "{e}");
    // A condition naming another bucket does not help.
    let t = T.replace("arn:aws:s3:*:*:uploads", "arn:aws:s3:*:*:downloads");
    assert!(Sim::load(&t).is_err());
}

#[test]
fn versioning_keeps_versions_and_delete_markers() {
    // S3 user guide, "Retaining multiple versions of objects with S3 Versioning".
    let t = "Resources:\n  Docs:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: docs\n      VersioningConfiguration: { Status: Enabled }\n";
    let mut sim = Sim::load(t).unwrap();
    let call = |sim: &mut Sim, action: &str, p: Value| sim.call("console", action, p);
    let v1 = call(
        &mut sim,
        "s3:PutObject",
        json!({"Bucket": "docs", "Key": "a.txt", "Body": "one"}),
    )
    .unwrap()["VersionId"]
        .clone();
    let v2 = call(
        &mut sim,
        "s3:PutObject",
        json!({"Bucket": "docs", "Key": "a.txt", "Body": "two"}),
    )
    .unwrap()["VersionId"]
        .clone();
    assert_ne!(v1, v2);
    assert_eq!(v1.as_str().unwrap().len(), 32);
    let get = |sim: &mut Sim, version: Option<&Value>| {
        let mut p = json!({"Bucket": "docs", "Key": "a.txt"});
        if let Some(v) = version {
            p["VersionId"] = v.clone();
        }
        sim.call("console", "s3:GetObject", p)
    };
    assert_eq!(get(&mut sim, None).unwrap()["Body"], "two");
    assert_eq!(get(&mut sim, Some(&v1)).unwrap()["Body"], "one");
    // A delete without a version id adds a delete marker: the key is gone, its versions stay.
    let d = call(
        &mut sim,
        "s3:DeleteObject",
        json!({"Bucket": "docs", "Key": "a.txt"}),
    )
    .unwrap();
    assert_eq!(d["DeleteMarker"], true);
    assert_eq!(get(&mut sim, None).unwrap_err().code, "NoSuchKey");
    assert_eq!(get(&mut sim, Some(&v2)).unwrap()["Body"], "two");
    assert_eq!(
        get(&mut sim, Some(&d["VersionId"])).unwrap_err().code,
        "MethodNotAllowed"
    );
    let list = call(&mut sim, "s3:ListObjectVersions", json!({"Bucket": "docs"})).unwrap();
    assert_eq!(list["Versions"].as_array().unwrap().len(), 2);
    assert_eq!(list["DeleteMarkers"][0]["IsLatest"], true);
    assert_eq!(
        call(&mut sim, "s3:ListObjectsV2", json!({"Bucket": "docs"})).unwrap()["KeyCount"],
        0
    );
    // Removing the delete marker brings the object back; removing a version is for good.
    call(
        &mut sim,
        "s3:DeleteObject",
        json!({"Bucket": "docs", "Key": "a.txt", "VersionId": d["VersionId"]}),
    )
    .unwrap();
    assert_eq!(get(&mut sim, None).unwrap()["Body"], "two");
    call(
        &mut sim,
        "s3:DeleteObject",
        json!({"Bucket": "docs", "Key": "a.txt", "VersionId": v2}),
    )
    .unwrap();
    assert_eq!(get(&mut sim, None).unwrap()["Body"], "one");
    assert_eq!(get(&mut sim, Some(&v2)).unwrap_err().code, "NoSuchVersion");
    assert_eq!(
        call(
            &mut sim,
            "s3:GetBucketVersioning",
            json!({"Bucket": "docs"})
        )
        .unwrap()["Status"],
        "Enabled"
    );
    // Suspended: new writes are the `null` version.
    call(
        &mut sim,
        "s3:PutBucketVersioning",
        json!({"Bucket": "docs", "VersioningConfiguration": {"Status": "Suspended"}}),
    )
    .unwrap();
    let n = call(
        &mut sim,
        "s3:PutObject",
        json!({"Bucket": "docs", "Key": "b.txt", "Body": "x"}),
    )
    .unwrap();
    assert_eq!(n["VersionId"], "null");
}
