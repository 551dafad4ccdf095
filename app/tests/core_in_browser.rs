//! The engine inside a real browser (headless Chromium via wasm-bindgen-test): the
//! built-in example behaves as it does natively, and runaway handler code ends as a
//! Lambda timeout or out-of-memory kill instead of hanging or crashing the page's engine.
#![cfg(target_arch = "wasm32")]

use playground_core::Sim;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const EXAMPLE: &str = include_str!("../../public/examples/sqs-dlq.yaml");

#[wasm_bindgen_test]
fn the_builtin_example_moves_the_poison_message_to_the_dlq() {
    let mut sim = Sim::load(EXAMPLE).expect("example loads");
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let r = sim.report();
    let dlq = &r["resources"]["InboxDLQ"]["messages"];
    assert_eq!(dlq.as_array().map(Vec::len), Some(1));
    assert_eq!(dlq[0]["Attributes"]["ApproximateReceiveCount"], "3");
    assert_eq!(
        r["resources"]["Inbox"]["metrics"]["NumberOfMessagesDeleted"],
        4
    );
}

#[wasm_bindgen_test]
fn same_seed_same_trace_in_wasm() {
    let run = || {
        let mut sim = Sim::load(EXAMPLE).unwrap();
        sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
        sim.trace_hash()
    };
    assert_eq!(run(), run());
}

#[wasm_bindgen_test]
fn an_endless_loop_is_a_lambda_timeout_in_wasm() {
    let t = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: spin, Runtime: nodejs22.x, Handler: index.handler, InlineCode: \"exports.handler = async () => { while (true) {} };\" }\n";
    let mut sim = Sim::load(t).unwrap();
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "spin"}))
        .unwrap();
    assert_eq!(r["FunctionError"], "Unhandled");
    assert!(r["Payload"]
        .as_str()
        .unwrap()
        .contains("Task timed out after 3.00 seconds"));
}

#[wasm_bindgen_test]
fn a_memory_bomb_is_lambdas_out_of_memory_kill_in_wasm() {
    let t = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: bomb, Runtime: nodejs22.x, Handler: index.handler, InlineCode: \"exports.handler = async () => { const keep = []; for (;;) keep.push('y'.repeat(1 << 20)); };\" }\n";
    let mut sim = Sim::load(t).unwrap();
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "bomb"}))
        .unwrap();
    assert!(r["Payload"]
        .as_str()
        .unwrap()
        .contains("Runtime exited with error: signal: killed"));
    // The engine goes on: the next invocation starts a new environment.
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "bomb"}))
        .unwrap();
    assert!(r["Payload"].as_str().unwrap().contains("Runtime.ExitError"));
}

#[wasm_bindgen_test]
fn deep_recursion_is_a_range_error_not_a_crash_in_wasm() {
    let t = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: deep, Runtime: nodejs22.x, Handler: index.handler, InlineCode: \"const f = (n) => f(n + 1) + 1; exports.handler = async () => f(0);\" }\n";
    let mut sim = Sim::load(t).unwrap();
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "deep"}))
        .unwrap();
    assert!(
        r["Payload"]
            .as_str()
            .unwrap()
            .contains("Maximum call stack size exceeded"),
        "{r}"
    );
}
