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
    let deleted = sim.report()["resources"]["Q"]["metrics"]["NumberOfMessagesDeleted"]
        .as_u64()
        .unwrap_or(0);
    if deleted != messages {
        return Err(format!(
            "the pipeline lost messages: {deleted} of {messages} deleted"
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
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "trivial", "Payload": format!("{{\"i\":{i}}}")}),
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}
