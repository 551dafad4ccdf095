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

#[test]
fn activities_wait_for_a_worker_that_polls_and_answers() {
    // Step Functions developer guide, "Activities": a worker takes the task with
    // GetActivityTask (a 60 s long poll) and answers with SendTaskSuccess; heartbeats
    // and timeouts apply; the history has the Activity* events.
    let t = r#"
Resources:
  Review: { Type: AWS::StepFunctions::Activity, Properties: { Name: review } }
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: flow
      Policies: []
      Definition:
        StartAt: Human review
        States:
          Human review: { Type: Task, Resource: !Ref Review, HeartbeatSeconds: 120, End: true }
"#;
    let mut sim = Sim::load(t).unwrap();
    let activity = "arn:aws:states:us-east-1:123456789012:activity:review";
    // Nothing to do yet: the poll waits 60 s and answers with an empty token.
    let empty = sim
        .call(
            "console",
            "states:GetActivityTask",
            json!({"activityArn": activity, "workerName": "w1"}),
        )
        .unwrap();
    assert!(empty["taskToken"].is_null());
    assert_eq!(sim.now_ms(), 60_000);
    let e = sim
        .call("console", "states:StartExecution", json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:flow", "input": "{\"doc\": 7}"}))
        .unwrap();
    let task = sim
        .call(
            "console",
            "states:GetActivityTask",
            json!({"activityArn": activity, "workerName": "w1"}),
        )
        .unwrap();
    assert_eq!(task["input"], "{\"doc\":7}");
    sim.call(
        "console",
        "states:SendTaskSuccess",
        json!({"taskToken": task["taskToken"], "output": "{\"approved\": true}"}),
    )
    .unwrap();
    sim.run_to_idle(600_000);
    let d = sim
        .call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": e["executionArn"]}),
        )
        .unwrap();
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["output"], "{\"approved\":true}");
    let h = sim
        .call(
            "console",
            "states:GetExecutionHistory",
            json!({"executionArn": e["executionArn"]}),
        )
        .unwrap();
    let types: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let started = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "ActivityStarted")
        .unwrap();
    assert_eq!(started["activityStartedEventDetails"]["workerName"], "w1");
    // No worker answers: the heartbeat timeout fails the task.
    let e = sim
        .call("console", "states:StartExecution", json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:flow", "input": "{}"}))
        .unwrap();
    sim.call(
        "console",
        "states:GetActivityTask",
        json!({"activityArn": activity}),
    )
    .unwrap();
    sim.run_until(sim.now_ms() + 200_000);
    let d = sim
        .call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": e["executionArn"]}),
        )
        .unwrap();
    assert_eq!(d["error"], "States.HeartbeatTimeout");
    let e = sim
        .call(
            "console",
            "states:GetActivityTask",
            json!({"activityArn": "arn:aws:states:us-east-1:123456789012:activity:nope"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ActivityDoesNotExist");
}

#[test]
fn map_runs_are_described_and_listed() {
    let t = r#"
Resources:
  Batch:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: batch
      Definition:
        StartAt: Each
        States:
          Each:
            Type: Map
            MaxConcurrency: 2
            ToleratedFailurePercentage: 50
            ItemBatcher: { MaxItemsPerBatch: 2 }
            ItemProcessor:
              ProcessorConfig: { Mode: DISTRIBUTED, ExecutionType: EXPRESS }
              StartAt: Keep
              States: { Keep: { Type: Pass, End: true } }
            End: true
"#;
    let mut sim = Sim::load(t).unwrap();
    let started = sim
        .call(
            "console",
            "states:StartExecution",
            json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:batch", "input": "[1, 2, 3]"}),
        )
        .unwrap();
    sim.run_to_idle(600_000);
    let exec = started["executionArn"].as_str().unwrap();
    let runs = sim
        .call(
            "console",
            "states:ListMapRuns",
            json!({"executionArn": exec}),
        )
        .unwrap();
    let run = &runs["mapRuns"][0];
    let arn = run["mapRunArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:batch/Each:"),
        "{arn}"
    );
    assert_eq!(
        run["stateMachineArn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:batch/Each"
    );
    let d = sim
        .call(
            "console",
            "states:DescribeMapRun",
            json!({"mapRunArn": arn}),
        )
        .unwrap();
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["maxConcurrency"], 2);
    assert_eq!(d["toleratedFailurePercentage"], 50.0);
    // Three items in batches of two: two child executions.
    assert_eq!(d["executionCounts"]["total"], 2);
    assert_eq!(d["executionCounts"]["succeeded"], 2);
    // The Map Run's child executions: listed by mapRunArn, each described by its ARN.
    let children = sim
        .call(
            "console",
            "states:ListExecutions",
            json!({"mapRunArn": arn}),
        )
        .unwrap();
    let list = children["executions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let child = list[0]["executionArn"].as_str().unwrap();
    assert!(child.contains(":express:batch/Each:"), "{child}");
    let d = sim
        .call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": child}),
        )
        .unwrap();
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["input"], "{\"Items\":[1,2]}");
    assert_eq!(d["mapRunArn"], arn);
    // EXPRESS children keep no history for GetExecutionHistory, as on AWS.
    let e = sim
        .call(
            "console",
            "states:GetExecutionHistory",
            json!({"executionArn": child}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidArn");
    let missing = sim
        .call(
            "console",
            "states:DescribeMapRun",
            json!({"mapRunArn": "arn:nope"}),
        )
        .unwrap_err();
    assert_eq!(missing.code, "ResourceNotFound");
}

#[test]
fn distributed_map_children_are_executions_with_their_own_history() {
    // A STANDARD child has its own history (GetExecutionHistory); the parent's history
    // has the Map Run's events and none of the children's states. A child still running
    // when the Map Run fails is aborted.
    let t = |tolerated: &str| {
        format!(
            r#"
Resources:
  Batch:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: batch
      Definition:
        StartAt: Each
        States:
          Each:
            Type: Map
            MaxConcurrency: 3
            {tolerated}
            ItemProcessor:
              ProcessorConfig: {{ Mode: DISTRIBUTED, ExecutionType: STANDARD }}
              StartAt: Check
              States:
                Check: {{ Type: Choice, Choices: [{{ Variable: $.bad, BooleanEquals: true, Next: Bad }}], Default: Slow }}
                Slow: {{ Type: Wait, Seconds: 10, Next: Keep }}
                Keep: {{ Type: Pass, Result: kept, End: true }}
                Bad: {{ Type: Fail, Error: Broken, Cause: bad item }}
            End: true
"#
        )
    };
    let history = |sim: &mut Sim, arn: &str| -> Vec<String> {
        let h = sim
            .call(
                "console",
                "states:GetExecutionHistory",
                json!({"executionArn": arn}),
            )
            .unwrap();
        h["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    };
    let start = |sim: &mut Sim, input: &str| -> String {
        sim.call(
            "console",
            "states:StartExecution",
            json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:batch", "input": input}),
        )
        .unwrap()["executionArn"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut sim = Sim::load(&t("")).unwrap();
    let exec = start(&mut sim, r#"[{"bad": false}, {"bad": false}]"#);
    sim.run_to_idle(600_000);
    let parent = history(&mut sim, &exec);
    assert_eq!(
        parent,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let runs = sim
        .call(
            "console",
            "states:ListMapRuns",
            json!({"executionArn": exec}),
        )
        .unwrap();
    let run = runs["mapRuns"][0]["mapRunArn"]
        .as_str()
        .unwrap()
        .to_string();
    let children = sim
        .call(
            "console",
            "states:ListExecutions",
            json!({"mapRunArn": run}),
        )
        .unwrap();
    let child = children["executions"][0]["executionArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(child.contains(":execution:batch/Each:"), "{child}");
    assert_eq!(
        history(&mut sim, &child),
        [
            "ExecutionStarted",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    // The children are not the machine's own executions.
    let all = sim
        .call(
            "console",
            "states:ListExecutions",
            json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:batch"}),
        )
        .unwrap();
    assert_eq!(all["executions"].as_array().unwrap().len(), 1);

    // One bad item fails the Map Run at once: the children still waiting are aborted.
    let mut sim = Sim::load(&t("")).unwrap();
    let exec = start(
        &mut sim,
        r#"[{"bad": false}, {"bad": true}, {"bad": false}]"#,
    );
    sim.run_to_idle(600_000);
    assert_eq!(history(&mut sim, &exec).last().unwrap(), "ExecutionFailed");
    let run = sim
        .call(
            "console",
            "states:ListMapRuns",
            json!({"executionArn": exec}),
        )
        .unwrap()["mapRuns"][0]["mapRunArn"]
        .as_str()
        .unwrap()
        .to_string();
    let by = |sim: &mut Sim, status: &str| -> Vec<String> {
        sim.call(
            "console",
            "states:ListExecutions",
            json!({"mapRunArn": run, "statusFilter": status}),
        )
        .unwrap()["executions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["executionArn"].as_str().unwrap().to_string())
            .collect()
    };
    let (failed, aborted) = (by(&mut sim, "FAILED"), by(&mut sim, "ABORTED"));
    assert_eq!((failed.len(), aborted.len()), (1, 2));
    assert_eq!(
        history(&mut sim, &failed[0]).last().unwrap(),
        "ExecutionFailed"
    );
    assert_eq!(
        history(&mut sim, &aborted[0]),
        [
            "ExecutionStarted",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "WaitStateEntered",
            "ExecutionAborted"
        ]
    );
    let d = sim
        .call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": aborted[0]}),
        )
        .unwrap();
    assert_eq!(
        (d["status"].as_str(), d["mapRunArn"].as_str()),
        (Some("ABORTED"), Some(run.as_str()))
    );
    let report = sim.report();
    let execs = report["resources"]["Batch"]["executions"]
        .as_array()
        .unwrap();
    assert_eq!(execs.len(), 1, "the report lists the parent only");
}
