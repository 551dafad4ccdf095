//! The Step Functions API beyond executions: TestState's data-flow inspection on a
//! whole definition (by stateName), ValidateStateMachineDefinition, and StartExecution's
//! name rules and idempotency.

use playground_core::Sim;
use serde_json::json;

const T: &str = r#"
Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: flow
      Definition:
        StartAt: Wait
        States:
          Wait: { Type: Wait, Seconds: 60, Next: Shape }
          Shape: { Type: Pass, Parameters: { id.$: $.order.id }, ResultPath: $.shaped, End: true }
"#;
const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:flow";

#[test]
fn test_state_shows_each_stage() {
    let mut sim = Sim::load(T).unwrap();
    let def = json!({"StartAt": "Shape", "States": {"Shape": {"Type": "Pass", "Parameters": {"id.$": "$.order.id"}, "ResultPath": "$.shaped", "End": true}}});
    let r = sim
        .call("console", "states:TestState", json!({"definition": def.to_string(), "stateName": "Shape", "input": "{\"order\": {\"id\": 7}}"}))
        .unwrap();
    assert_eq!(r["status"], "SUCCEEDED");
    assert_eq!(r["output"], "{\"order\":{\"id\":7},\"shaped\":{\"id\":7}}");
    assert_eq!(r["inspectionData"]["afterParameters"], "{\"id\":7}");
    let bad = sim
        .call(
            "console",
            "states:TestState",
            json!({"definition": "{\"Type\": \"Nope\"}", "input": "{}"}),
        )
        .unwrap_err();
    assert_eq!(bad.code, "InvalidDefinition");
}

#[test]
fn validate_and_start_execution_rules() {
    let mut sim = Sim::load(T).unwrap();
    let v = sim
        .call(
            "console",
            "states:ValidateStateMachineDefinition",
            json!({"definition": "{\"StartAt\": \"A\", \"States\": {}}"}),
        )
        .unwrap();
    assert_eq!(v["result"], "FAIL");
    let start = |sim: &mut Sim, name: &str, input: &str| {
        sim.call(
            "console",
            "states:StartExecution",
            json!({"stateMachineArn": ARN, "name": name, "input": input}),
        )
    };
    let a = start(&mut sim, "e1", "{\"order\": {\"id\": 1}}").unwrap();
    let b = start(&mut sim, "e1", "{\"order\": {\"id\": 1}}").unwrap();
    assert_eq!(a, b, "same name and input while running: idempotent");
    assert_eq!(
        start(&mut sim, "e1", "{}").unwrap_err().code,
        "ExecutionAlreadyExists"
    );
    assert_eq!(
        start(&mut sim, "bad name", "{}").unwrap_err().code,
        "InvalidName"
    );
    assert_eq!(
        start(&mut sim, "e2", "{oops").unwrap_err().code,
        "InvalidExecutionInput"
    );
    let sync = sim
        .call(
            "console",
            "states:StartSyncExecution",
            json!({"stateMachineArn": ARN}),
        )
        .unwrap_err();
    assert_eq!(sync.code, "StateMachineTypeNotSupported");
    let stop = sim
        .call(
            "console",
            "states:StopExecution",
            json!({"executionArn": a["executionArn"], "error": "Manual", "cause": "test"}),
        )
        .unwrap();
    assert!(stop["stopDate"].is_number());
    let d = sim
        .call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": a["executionArn"]}),
        )
        .unwrap();
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str()),
        (Some("ABORTED"), Some("Manual"))
    );
    let list = sim
        .call(
            "console",
            "states:ListExecutions",
            json!({"stateMachineArn": ARN, "statusFilter": "ABORTED"}),
        )
        .unwrap();
    assert_eq!(list["executions"].as_array().unwrap().len(), 1);
}
