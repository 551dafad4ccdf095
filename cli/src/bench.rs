//! `playground bench`: engine throughput (10,000 messages SQS → Lambda) and the cost of
//! one trivial invocation, measured natively in release mode. Numbers go in the README.

use playground_core::Sim;
use serde_json::json;
use std::time::Instant;

fn pipeline_template(messages: u64) -> String {
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

pub fn run(args: &[String]) -> Result<(), String> {
    let mut messages = 10_000u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--messages" {
            messages = it
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or("--messages needs a number")?;
        }
    }
    let text = pipeline_template(messages);
    let t0 = Instant::now();
    let mut sim = Sim::load(&text).map_err(|e| e.to_string())?;
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let secs = t0.elapsed().as_secs_f64();
    let report = sim.report();
    let deleted = report["resources"]["Q"]["metrics"]["NumberOfMessagesDeleted"]
        .as_u64()
        .unwrap_or(0);
    if deleted != messages {
        return Err(format!(
            "bench run lost messages: {deleted} of {messages} deleted"
        ));
    }
    println!("sqs->lambda: {messages} messages in {secs:.3} s = {:.0} messages/s (virtual {} ms, {} trace entries)", messages as f64 / secs, sim.now_ms(), sim.trace().len());

    let trivial = r#"
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, InlineCode: "exports.handler = async (e) => e;" }
"#;
    let mut sim = Sim::load(trivial).map_err(|e| e.to_string())?;
    let n = 2_000;
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "playground-F-placeholder"}),
    )
    .ok();
    let name = sim.model().resources[0].physical_name.clone();
    let t0 = Instant::now();
    for i in 0..n {
        let r = sim.call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": name, "Payload": format!("{{\"i\":{i}}}")}),
        );
        if r.is_err() {
            return Err(format!("invoke failed: {r:?}"));
        }
    }
    let per = t0.elapsed().as_secs_f64() / n as f64;
    println!(
        "trivial handler: {:.1} µs per synchronous invocation ({n} warm invocations)",
        per * 1e6
    );
    Ok(())
}
