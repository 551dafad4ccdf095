//! SNS through the API surface: fan-out to SQS and Lambda with the notification shapes
//! AWS delivers (shared/reference/events sns-notification.json, sqs-from-sns), raw
//! delivery, filter policies and errors.

use playground_core::Sim;
use serde_json::{json, Value};

const FANOUT: &str = r#"
Resources:
  Orders: { Type: AWS::SNS::Topic, Properties: { TopicName: orders } }
  All: { Type: AWS::SQS::Queue, Properties: { QueueName: all } }
  Raw: { Type: AWS::SQS::Queue, Properties: { QueueName: raw } }
  RedOnly: { Type: AWS::SQS::Queue, Properties: { QueueName: red } }
  PaidOnly: { Type: AWS::SQS::Queue, Properties: { QueueName: paid } }
  AllSub: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt All.Arn } }
  RawSub: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt Raw.Arn, RawMessageDelivery: true } }
  RedSub:
    Type: AWS::SNS::Subscription
    Properties: { TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt RedOnly.Arn, FilterPolicy: { color: [red] } }
  PaidSub:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Orders
      Protocol: sqs
      Endpoint: !GetAtt PaidOnly.Arn
      FilterPolicyScope: MessageBody
      FilterPolicy: '{"order": {"status": ["paid"]}}'
  # SNS delivers as sns.amazonaws.com: each queue must allow it (AWS's resource policy).
  FromOrders:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref All, !Ref Raw, !Ref RedOnly, !Ref PaidOnly]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:SendMessage
            Resource: '*'
            Condition: { ArnEquals: { aws:SourceArn: !Ref Orders } }
  Listener:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: listener
      Runtime: nodejs22.x
      Handler: index.handler
      Events:
        FromOrders: { Type: SNS, Properties: { Topic: !Ref Orders } }
      InlineCode: "exports.handler = async (e) => { console.log('EVENT', JSON.stringify(e)); };"
"#;
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:orders";

fn publish(sim: &mut Sim, message: &str, attrs: Value) -> Value {
    let r = sim
        .call("console", "sns:Publish", json!({"TopicArn": TOPIC, "Message": message, "Subject": "new order", "MessageAttributes": attrs}))
        .unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    r
}

