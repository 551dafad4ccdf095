//! SQS event source mappings: FilterCriteria (event patterns on the record, a JSON body
//! parsed; unmatched messages are deleted, never invoked), ScalingConfig
//! MaximumConcurrency and the batching window, with Lambda's errors for bad values.

use playground_core::Sim;
use serde_json::json;

const T: &str = r#"
Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: q } }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Q.Arn
            BatchSize: 1
            ScalingConfig: { MaximumConcurrency: 2 }
            FilterCriteria:
              Filters:
                - Pattern: '{"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}}'
                - Pattern: '{"attributes": {"ApproximateReceiveCount": ["9"]}}'
      InlineCode: "exports.handler = async (e) => { await new Promise(r => setTimeout(r, 1000)); console.log('GOT', e.Records[0].body); };"
"#;
const URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/q";

#[test]
fn filters_drop_unmatched_messages_and_concurrency_is_capped() {
    let mut sim = Sim::load(T).unwrap();
    for i in 0..6 {
        sim.call("console", "sqs:SendMessage", json!({"QueueUrl": URL, "MessageBody": json!({"kind": "order", "total": 20 + i}).to_string()})).unwrap();
    }
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": "{\"kind\": \"order\", \"total\": 5}"}),
    )
    .unwrap();
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": "{\"kind\": \"refund\", \"total\": 50}"}),
    )
    .unwrap();
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": URL, "MessageBody": "not json"}),
    )
    .unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let r = sim.report();
    let w = &r["resources"]["Worker"];
    assert_eq!(
        w["metrics"]["Invocations"], 6,
        "only the six orders over 10"
    );
    assert_eq!(
        w["metrics"]["ConcurrentExecutions"], 2,
        "MaximumConcurrency 2"
    );
    let q = &r["resources"]["Q"];
    assert_eq!(
        q["messages"].as_array().unwrap().len(),
        0,
        "filtered-out messages are deleted"
    );
    assert_eq!(q["metrics"]["NumberOfMessagesDeleted"], 9);
}

#[test]
fn bad_values_are_refused() {
    let e = Sim::load(&T.replace("MaximumConcurrency: 2", "MaximumConcurrency: 1"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("ScalingConfig.MaximumConcurrency") && e.contains("between 2 and 1000"),
        "{e}"
    );
    let e = Sim::load(&T.replace(r#"["order"]"#, r#""order""#))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("FilterCriteria.Filters[0].Pattern") && e.contains("Invalid filter pattern"),
        "{e}"
    );
}

#[test]
fn pollers_scale_up_while_messages_keep_coming() {
    let t = r#"
Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: q, VisibilityTimeout: 60 } }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Timeout: 30
      Events: { Jobs: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn, BatchSize: 1 } } }
      InlineCode: "exports.handler = () => new Promise((r) => setTimeout(r, 5000));"
"#;
    let mut sim = Sim::load(t).unwrap();
    for i in 0..400 {
        sim.call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": format!("{i}")}),
        )
        .unwrap();
    }
    let mut seen = Vec::new();
    for t in [10_000, 20_000, 30_000] {
        sim.run_until(t);
        seen.push(
            sim.report()["resources"]["Worker"]["metrics"]["ConcurrentExecutions"]
                .as_u64()
                .unwrap(),
        );
    }
    // Five pollers to start, then at most five more per second (300 per minute).
    assert!(seen[0] > 5 && seen[0] <= 55, "{seen:?}");
    assert!(seen[2] > seen[0] && seen[2] <= 155, "{seen:?}");
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let m = &sim.report()["resources"]["Worker"]["metrics"];
    assert_eq!(m["Invocations"], 400);
}

#[test]
fn provisioned_mode_starts_with_its_minimum_pollers_and_scales_faster() {
    // Lambda developer guide, "Configuring scaling behavior for SQS event source
    // mappings": provisioned mode keeps MinimumPollers event pollers (ten concurrent
    // invokes each) ready and scales by up to 1,000 concurrent invokes a minute.
    let t = |config: &str| {
        format!(
            r#"
Resources:
  Q: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: q, VisibilityTimeout: 60 }} }}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Timeout: 30
      Events: {{ Jobs: {{ Type: SQS, Properties: {{ Queue: !GetAtt Q.Arn, BatchSize: 1, {config} }} }} }}
      InlineCode: "exports.handler = () => new Promise((r) => setTimeout(r, 5000));"
