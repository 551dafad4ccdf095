//! Benchmark scenarios, shared by the native runner (`playground bench`) and the wasm
//! worker (measured in headless Chromium), so both measure the same work. The core only
//! builds and runs them; each side times them with its own clock.

use crate::Sim;
use serde_json::json;

/// `messages` SQS messages (one every 10 ms of virtual time) consumed by a function in
/// batches of 10, then deleted.
pub fn pipeline_template(messages: u64) -> String {
    format!(
        r#"
Metadata:
  Playground:
    Drivers:
      - {{ At: 0s, Every: 10ms, Count: {messages}, Action: sqs:SendMessage, Target: Q, Params: {{ MessageBody: "m {{{{index}}}}" }} }}
Resources:
  Q: {{ Type: AWS::SQS::Queue }}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events: {{ S: {{ Type: SQS, Properties: {{ Queue: !GetAtt Q.Arn, BatchSize: 10 }} }} }}
      InlineCode: "exports.handler = async (event) => ({{ n: event.Records.length }});"
"#
    )
}

/// Runs the pipeline to the end; returns (messages deleted, trace entries).
pub fn run_pipeline(messages: u64) -> Result<(u64, usize), String> {
    let mut sim = Sim::load(&pipeline_template(messages)).map_err(|e| e.to_string())?;
    sim.run_to_idle(crate::DEFAULT_CAP_MS);
    let report = sim.report();
    let m = &report["resources"]["Q"]["metrics"];
    let deleted = m["NumberOfMessagesDeleted"].as_u64().unwrap_or(0);
    let left = m["ApproximateNumberOfMessagesVisible"]
        .as_u64()
        .unwrap_or(0)
        + m["ApproximateNumberOfMessagesNotVisible"]
            .as_u64()
            .unwrap_or(0);
    // At-least-once: a duplicate is received and deleted again, so deletions can pass
    // the number of messages; none may be left over.
    if deleted < messages || left > 0 {
        return Err(format!(
            "the pipeline lost messages: {deleted} of {messages} deleted, {left} left"
        ));
    }
    Ok((deleted, sim.trace().len()))
}

/// A function whose handler returns its event; warmed up by one call.
pub fn trivial_function() -> Result<Sim, String> {
    let t = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: trivial, Runtime: nodejs22.x, Handler: index.handler, InlineCode: \"exports.handler = async (e) => e;\" }\n";
    let mut sim = Sim::load(t).map_err(|e| e.to_string())?;
    invoke_trivial(&mut sim, 0)?;
    Ok(sim)
}

/// One synchronous invocation of the trivial function.
pub fn invoke_trivial(sim: &mut Sim, i: u64) -> Result<(), String> {
    invoke_named(sim, "trivial", i)
}

fn invoke_named(sim: &mut Sim, name: &str, i: u64) -> Result<(), String> {
    let r = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": name, "Payload": format!("{{\"i\":{i}}}")}),
        )
        .map_err(|e| e.to_string())?;
    match r.get("FunctionError") {
        Some(e) => Err(format!("{name} failed: {e} {}", r["Payload"])),
        None => Ok(()),
    }
}

/// A function whose handler sends one SQS message (SDK v3) and returns its id; warmed
/// up by one call.
pub fn sqs_caller_function() -> Result<Sim, String> {
    let t = r#"
Resources:
  Out: { Type: AWS::SQS::Queue, Properties: { QueueName: out } }
  F:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: sqs-caller
      Runtime: nodejs22.x
      Handler: index.handler
      Policies: [{ SQSSendMessagePolicy: { QueueName: out } }]
      Environment: { Variables: { OUT: !Ref Out } }
      InlineCode: |
        const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
        const sqs = new SQSClient({});
        exports.handler = async (e) => (await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUT, MessageBody: JSON.stringify(e) }))).MessageId;
"#;
    let mut sim = Sim::load(t).map_err(|e| e.to_string())?;
    invoke_sqs_caller(&mut sim, 0)?;
    Ok(sim)
}

/// One synchronous invocation of the SQS-calling function.
pub fn invoke_sqs_caller(sim: &mut Sim, i: u64) -> Result<(), String> {
    invoke_named(sim, "sqs-caller", i)
}

/// The Step Functions benchmark definitions, shared with the aws-local-stepfunctions
/// comparison (`scripts/bench-sfn-local.mjs` reads the same files).
pub const SFN_CHAIN: &str = include_str!("../../tests/bench/sfn-chain.json");
pub const SFN_MAP: &str = include_str!("../../tests/bench/sfn-map.json");