fn bodies(sim: &Sim, queue: &str) -> Vec<Value> {
    sim.report()["resources"][queue]["messages"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn sqs_subscribers_get_the_json_envelope() {
    let mut sim = Sim::load(FANOUT).unwrap();
    let r = publish(
        &mut sim,
        r#"{"order":{"status":"paid"}}"#,
        json!({"color": {"DataType": "String", "StringValue": "blue"}}),
    );
    let msgs = bodies(&sim, "All");
    assert_eq!(msgs.len(), 1);
    let text = msgs[0]["Body"].as_str().unwrap();
    assert!(
        text.starts_with("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : "),
        "AWS's layout: {text}"
    );
    let env: Value = serde_json::from_str(text).unwrap();
    assert_eq!(env["MessageId"], r["MessageId"]);
    assert_eq!(env["TopicArn"], TOPIC);
    assert_eq!(env["Subject"], "new order");
    assert_eq!(env["Message"], r#"{"order":{"status":"paid"}}"#);
    assert_eq!(env["SignatureVersion"], "1");
    assert!(env["SigningCertURL"]
        .as_str()
        .unwrap()
        .starts_with("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"));
    assert!(env["UnsubscribeURL"].as_str().unwrap().contains(
        "?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:orders:"
    ));
    assert_eq!(
        env["MessageAttributes"],
        json!({"color": {"Type": "String", "Value": "blue"}})
    );
}

#[test]
fn raw_delivery_passes_the_message_and_its_attributes() {
    let mut sim = Sim::load(FANOUT).unwrap();
    publish(
        &mut sim,
        "plain text",
        json!({"color": {"DataType": "String", "StringValue": "red"}}),
    );
    let msgs = bodies(&sim, "Raw");
    assert_eq!(msgs[0]["Body"], "plain text");
    assert_eq!(
        msgs[0]["MessageAttributes"]["color"],
        json!({"DataType": "String", "StringValue": "red"})
    );
}

#[test]
fn filter_policies_on_attributes_and_on_the_body() {
    let mut sim = Sim::load(FANOUT).unwrap();
    publish(
        &mut sim,
        r#"{"order":{"status":"open"}}"#,
        json!({"color": {"DataType": "String", "StringValue": "blue"}}),
    );
    publish(
        &mut sim,
        r#"{"order":{"status":"paid"}}"#,
        json!({"color": {"DataType": "String", "StringValue": "red"}}),
    );
    publish(&mut sim, "not json", json!({}));
    assert_eq!(bodies(&sim, "RedOnly").len(), 1, "only the red message");
    assert_eq!(bodies(&sim, "PaidOnly").len(), 1, "only the paid order");
    assert_eq!(bodies(&sim, "All").len(), 3);
    let m = sim.report()["resources"]["Orders"]["metrics"].clone();
    assert_eq!(m["NumberOfMessagesPublished"], 3);
    // 5 subscriptions × 3 messages = 15; red filters out 2, paid filters out 2.
    assert_eq!(m["NumberOfNotificationsFilteredOut"], 4);
    assert_eq!(m["NumberOfNotificationsDelivered"], 11);
    assert_eq!(m["NumberOfNotificationsFailed"], 0);
}

#[test]
fn lambda_subscribers_get_the_sns_event_asynchronously() {
    let mut sim = Sim::load(FANOUT).unwrap();
    let r = publish(
        &mut sim,
        "hello",
        json!({"color": {"DataType": "String", "StringValue": "red"}}),
    );
    let logs = sim.report()["resources"]["Listener"]["logs"].clone();
    let line = logs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|l| l.contains("EVENT"))
        .unwrap()
        .to_string();
    let event: Value = serde_json::from_str(line.split("EVENT ").nth(1).unwrap()).unwrap();
    let rec = &event["Records"][0];
    assert_eq!(rec["EventSource"], "aws:sns");
    assert_eq!(rec["EventVersion"], "1.0");
    assert!(rec["EventSubscriptionArn"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{TOPIC}:")));
    let sns = &rec["Sns"];
    for key in [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertUrl",
        "UnsubscribeUrl",
        "MessageAttributes",
    ] {
        assert!(sns.get(key).is_some(), "Sns.{key} missing: {sns}");
    }
    assert_eq!(sns["MessageId"], r["MessageId"]);
    assert_eq!(
        sns["MessageAttributes"]["color"],
        json!({"Type": "String", "Value": "red"})
    );
    let m = &sim.report()["resources"]["Listener"]["metrics"];
    assert_eq!(
        m["AsyncEventsReceived"], 1,
        "SNS invokes functions asynchronously"
    );
}

#[test]
fn errors_use_sns_codes() {
    let mut sim = Sim::load(FANOUT).unwrap();
    let e = sim
        .call(
            "console",
            "sns:Publish",
            json!({"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope", "Message": "x"}),
        )
        .unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("NotFound", 404));
    let e = sim
        .call(
            "console",
            "sns:Publish",
            json!({"TopicArn": TOPIC, "Message": "x".repeat(262_145)}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
    assert!(sim
        .call(
            "console",
            "sns:Publish",
            json!({"TopicArn": TOPIC, "Message": "x".repeat(262_144)})
        )
        .is_ok());
    let e = sim
        .call("console", "sns:Publish", json!({"TopicArn": TOPIC}))
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
}

#[test]
fn template_errors_name_the_subscription() {
    let bad = FANOUT.replace(
        "FilterPolicy: { color: [red] }",
        "FilterPolicy: { color: [{ numeric: [\"~\", 1] }] }",
    );
    let e = Sim::load(&bad).err().unwrap();
    assert_eq!(e.path, "Resources.RedSub.Properties.FilterPolicy");
    let bad = FANOUT.replace(
        "Protocol: sqs, Endpoint: !GetAtt All.Arn",
        "Protocol: sms, Endpoint: '+15555550100'",
    );
    let e = Sim::load(&bad).err().unwrap();
    assert!(
        e.to_string()
            .contains("protocol 'sms' is not supported by the playground yet"),
        "{e}"
    );
}

#[test]
fn message_size_counts_attribute_names_types_and_values() {
    // SNS: the 256 KB limit covers the message and each attribute's name, type and value.
    // Here the attribute adds 1 ("a") + 6 ("String") + 1 ("b") = 8 bytes.
    let mut sim = Sim::load(FANOUT).unwrap();
    let attr = json!({"a": {"DataType": "String", "StringValue": "b"}});
    let fits = sim.call(
        "console",
        "sns:Publish",
        json!({"TopicArn": TOPIC, "Message": "x".repeat(262_136), "MessageAttributes": attr}),
    );
    assert!(fits.is_ok(), "{fits:?}");
    let e = sim
        .call(
            "console",
            "sns:Publish",
            json!({"TopicArn": TOPIC, "Message": "x".repeat(262_137), "MessageAttributes": attr}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
}

#[test]
fn undeliverable_messages_go_to_the_subscription_dead_letter_queue() {
    let t = r#"
Resources:
  Orders: { Type: AWS::SNS::Topic, Properties: { TopicName: orders } }
  Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: sub-dlq } }
  Gone:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Orders
      Protocol: sqs
      Endpoint: arn:aws:sqs:us-east-1:123456789012:deleted-queue
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn }
  DlqPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Dlq]
      PolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: sns.amazonaws.com }, Action: sqs:SendMessage, Resource: '*' }]
"#;
    let mut sim = Sim::load(t).unwrap();
    publish(&mut sim, "lost order", json!({}));
    let dlq = bodies(&sim, "Dlq");
    assert_eq!(
        dlq.len(),
        1,
        "the client-side error sends it to the DLQ at once"
    );
    let envelope: Value = serde_json::from_str(dlq[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(envelope["Type"], "Notification");
    assert_eq!(envelope["Message"], "lost order");
    assert_eq!(
        sim.report()["resources"]["Orders"]["metrics"]["NumberOfNotificationsFailed"],
        1
    );
    let bad = t.replace(
        "!GetAtt Dlq.Arn",
        "arn:aws:sns:us-east-1:123456789012:orders",
    );
    assert!(Sim::load(&bad)
        .err()
        .unwrap()
        .to_string()
        .contains("deadLetterTargetArn must be an SQS queue ARN"));
}

#[test]
fn without_a_queue_policy_sns_cannot_deliver_and_says_why() {
    // The same fan-out without the queue policy: only the function (SAM added its
    // permission) hears the topic; every queue refuses SNS.
    let start = FANOUT
        .find("  FromOrders:\n    Type: AWS::SQS::QueuePolicy")
        .unwrap();
    let end = FANOUT.find("  Listener:").unwrap();
    let t = format!("{}{}", &FANOUT[..start], &FANOUT[end..]);
    let mut sim = Sim::load(&t).unwrap();
    publish(
        &mut sim,
        "hello",
        json!({"color": {"DataType": "String", "StringValue": "red"}}),
    );
    let r = sim.report();
    assert_eq!(
        r["resources"]["All"]["messages"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        r["resources"]["Orders"]["metrics"]["NumberOfNotificationsFailed"],
        3
    );
    assert_eq!(r["resources"]["Listener"]["metrics"]["Invocations"], 1);
    let hint = sim
        .trace()
        .iter()
        .find_map(|e| e.detail["hint"].as_str())
        .unwrap()
        .to_string();
    assert!(
        hint.starts_with("an AWS::SQS::QueuePolicy on the queue must allow the principal sns.amazonaws.com to sqs:SendMessage"),
        "{hint}"
    );
    // Without the function's SAM event, a subscription to it needs an AWS::Lambda::Permission.
    let t = t.replace(
        "      Events:\n        FromOrders: { Type: SNS, Properties: { Topic: !Ref Orders } }\n",
        "",
    ) + "  ListenerSub: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: lambda, Endpoint: !GetAtt Listener.Arn } }\n";
    let mut sim = Sim::load(&t).unwrap();
    publish(&mut sim, "hello", json!({}));
    assert_eq!(
        sim.report()["resources"]["Listener"]["metrics"]["Invocations"],
        0
    );
    let t = t + "  Allow: { Type: AWS::Lambda::Permission, Properties: { FunctionName: !Ref Listener, Action: lambda:InvokeFunction, Principal: sns.amazonaws.com, SourceArn: !Ref Orders } }\n";
    let mut sim = Sim::load(&t).unwrap();
    publish(&mut sim, "hello", json!({}));
    assert_eq!(
        sim.report()["resources"]["Listener"]["metrics"]["Invocations"],
        1
    );
}

const FIFO: &str = r#"
Resources:
  Orders: { Type: AWS::SNS::Topic, Properties: { TopicName: orders.fifo, FifoTopic: true, ContentBasedDeduplication: true } }
  Ledger: { Type: AWS::SQS::Queue, Properties: { QueueName: ledger.fifo, FifoQueue: true } }
  LedgerSub: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt Ledger.Arn } }
  LedgerPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Ledger]
      PolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: sns.amazonaws.com }, Action: sqs:SendMessage, Resource: '*' }]
