//! EventBridge through the API surface: PutEvents and its per-entry errors, the event
//! envelope (shared/reference/events/eventbridge-event.powertools.json), patterns,
//! Input / InputPath / InputTransformer, Lambda, SQS and Step Functions targets, SAM
//! rules and schedules, dead-letter queues, Lambda destinations on a bus, and the
//! states `events:putEvents` integration.

use playground_core::Sim;
use serde_json::{json, Value};

const BUS: &str = r#"
Metadata: { Playground: { Seed: 3 } }
Resources:
  Orders: { Type: AWS::Events::EventBus, Properties: { Name: orders } }
  Big: { Type: AWS::SQS::Queue, Properties: { QueueName: big } }
  Shaped: { Type: AWS::SQS::Queue, Properties: { QueueName: shaped } }
  Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }
  BigOrders:
    Type: AWS::Events::Rule
    Properties:
      Name: big-orders
      EventBusName: !Ref Orders
      EventPattern:
        source: [{ prefix: shop. }]
        detail-type: [Order Placed]
        detail: { total: [{ numeric: [">=", 100] }], sku: [{ wildcard: "BK-*" }] }
      Targets:
        - { Id: big, Arn: !GetAtt Big.Arn }
        - Id: shaped
          Arn: !GetAtt Shaped.Arn
          InputTransformer:
            InputPathsMap: { id: $.detail.id, total: $.detail.total }
            InputTemplate: '{"order": "<id>", "total": <total>, "rule": "<aws.events.rule-name>"}'
        - Id: gone
          Arn: arn:aws:sqs:us-east-1:123456789012:nope
          DeadLetterConfig: { Arn: !GetAtt Dlq.Arn }
  # EventBridge delivers as events.amazonaws.com: the queues (the DLQ too) allow it.
  FromEvents:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Big, !Ref Shaped, !Ref Dlq]
      PolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: events.amazonaws.com }, Action: sqs:SendMessage, Resource: '*' }
"#;

fn bodies(sim: &Sim, queue: &str) -> Vec<Value> {
    sim.report()["resources"][queue]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn put(sim: &mut Sim, entries: Value) -> Value {
    let r = sim
        .call("console", "events:PutEvents", json!({"Entries": entries}))
        .unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    r
}

#[test]
fn matching_events_reach_targets_in_the_eventbridge_envelope() {
    let mut sim = Sim::load(BUS).unwrap();
    let r = put(
        &mut sim,
        json!([
            {"Source": "shop.web", "DetailType": "Order Placed", "Detail": "{\"id\": \"o-1\", \"total\": 120, \"sku\": \"BK-7\"}", "EventBusName": "orders"},
            {"Source": "shop.web", "DetailType": "Order Placed", "Detail": "{\"id\": \"o-2\", \"total\": 20, \"sku\": \"BK-7\"}", "EventBusName": "orders"},
            {"Source": "shop.web", "DetailType": "Order Placed", "Detail": "{\"id\": \"o-3\", \"total\": 500, \"sku\": \"TOY-1\"}", "EventBusName": "orders"},
            {"Source": "shop.web", "DetailType": "Order Placed", "Detail": "{\"id\": \"o-4\", \"total\": 300, \"sku\": \"BK-1\"}"}
        ]),
    );
    assert_eq!(r["FailedEntryCount"], 0);
    assert_eq!(r["Entries"].as_array().unwrap().len(), 4);
    let big = bodies(&sim, "Big");
    assert_eq!(
        big.len(),
        1,
        "only o-1 matches (o-4 went to the default bus)"
    );
    let event: Value = serde_json::from_str(big[0]["Body"].as_str().unwrap()).unwrap();
    let keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail"
        ]
    );
    assert_eq!(event["version"], "0");
    assert_eq!(event["detail"]["id"], "o-1");
    assert_eq!(event["time"], "1970-01-01T00:00:00Z");
    let shaped = bodies(&sim, "Shaped");
    let body: Value = serde_json::from_str(shaped[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"order": "o-1", "total": 120, "rule": "big-orders"})
    );
    // The missing queue is a client error: not retried, straight to the target's DLQ.
    let dlq = bodies(&sim, "Dlq");
    assert_eq!(dlq.len(), 1);
    let attrs = &dlq[0]["MessageAttributes"];
    assert_eq!(
        attrs["RULE_ARN"]["StringValue"],
        "arn:aws:events:us-east-1:123456789012:rule/orders/big-orders"
    );
    assert_eq!(attrs["ERROR_CODE"]["StringValue"], "QueueDoesNotExist");
    let m = &sim.report()["resources"]["BigOrders"]["metrics"];
    assert_eq!(m["MatchedEvents"], 1);
    assert_eq!(m["Invocations"], 3);
    assert_eq!(m["FailedInvocations"], 1);
    assert_eq!(m["DeadLetterInvocations"], 1);
    assert_eq!(
        sim.report()["resources"]["Orders"]["metrics"]["PutEventsEntries"],
        3
    );
}