"#
        )
    };
    let mut sim = Sim::load(&t(
        "ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 10 }",
    ))
    .unwrap();
    for i in 0..400 {
        sim.call(
            "console",
            "sqs:SendMessage",
            json!({"QueueUrl": URL, "MessageBody": format!("{i}")}),
        )
        .unwrap();
    }
    sim.run_until(1_000);
    let at = |sim: &Sim| {
        sim.report()["resources"]["Worker"]["metrics"]["ConcurrentExecutions"]
            .as_u64()
            .unwrap()
    };
    let first = at(&sim);
    assert!((30..=47).contains(&first), "30 ready at once: {first}");
    sim.run_until(10_000);
    assert_eq!(at(&sim), 100, "MaximumPollers 10 caps it at 100 invokes");
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    assert_eq!(
        sim.report()["resources"]["Worker"]["metrics"]["Invocations"],
        400
    );
    let r = sim
        .call("console", "lambda:ListEventSourceMappings", json!({}))
        .unwrap();
    assert_eq!(
        r["EventSourceMappings"][0]["ProvisionedPollerConfig"],
        json!({"MinimumPollers": 3, "MaximumPollers": 10})
    );
    for (config, says) in [
        ("ProvisionedPollerConfig: { MinimumPollers: 1 }", "MinimumPollers must be between 2 and 200"),
        ("ProvisionedPollerConfig: { MinimumPollers: 20, MaximumPollers: 10 }", "MaximumPollers must be between MinimumPollers (20) and 2000"),
        ("ProvisionedPollerConfig: { MinimumPollers: 2 }, ScalingConfig: { MaximumConcurrency: 5 }", "cannot be used together"),
    ] {
        let e = Sim::load(&t(config)).err().unwrap().to_string();
        assert!(e.contains(says) && e.contains("ProvisionedPollerConfig"), "{e}");
    }
}

/// A mapping with a batching window: (time of each invocation in ms, records in it).
fn windowed(batch: usize, window_s: u64, messages: usize) -> Vec<(u64, usize)> {
    let t = format!(
        r#"
Metadata:
  Playground:
    Drivers:
      - {{ At: 0s, Every: 10ms, Count: {messages}, Action: sqs:SendMessage, Target: Q, Params: {{ MessageBody: "m{{{{index}}}}" }} }}
Resources:
  Q: {{ Type: AWS::SQS::Queue, Properties: {{ VisibilityTimeout: 60 }} }}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events:
        Q: {{ Type: SQS, Properties: {{ Queue: !GetAtt Q.Arn, BatchSize: {batch}, MaximumBatchingWindowInSeconds: {window_s} }} }}
      InlineCode: "exports.handler = async (e) => {{ console.log('BATCH', e.Records.length); }};"
"#
    );
    let mut sim = Sim::load(&t).unwrap();
    sim.run_until(60_000);
    sim.trace()
        .iter()
        .filter(|e| e.kind == playground_core::trace::TraceKind::Log && e.summary.contains("BATCH"))
        .map(|e| {
            let n = e.summary.rsplit('\t').next().unwrap().trim();
            (
                e.at_ms as u64,
                n.trim_start_matches("BATCH ").parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_batching_window_gathers_until_the_batch_is_full_or_the_window_ends() {
    // Lambda developer guide, "Batching behavior": the mapping invokes when the batch is
    // full or the window (MaximumBatchingWindowInSeconds) has passed, whichever is first.
    let few = windowed(50, 5, 7);
    assert_eq!(few.len(), 1, "{few:?}");
    assert_eq!(few[0].1, 7);
    assert!(
        (5_000..6_000).contains(&few[0].0),
        "the window's end: {few:?}"
    );
    let many = windowed(20, 5, 40);
    assert_eq!(many.iter().map(|b| b.1).sum::<usize>(), 40, "{many:?}");
    assert!(many.iter().all(|b| b.1 <= 20));
    assert!(many[0].0 < 1_000, "a full batch goes at once: {many:?}");
    // Without a window the first poll's messages go at once, at most 10.
    let none = windowed(10, 0, 7);
    assert!(none[0].0 < 500, "{none:?}");
}

#[test]
fn a_batch_goes_early_when_its_payload_reaches_six_mb() {
    // Lambda: a batching window ends early when the batch is full, or its payload
    // reaches 6 MB (the synchronous invocation limit).
    let t = r#"
Metadata:
  Playground:
    Drivers:
      - { At: 0s, Every: 10ms, Count: 10, Action: sqs:SendMessage, Target: Q, Params: { MessageBody: "{{index}}" } }
Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 120 } }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events:
        Q: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn, BatchSize: 1000, MaximumBatchingWindowInSeconds: 60 } }
      InlineCode: "exports.handler = async (e) => { console.log('BATCH', e.Records.length); };"
"#;
    // 900 KB bodies: six fit in 6 MB, the seventh does not.
    let big = "x".repeat(900 * 1024);
    let t = t.replace(
        "MessageBody: \"{{index}}\"",
        &format!("MessageBody: \"{big}\""),
    );
    let mut sim = Sim::load(&t).unwrap();
    sim.run_until(120_000);
    let batches: Vec<(f64, String)> = sim
        .trace()
        .iter()
        .filter(|e| e.kind == playground_core::trace::TraceKind::Log && e.summary.contains("BATCH"))
        .map(|e| (e.at_ms, e.summary.rsplit('\t').next().unwrap().to_string()))
        .collect();
    assert_eq!(batches[0].1, "BATCH 6", "{batches:?}");
    assert!(
        batches[0].0 < 60_000.0,
        "before the window's end: {batches:?}"
    );
    assert_eq!(
        batches[1].1, "BATCH 4",
        "the rest when the window ends: {batches:?}"
    );
}