"#;

#[test]
fn fifo_topics_keep_group_order_deduplicate_and_number_messages() {
    // SNS developer guide, "FIFO topics": MessageGroupId required, deduplication for five
    // minutes (here by content), sequence numbers, delivery in order to a FIFO queue.
    let mut sim = Sim::load(FIFO).unwrap();
    let arn = "arn:aws:sns:us-east-1:123456789012:orders.fifo";
    let mut seqs = Vec::new();
    for m in ["open", "pay", "ship", "pay"] {
        let r = sim
            .call(
                "console",
                "sns:Publish",
                json!({"TopicArn": arn, "Message": m, "MessageGroupId": "order-1"}),
            )
            .unwrap();
        seqs.push(r.get("SequenceNumber").cloned());
    }
    assert!(seqs[0].as_ref().unwrap().as_str().unwrap().len() == 20);
    assert!(
        seqs[3].is_none(),
        "the repeated 'pay' is a duplicate: {seqs:?}"
    );
    sim.run_to_idle(60_000);
    let got: Vec<Value> = bodies(&sim, "Ledger")
        .iter()
        .map(|m| serde_json::from_str(m["Body"].as_str().unwrap()).unwrap())
        .collect();
    let messages: Vec<&str> = got.iter().map(|e| e["Message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["open", "pay", "ship"]);
    assert_eq!(got[0]["SequenceNumber"], seqs[0].clone().unwrap());
    let e = sim
        .call(
            "console",
            "sns:Publish",
            json!({"TopicArn": arn, "Message": "x"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
    assert!(e.message.contains("MessageGroupId parameter is required"));
    // What AWS refuses when the stack is created.
    let lambda_sub = FIFO.replace(
        "Protocol: sqs, Endpoint: !GetAtt Ledger.Arn",
        "Protocol: lambda, Endpoint: arn:aws:lambda:us-east-1:123456789012:function:f",
    );
    assert!(Sim::load(&lambda_sub)
        .err()
        .unwrap()
        .to_string()
        .contains("delivers to SQS queues only"));
    let standard = FIFO.replace(
        "TopicName: orders.fifo, FifoTopic: true, ",
        "TopicName: orders, ",
    );
    assert!(Sim::load(&standard)
        .err()
        .unwrap()
        .to_string()
        .contains("FIFO queue can subscribe to a FIFO topic only"));
    let bad_name = FIFO.replace("TopicName: orders.fifo", "TopicName: orders");
    assert!(Sim::load(&bad_name)
        .err()
        .unwrap()
        .to_string()
        .contains("must end with .fifo"));
}

#[test]
fn http_and_email_endpoints_confirm_receive_and_retry() {
    // SNS developer guide, "Fanout to HTTP/S endpoints" and "Email notifications": the
    // endpoint confirms the subscription first; notifications are POSTed with SNS's
    // headers; a failing endpoint is retried three times, 20 s apart, by default.
    let t = r#"
Metadata:
  Playground:
    Endpoints:
      https://hooks.example.com/orders: { FailFirst: 2 }
      https://down.example.com/hook: { Status: 503 }
      https://never.example.com/hook: { Confirm: false }
Resources:
  Orders: { Type: AWS::SNS::Topic, Properties: { TopicName: orders } }
  Hook: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: https, Endpoint: https://hooks.example.com/orders } }
  Down: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: https, Endpoint: https://down.example.com/hook } }
  Never: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: https, Endpoint: https://never.example.com/hook } }
  Mail: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: email, Endpoint: ops@example.com } }
"#;
    let mut sim = Sim::load(t).unwrap();
    publish(&mut sim, "order 7 placed", json!({}));
    let r = sim.report()["resources"]["Orders"].clone();
    let got = |ep: &str| r["endpoints"][ep]["Received"].as_array().unwrap().clone();
    // Confirmation, two failures, then the delivery: 20 s between attempts.
    let hook = got("https://hooks.example.com/orders");
    assert_eq!(hook[0]["Type"], "SubscriptionConfirmation");
    let statuses: Vec<u64> = hook[1..]
        .iter()
        .map(|x| x["Status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    let times: Vec<u64> = hook[1..]
        .iter()
        .map(|x| x["at_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(times[2] - times[1], 20_000);
    assert_eq!(hook[3]["Headers"]["x-amz-sns-message-type"], "Notification");
    let envelope: Value = serde_json::from_str(hook[3]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(envelope["Message"], "order 7 placed");
    // 1 + 3 retries, then the message is given up.
    assert_eq!(got("https://down.example.com/hook").len(), 1 + 4);
    // An unconfirmed subscription receives nothing but the confirmation request.
    assert_eq!(got("https://never.example.com/hook").len(), 1);
    assert_eq!(
        r["endpoints"]["https://never.example.com/hook"]["SubscriptionArn"],
        "PendingConfirmation"
    );
    let mail = got("ops@example.com");
    assert_eq!(mail[1]["Subject"], "new order");
    assert!(mail[1]["Body"]
        .as_str()
        .unwrap()
        .starts_with("order 7 placed"));
    assert_eq!(r["metrics"]["NumberOfNotificationsDelivered"], 2);
    // The canvas draws the request going to the endpoint's box (the subscription).
    assert!(sim.trace().iter().any(|e| e.to == "Hook"
        && e.summary
            .starts_with("POST https://hooks.example.com/orders")));
    assert_eq!(r["metrics"]["NumberOfNotificationsFailed"], 1);
    assert!(Sim::load(&t.replace(
        "Protocol: email, Endpoint: ops@example.com",
        "Protocol: email, Endpoint: ops"
    ))
    .is_err());
}

#[test]
fn an_endpoint_outside_the_account_is_a_box_at_the_end_of_its_wire() {
    let t = "Resources:\n  Orders: { Type: AWS::SNS::Topic }\n  Hook: { Type: AWS::SNS::Subscription, Properties: { TopicArn: !Ref Orders, Protocol: https, Endpoint: https://hooks.example.com/x } }\n";
    let sim = Sim::load(t).unwrap();
    let g = playground_core::graph::build(sim.model());
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"Hook"));
    assert!(g
        .edges
        .iter()
        .any(|e| e.from == "Orders" && e.to == "Hook" && e.kind == "subscription"));
    assert_eq!(g.edges.len(), 1, "{:?}", g.edges);
}

#[test]
fn delivery_policies_on_the_subscription_or_the_topic() {
    // SNS developer guide, "Creating an HTTP/S delivery policy": a subscription's
    // healthyRetryPolicy, or the topic's http.defaultHealthyRetryPolicy.
    let t = |topic_policy: &str, sub_policy: &str| {
        format!(
            "Metadata: {{ Playground: {{ Endpoints: {{ 'https://down.example.com/x': {{ Status: 500 }} }} }} }}\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {{ TopicName: t{topic_policy} }}\n  S:\n    Type: AWS::SNS::Subscription\n    Properties: {{ TopicArn: !Ref T, Protocol: https, Endpoint: 'https://down.example.com/x'{sub_policy} }}\n"
        )
    };
    let attempts = |text: String| {
        let mut sim = Sim::load(&text).unwrap();
        sim.call(
            "console",
            "sns:Publish",
            json!({"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "x"}),
        )
        .unwrap();
        sim.run_to_idle(3_600_000);
        let got = sim.report()["resources"]["T"]["endpoints"]["https://down.example.com/x"]
            ["Received"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["Type"] == "Notification")
            .map(|r| r["at_ms"].as_u64().unwrap())
            .collect::<Vec<_>>();
        got
    };
    assert_eq!(attempts(t("", "")).len(), 4, "1 + the default 3 retries");
    let topic = ", DeliveryPolicy: { http: { defaultHealthyRetryPolicy: { numRetries: 1, minDelayTarget: 5, maxDelayTarget: 5 } } }";
    let at = attempts(t(topic, ""));
    assert_eq!(at.len(), 2);
    assert_eq!(at[1] - at[0], 5_000);
    let sub = ", DeliveryPolicy: { healthyRetryPolicy: { numRetries: 2, minDelayTarget: 1, maxDelayTarget: 1 } }";
    assert_eq!(
        attempts(t(topic, sub)).len(),
        3,
        "the subscription's own policy wins"
    );
    let locked = topic.replace("} } }", "}, disableSubscriptionOverrides: true } }");
    assert_eq!(
        attempts(t(&locked, sub)).len(),
        2,
        "unless the topic forbids overrides"
    );
}

#[test]
fn fifo_throughput_scope_sets_the_quota_and_the_deduplication() {
    // SNS developer guide, FIFO topic quotas and FifoThroughputScope: Topic scope allows
    // 3,000 messages a second per topic and deduplicates across it; MessageGroup scope
    // allows 300 a second per group and deduplicates within each group.
    let arn = "arn:aws:sns:us-east-1:123456789012:orders.fifo";
    let publish = |sim: &mut Sim, m: &str, g: &str| {
        sim.call(
            "console",
            "sns:Publish",
            json!({"TopicArn": arn, "Message": m, "MessageGroupId": g}),
        )
    };
    let mut sim = Sim::load(FIFO).unwrap();
    for i in 0..3_000 {
        publish(&mut sim, &format!("m{i}"), &format!("g{}", i % 20)).unwrap();
    }
    let e = publish(&mut sim, "one more", "g0").unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("Throttled", 429));
    assert_eq!(e.message, "Rate exceeded");
    // A second later the quota is there again; the same body in another group is a
    // duplicate across the topic.
    sim.run_until(1_000);
    let first = publish(&mut sim, "same", "a").unwrap();
    assert!(first.get("SequenceNumber").is_some());
    assert!(publish(&mut sim, "same", "b")
        .unwrap()
        .get("SequenceNumber")
        .is_none());

    let scoped = FIFO.replace(
        "ContentBasedDeduplication: true }",
        "ContentBasedDeduplication: true, FifoThroughputScope: MessageGroup }",
    );
    let mut sim = Sim::load(&scoped).unwrap();
    for i in 0..300 {
        publish(&mut sim, &format!("m{i}"), "hot").unwrap();
    }
    assert_eq!(
        publish(&mut sim, "m300", "hot").unwrap_err().code,
        "Throttled"
    );
    publish(&mut sim, "m300", "cold").unwrap();
    assert!(
        publish(&mut sim, "m0", "cold")
            .unwrap()
            .get("SequenceNumber")
            .is_some(),
        "deduplication is per group"
    );
    let bad = FIFO.replace(
        "ContentBasedDeduplication: true }",
        "ContentBasedDeduplication: true, FifoThroughputScope: Everything }",
    );
    assert!(Sim::load(&bad)
        .err()
        .unwrap()
        .to_string()
        .contains("FifoThroughputScope is Topic or MessageGroup"));
}

#[test]
fn publish_batch_publishes_each_entry_and_reports_failures_apart() {
    let mut sim = Sim::load(FIFO).unwrap();
    let arn = "arn:aws:sns:us-east-1:123456789012:orders.fifo";
    let r = sim
        .call(
            "console",
            "sns:PublishBatch",
            json!({"TopicArn": arn, "PublishBatchRequestEntries": [
                {"Id": "1", "Message": "open", "MessageGroupId": "o"},
                {"Id": "2", "Message": "no group"},
                {"Id": "3", "Message": "pay", "MessageGroupId": "o"}
            ]}),
        )
        .unwrap();
    let ok: Vec<&str> = r["Successful"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ok, ["1", "3"]);
    assert_eq!(r["Failed"][0]["Id"], "2");
    assert_eq!(r["Failed"][0]["Code"], "InvalidParameter");
    assert_eq!(r["Failed"][0]["SenderFault"], true);
    sim.run_to_idle(60_000);
    assert_eq!(bodies(&sim, "Ledger").len(), 2);
    let e = sim
        .call(
            "console",
            "sns:PublishBatch",
            json!({"TopicArn": arn, "PublishBatchRequestEntries": (0..11).map(|i| json!({"Id": i.to_string(), "Message": "x", "MessageGroupId": "g"})).collect::<Vec<_>>()}),
        )
        .unwrap_err();
    assert_eq!(e.code, "TooManyEntriesInBatchRequest");
}
