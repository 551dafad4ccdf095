//! Asynchronous invocation as the Lambda developer guide describes it: retries
//! (MaximumRetryAttempts), event age (MaximumEventAgeInSeconds), the dead-letter queue
//! with its message attributes, and destinations with the invocation record.

use playground_core::Sim;
use serde_json::{json, Value};

fn scenario(code: &str, fn_props: &str) -> Sim {
    let t = format!(
        "Resources:\n  Dlq: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: dlq }} }}\n  Ok: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: ok }} }}\n  Failed: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: failed }} }}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: fn\n      Runtime: nodejs22.x\n      Handler: index.handler\n      InlineCode: \"{code}\"\n{fn_props}"
    );
    Sim::load(&t).unwrap_or_else(|e| panic!("{e}\n{t}"))
}

fn run_event(sim: &mut Sim, payload: Value) {
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "fn", "InvocationType": "Event", "Payload": payload.to_string()}))
        .unwrap();
    assert_eq!(r["StatusCode"], 202);
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
}

fn messages(sim: &Sim, queue: &str) -> Vec<Value> {
    sim.report()["resources"][queue]["messages"]
        .as_array()
        .unwrap()
        .clone()
}

const FAILING: &str = "exports.handler = async (e) => { throw new Error('bad order ' + e.id); };";
const DESTINATIONS: &str = "      DeadLetterQueue: { Type: SQS, TargetArn: !GetAtt Dlq.Arn }\n      EventInvokeConfig:\n        MaximumRetryAttempts: 1\n        DestinationConfig:\n          OnSuccess: { Type: SQS, Destination: !GetAtt Ok.Arn }\n          OnFailure: { Type: SQS, Destination: !GetAtt Failed.Arn }\n";

#[test]
fn retries_exhausted_go_to_the_dlq_and_the_failure_destination() {
    let mut sim = scenario(FAILING, DESTINATIONS);
    run_event(&mut sim, json!({"id": 7}));
    let m = sim.report()["resources"]["Fn"]["metrics"].clone();
    assert_eq!(
        m["Invocations"], 2,
        "MaximumRetryAttempts 1: one try and one retry"
    );
    assert_eq!(m["Errors"], 2);
    assert_eq!(m["AsyncEventsReceived"], 1);
    assert_eq!(m["AsyncEventsDropped"], 1);

    // The DLQ gets the original event with RequestID, ErrorCode and ErrorMessage.
    let dlq = messages(&sim, "Dlq");
    assert_eq!(dlq.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(dlq[0]["Body"].as_str().unwrap()).unwrap(),
        json!({"id": 7})
    );
    let attrs = &dlq[0]["MessageAttributes"];
    assert_eq!(
        attrs["ErrorCode"],
        json!({"DataType": "Number", "StringValue": "200"})
    );
    assert_eq!(attrs["ErrorMessage"]["StringValue"], "bad order 7");
    assert_eq!(
        attrs["RequestID"]["StringValue"].as_str().unwrap().len(),
        36
    );

    // The OnFailure destination gets Lambda's invocation record.
    let failed = messages(&sim, "Failed");
    assert_eq!(failed.len(), 1);
    let rec: Value = serde_json::from_str(failed[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(rec["version"], "1.0");
    assert_eq!(rec["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(
        rec["requestContext"]["functionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST"
    );
    assert_eq!(
        rec["requestContext"]["requestId"],
        attrs["RequestID"]["StringValue"]
    );
    assert_eq!(rec["requestPayload"], json!({"id": 7}));
    assert_eq!(
        rec["responseContext"],
        json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
    );
    assert_eq!(rec["responsePayload"]["errorType"], "Error");
    assert_eq!(rec["responsePayload"]["errorMessage"], "bad order 7");
    assert!(messages(&sim, "Ok").is_empty());
}

#[test]
fn success_goes_to_the_success_destination() {
    let mut sim = scenario(
        "exports.handler = async (e) => ({ done: e.id });",
        DESTINATIONS,
    );
    run_event(&mut sim, json!({"id": 1}));
    let ok = messages(&sim, "Ok");
    assert_eq!(ok.len(), 1);
    let rec: Value = serde_json::from_str(ok[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(rec["requestContext"]["condition"], "Success");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 1);
    assert_eq!(
        rec["responseContext"],
        json!({"statusCode": 200, "executedVersion": "$LATEST"})
    );
    assert_eq!(rec["responsePayload"], json!({"done": 1}));
    assert!(messages(&sim, "Dlq").is_empty() && messages(&sim, "Failed").is_empty());
}

#[test]
fn zero_retries_means_one_attempt() {
    let mut sim = scenario(
        FAILING,
        "      EventInvokeConfig: { MaximumRetryAttempts: 0 }\n",
    );
    run_event(&mut sim, json!({"id": 1}));
    assert_eq!(sim.report()["resources"]["Fn"]["metrics"]["Invocations"], 1);
}

#[test]
fn an_event_too_old_for_its_next_retry_is_dropped_as_event_age_exceeded() {
    // 60 s maximum age: the first retry would come a minute after the failure, too late.
    let props = "      EventInvokeConfig:\n        MaximumEventAgeInSeconds: 60\n        DestinationConfig:\n          OnFailure: { Type: SQS, Destination: !GetAtt Failed.Arn }\n";
    let mut sim = scenario(FAILING, props);
    run_event(&mut sim, json!({"id": 1}));
    assert_eq!(sim.report()["resources"]["Fn"]["metrics"]["Invocations"], 1);
    let rec: Value =
        serde_json::from_str(messages(&sim, "Failed")[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(rec["requestContext"]["condition"], "EventAgeExceeded");
}

#[test]
fn throttled_events_are_kept_and_age_out() {
    let props = "      ReservedConcurrentExecutions: 0\n      EventInvokeConfig:\n        MaximumEventAgeInSeconds: 120\n        DestinationConfig:\n          OnFailure: { Type: SQS, Destination: !GetAtt Failed.Arn }\n";
    let mut sim = scenario("exports.handler = async () => 1;", props);
    run_event(&mut sim, json!({}));
    let m = sim.report()["resources"]["Fn"]["metrics"].clone();
    assert_eq!(m["Invocations"], 0);
    assert!(
        m["Throttles"].as_u64().unwrap() >= 5,
        "retried with back-off: {m}"
    );
    let rec: Value =
        serde_json::from_str(messages(&sim, "Failed")[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(rec["requestContext"]["condition"], "EventAgeExceeded");
    assert!(sim.now_ms() <= 120_000, "dropped within its maximum age");
}

#[test]
fn invalid_settings_are_refused_with_their_place() {
    let t = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      InlineCode: x\n      EventInvokeConfig: { MaximumRetryAttempts: 3 }\n";
    let e = Sim::load(t).err().unwrap();
    assert_eq!(
        e.path,
        "Resources.Fn.Properties.EventInvokeConfig.MaximumRetryAttempts"
    );
    let t = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      InlineCode: x\n      EventInvokeConfig: { MaximumEventAgeInSeconds: 59 }\n";
    assert!(Sim::load(t)
        .err()
        .unwrap()
        .message
        .contains("between 60 and 21600"));
}