#[test]
fn put_events_reports_each_bad_entry() {
    let mut sim = Sim::load(BUS).unwrap();
    let r = put(
        &mut sim,
        json!([
            {"DetailType": "x", "Detail": "{}"},
            {"Source": "a", "DetailType": "x", "Detail": "[1]"},
            {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
            {"Source": "a", "DetailType": "x", "Detail": "{}", "EventBusName": "nope"},
            {"Source": "a", "DetailType": "x", "Detail": "{}"}
        ]),
    );
    assert_eq!(r["FailedEntryCount"], 4);
    let codes: Vec<&str> = r["Entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ErrorCode"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "InvalidArgument",
            "MalformedDetail",
            "NotAuthorizedForSourceException",
            "ResourceNotFoundException",
            "ok"
        ]
    );
    assert_eq!(
        r["Entries"][0]["ErrorMessage"],
        "Parameter Source is not valid. Reason: Source is a required argument."
    );
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"Source": "a", "DetailType": "x", "Detail": "{}"}))
        .collect();
    let e = sim
        .call("console", "events:PutEvents", json!({"Entries": eleven}))
        .unwrap_err();
    assert_eq!(e.code, "ValidationException");
}

#[test]
fn test_event_pattern_and_bad_patterns() {
    let mut sim = Sim::load(BUS).unwrap();
    let ev = json!({"source": "shop", "detail": {"n": 5, "tags": ["a", "b"], "ip": "10.0.0.7"}})
        .to_string();
    let t = |sim: &mut Sim, p: Value| {
        sim.call(
            "console",
            "events:TestEventPattern",
            json!({"EventPattern": p.to_string(), "Event": ev}),
        )
        .map(|r| r["Result"].clone())
    };
    assert_eq!(
        t(&mut sim, json!({"detail": {"tags": ["b"]}})).unwrap(),
        true
    );
    assert_eq!(
        t(&mut sim, json!({"detail": {"n": [{"numeric": [">", 5]}]}})).unwrap(),
        false
    );
    assert_eq!(
        t(
            &mut sim,
            json!({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}})
        )
        .unwrap(),
        true
    );
    assert_eq!(
        t(
            &mut sim,
            json!({"source": [{"anything-but": {"prefix": "sh"}}]})
        )
        .unwrap(),
        false
    );
    assert_eq!(
        t(
            &mut sim,
            json!({"$or": [{"source": ["x"]}, {"detail": {"missing": [{"exists": false}]}}]})
        )
        .unwrap(),
        true
    );
    assert_eq!(
        t(&mut sim, json!({"source": "shop"})).unwrap_err().code,
        "InvalidEventPatternException"
    );
    let bad = BUS.replace("detail-type: [Order Placed]", "detail-type: Order Placed");
    let e = Sim::load(&bad).err().unwrap().to_string();
    assert!(
        e.contains("Resources.BigOrders.Properties.EventPattern")
            && e.contains("Event pattern is not valid"),
        "{e}"
    );
}

const SAM: &str = r#"
Metadata: { Playground: { Seed: 2 } }
Globals: { Function: { Runtime: nodejs22.x, Handler: index.handler } }
Resources:
  Audit: { Type: AWS::SQS::Queue, Properties: { QueueName: audit } }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      InlineCode: "exports.handler = async (e) => { console.log('GOT', e['detail-type'], JSON.stringify(e.detail)); if (e.detail.fail) throw new Error('bad'); return { ok: e.detail.n }; };"
      Events:
        OnOrder:
          Type: EventBridgeRule
          Properties: { Pattern: { source: [shop] } }
        Tick:
          Type: Schedule
          Properties: { Schedule: rate(1 minute), Input: '{"source": "timer", "detail": {"n": 0}, "detail-type": "tick"}' }
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnSuccess: { Type: EventBridge, Destination: !Sub "arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/default" }
  Results:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [lambda], detail-type: [Lambda Function Invocation Result - Success] }
      Targets: [{ Id: audit, Arn: !GetAtt Audit.Arn, InputPath: $.detail.responsePayload }]
  AuditPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Audit]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Audit.Arn
            Condition: { ArnEquals: { aws:SourceArn: !GetAtt Results.Arn } }