/// A scenario with one Standard state machine `Bench` running `definition`.
pub fn sfn_machine(definition: &str) -> Result<Sim, String> {
    let def: serde_json::Value = serde_json::from_str(definition).map_err(|e| e.to_string())?;
    let t = json!({"Resources": {"Bench": {"Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"StateMachineName": "bench", "Definition": def}}}});
    Sim::load(&t.to_string()).map_err(|e| e.to_string())
}

/// The input each benchmark execution gets: `{"n": 1}` for the chain, 1,000 items for
/// the Map.
pub fn sfn_input(map: bool) -> serde_json::Value {
    if map {
        json!({"items": (0..1000).map(|v| json!({"v": v})).collect::<Vec<_>>()})
    } else {
        json!({"n": 1})
    }
}

/// Starts `n` executions and runs them to the end (the part to time).
pub fn sfn_run(sim: &mut Sim, input: &serde_json::Value, n: u64) -> Result<(), String> {
    let text = input.to_string();
    for i in 0..n {
        sim.call(
            "console",
            "states:StartExecution",
            json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:bench", "name": format!("b{i}"), "input": text}),
        )
        .map_err(|e| e.to_string())?;
    }
    sim.run_to_idle(crate::DEFAULT_CAP_MS);
    Ok(())
}

/// How many executions succeeded (checked after timing).
pub fn sfn_succeeded(sim: &Sim) -> u64 {
    sim.report()["resources"]["Bench"]["metrics"]["ExecutionsSucceeded"]
        .as_u64()
        .unwrap_or(0)
}

/// 1,000 asynchronous invocations at once of a function with reserved concurrency 100
/// whose handler makes one SQS call: throttling, retries and SDK calls under load.
pub fn burst_template() -> &'static str {
    r#"
Resources:
  Out: { Type: AWS::SQS::Queue, Properties: { QueueName: out } }
  Burst:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: burst
      Runtime: nodejs22.x
      Handler: index.handler
      ReservedConcurrentExecutions: 100
      Policies: [{ SQSSendMessagePolicy: { QueueName: out } }]
      Environment: { Variables: { OUT: !Ref Out } }
      InlineCode: |
        const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
        const sqs = new SQSClient({});
        exports.handler = async (e) => { await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUT, MessageBody: String(e.i) })); };
"#
}

/// Starts the burst and runs it to the end (the part to time).
pub fn run_burst(sim: &mut Sim, n: u64) -> Result<(), String> {
    for i in 0..n {
        sim.call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "burst", "InvocationType": "Event", "Payload": format!("{{\"i\":{i}}}")}),
        )
        .map_err(|e| e.to_string())?;
    }
    sim.run_to_idle(crate::DEFAULT_CAP_MS);
    Ok(())
}

/// (messages the handlers sent, throttles) after a burst.
pub fn burst_result(sim: &Sim) -> (u64, u64) {
    let r = sim.report();
    (
        r["resources"]["Out"]["metrics"]["NumberOfMessagesSent"]
            .as_u64()
            .unwrap_or(0),
        r["resources"]["Burst"]["metrics"]["Throttles"]
            .as_u64()
            .unwrap_or(0),
    )
}

/// SQS alone: `n` messages sent, then received in batches of 10 and deleted in batches,
/// through the API surface (no functions). Returns how many were deleted.
pub fn sqs_roundtrip(n: u64) -> Result<u64, String> {
    let mut sim =
        Sim::load("Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: bench } }\n")
            .map_err(|e| e.to_string())?;
    let url = "https://sqs.us-east-1.amazonaws.com/123456789012/bench";
    let err = |e: crate::AwsError| e.to_string();
    for i in 0..n {
        sim.call(
            "bench",
            "sqs:SendMessage",
            json!({"QueueUrl": url, "MessageBody": format!("m{i}")}),
        )
        .map_err(err)?;
    }
    let mut deleted = 0;
    loop {
        let r = sim
            .call(
                "bench",
                "sqs:ReceiveMessage",
                // A long poll asks every server (a short poll samples them and may come
                // back empty while messages remain).
                json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
            )
            .map_err(err)?;
        let msgs = r["Messages"].as_array().cloned().unwrap_or_default();
        if msgs.is_empty() {
            break;
        }
        let entries: Vec<serde_json::Value> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
            .collect();
        sim.call(
            "bench",
            "sqs:DeleteMessageBatch",
            json!({"QueueUrl": url, "Entries": entries}),
        )
        .map_err(err)?;
        deleted += msgs.len() as u64;
    }
    Ok(deleted)
}