"#;

#[test]
fn sam_rules_schedules_and_destinations_on_a_bus() {
    let mut sim = Sim::load(SAM).unwrap();
    sim.call("console", "events:PutEvents", json!({"Entries": [{"Source": "shop", "DetailType": "Order Placed", "Detail": "{\"n\": 7}"}]})).unwrap();
    sim.run_until(150_000);
    let logs = sim.report()["resources"]["Worker"]["logs"].to_string();
    assert!(logs.contains(r#"GOT Order Placed {\"n\":7}"#), "{logs}");
    // rate(1 minute): at 1:00 and 2:00, with the constant Input.
    assert_eq!(logs.matches("GOT tick").count(), 2, "{logs}");
    let audit: Vec<String> = bodies(&sim, "Audit")
        .iter()
        .map(|m| m["Body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        audit,
        [r#"{"ok":7}"#, r#"{"ok":0}"#, r#"{"ok":0}"#],
        "each success went to the bus, matched Results, InputPath picked the response"
    );
}

#[test]
fn state_machines_put_events_and_are_targets() {
    let t = r#"
Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: flow
      Definition:
        StartAt: Emit
        States:
          Emit:
            Type: Task
            Resource: arn:aws:states:::events:putEvents
            Parameters: { Entries: [{ Source: flow, DetailType: Done, Detail: { n.$: $.n } }] }
            End: true
  Child:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: child
      Definition: { StartAt: P, States: { P: { Type: Pass, End: true } } }
  Chain:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [flow] }
      Targets: [{ Id: child, Arn: !GetAtt Child.Arn, InputPath: $.detail }]
"#;
    let mut sim = Sim::load(t).unwrap();
    sim.call("console", "states:StartExecution", json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:flow", "input": "{\"n\": 4}"})).unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let r = sim.report();
    assert_eq!(
        r["resources"]["Flow"]["executions"][0]["status"],
        "SUCCEEDED"
    );
    assert!(r["resources"]["Flow"]["executions"][0]["output"]
        .as_str()
        .unwrap()
        .contains("\"FailedEntryCount\":0"));
    let child = &r["resources"]["Child"]["executions"][0];
    assert_eq!(child["status"], "SUCCEEDED");
    assert_eq!(child["input"], "{\"n\":4}");
}

#[test]
fn archives_keep_matching_events_and_replays_send_them_back() {
    // EventBridge user guide, "Archiving and replaying events": an archive keeps the
    // source bus's events that match its pattern; a replay sends those of a time window
    // back to the same bus, with `replay-name`, to all rules or the FilterArns ones.
    let t = format!(
        "{BUS}  Kept:\n    Type: AWS::Events::Archive\n    Properties:\n      ArchiveName: orders-archive\n      SourceArn: !GetAtt Orders.Arn\n      EventPattern: {{ detail-type: [Order Placed] }}\n      RetentionDays: 7\n"
    );
    let mut sim = Sim::load(&t).unwrap();
    let entry = |id: &str, dt: &str| json!({"Source": "shop.web", "DetailType": dt, "Detail": format!("{{\"id\": \"{id}\", \"total\": 150, \"sku\": \"BK-1\"}}"), "EventBusName": "orders"});
    put(
        &mut sim,
        json!([entry("o-1", "Order Placed"), entry("o-2", "Order Shipped")]),
    );
    sim.run_until(60_000);
    put(&mut sim, json!([entry("o-3", "Order Placed")]));
    sim.run_until(120_000);
    let d = sim
        .call(
            "console",
            "events:DescribeArchive",
            json!({"ArchiveName": "orders-archive"}),
        )
        .unwrap();
    assert_eq!(d["EventCount"], 2, "only Order Placed is archived: {d}");
    assert_eq!(bodies(&sim, "Big").len(), 2);
    let bus = "arn:aws:events:us-east-1:123456789012:event-bus/orders";
    let start = |sim: &mut Sim, name: &str, dest: &str, end: f64| {
        sim.call(
            "console",
            "events:StartReplay",
            json!({"ReplayName": name, "EventSourceArn": d["ArchiveArn"],
                   "EventStartTime": 0, "EventEndTime": end,
                   "Destination": {"Arn": dest}}),
        )
    };
    // Only the first minute: o-1 comes back, marked as replayed.
    let r = start(&mut sim, "first-minute", bus, 30.0).unwrap();
    assert_eq!(r["State"], "STARTING");
    sim.run_until(180_000);
    let big = bodies(&sim, "Big");
    assert_eq!(big.len(), 3, "{big:?}");
    let replayed: Value = serde_json::from_str(big[2]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(replayed["replay-name"], "first-minute");
    assert_eq!(replayed["detail"]["id"], "o-1");
    let desc = sim
        .call(
            "console",
            "events:DescribeReplay",
            json!({"ReplayName": "first-minute"}),
        )
        .unwrap();
    assert_eq!(desc["State"], "COMPLETED");
    // What EventBridge refuses.
    let e = start(
        &mut sim,
        "elsewhere",
        "arn:aws:events:us-east-1:123456789012:event-bus/default",
        30.0,
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("Cross event bus replay is not permitted"),
        "{e:?}"
    );
    let e = start(&mut sim, "future", bus, 10_000.0).unwrap_err();
    assert!(e.message.contains("EventEndTime"), "{e:?}");
    assert_eq!(
        start(&mut sim, "first-minute", bus, 30.0).unwrap_err().code,
        "ResourceAlreadyExistsException"
    );
    // Replayed events are not archived again.
    let d = sim
        .call(
            "console",
            "events:DescribeArchive",
            json!({"ArchiveName": "orders-archive"}),
        )
        .unwrap();
    assert_eq!(d["EventCount"], 2);
}

#[test]
fn scheduler_schedules_in_a_time_zone_once_or_within_a_flexible_window() {
    // EventBridge Scheduler user guide: at() runs once; cron in ScheduleExpressionTimezone
    // (with daylight saving time); a FLEXIBLE window runs each time somewhere within it;
    // the target receives the schedule's Input, not an event envelope.
    let t = r#"
Resources:
  Log:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: log
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async (e) => { console.log('RUN', JSON.stringify(e)); };"
      Events:
        Morning:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 * * ? *)
            ScheduleExpressionTimezone: America/New_York
            Input: '{"job": "morning"}'
  Once:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: at(1970-01-01T06:30:00)
      ScheduleExpressionTimezone: Europe/Paris
      FlexibleTimeWindow: { Mode: "OFF" }
      Target: { Arn: !GetAtt Log.Arn, RoleArn: arn:aws:iam::123456789012:role/scheduler }
  Flexible:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 hour)
      FlexibleTimeWindow: { Mode: FLEXIBLE, MaximumWindowInMinutes: 15 }
      Target: { Arn: !GetAtt Log.Arn, RoleArn: arn:aws:iam::123456789012:role/scheduler, Input: '{"job": "hourly"}' }
"#;
    let mut sim = Sim::load(t).unwrap();
    sim.run_until(3 * 86_400_000);
    let runs: Vec<(f64, String)> = sim
        .trace()
        .iter()
        .filter(|e| e.kind == playground_core::trace::TraceKind::Log && e.summary.contains("RUN"))
        .map(|e| (e.at_ms, e.summary.rsplit('\t').next().unwrap().to_string()))
        .collect();
    let at = |job: &str| -> Vec<f64> {
        runs.iter()
            .filter(|(_, s)| s.contains(job))
            .map(|(t, _)| *t)
            .collect()
    };
    // 09:00 in New York in January (UTC−5) is 14:00 UTC, every day.
    let morning = at("morning");
    assert_eq!(morning.len(), 3, "{runs:?}");
    assert!(
        morning
            .iter()
            .all(|t| ((t / 3_600_000.0) as u64) % 24 == 14),
        "{morning:?}"
    );
    // at(06:30) in Paris (UTC+1 in January) is 05:30 UTC, once; its Input is {}.
    let once: Vec<&(f64, String)> = runs.iter().filter(|(_, s)| s.ends_with("RUN {}")).collect();
    assert_eq!(once.len(), 1, "{runs:?}");
    assert!((once[0].0 - 5.5 * 3_600_000.0).abs() < 1_000.0, "{once:?}");
    // Hourly, each within 15 minutes after the hour.
    let hourly = at("hourly");
    assert!(
        (71..=72).contains(&hourly.len()),
        "the last may fall after the end: {}",
        hourly.len()
    );
    assert!(hourly
        .iter()
        .all(|t| t % 3_600_000.0 < 15.0 * 60_000.0 + 1_000.0));
    assert!(
        hourly.iter().any(|t| t % 3_600_000.0 > 60_000.0),
        "spread over the window"
    );
    assert!(Sim::load(&t.replace("America/New_York", "Mars/Olympus")).is_err());
}
