//! Memory: code that holds more than its function's MemorySize ends as Lambda's
//! out-of-memory kill does — `Runtime exited with error: signal: killed`,
//! `Runtime.ExitError`, Max Memory Used equal to Memory Size, the environment gone (the
//! next invocation is a cold start) — and never takes the engine with it.

use playground_core::Sim;
use serde_json::{json, Value};

fn function(memory: u64, code: &str) -> Sim {
    let t = format!(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: f\n      Runtime: nodejs22.x\n      Handler: index.handler\n      Timeout: 30\n      MemorySize: {memory}\n      InlineCode: |\n{}\n",
        code.lines()
            .map(|l| format!("        {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Sim::load(&t).unwrap()
}

fn invoke(sim: &mut Sim) -> Value {
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "f", "Payload": "{}"}),
    )
    .unwrap()
}

fn killed(r: &Value) -> bool {
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    r["FunctionError"] == "Unhandled"
        && p["errorType"] == "Runtime.ExitError"
        && p["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited with error: signal: killed")
}

fn logs(sim: &Sim) -> Vec<String> {
    sim.report()["resources"]["F"]["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn allocating_by_size_past_memory_size_is_killed_even_if_caught() {
    for bomb in [
        "'x'.repeat(512 * 1024 * 1024)",
        "Buffer.alloc(512 * 1024 * 1024)",
        "new Array(64 * 1024 * 1024).fill(0)",
        "Array.from({ length: 64 * 1024 * 1024 })",
    ] {
        let mut sim = function(
            128,
            &format!("exports.handler = async () => {{\n  try {{ return {bomb}.length; }} catch (e) {{ return 'survived'; }}\n}};"),
        );
        let r = invoke(&mut sim);
        assert!(killed(&r), "{bomb}: {r}");
        let l = logs(&sim);
        assert!(l.iter().any(|x| x == "Runtime.ExitError"), "{l:?}");
        let report = l.iter().find(|x| x.starts_with("REPORT")).unwrap();
        assert!(
            report.contains("Memory Size: 128 MB\tMax Memory Used: 128 MB"),
            "{report}"
        );
    }
}

#[test]
fn a_string_doubled_in_a_loop_is_killed_before_it_takes_the_host() {
    // `s += s` calls no builtin: the loop's tick watches the memory.
    let mut sim = function(
        128,
        "exports.handler = async () => {\n  let s = 'x';\n  try { for (let i = 0; i < 40; i++) s += s; } catch (e) { return 'survived'; }\n  return s.length;\n};",
    );
    assert!(killed(&invoke(&mut sim)));
}

#[test]
fn a_growing_array_is_killed_and_the_next_invocation_is_a_cold_start() {
    let mut sim = function(
        128,
        "exports.handler = async () => {\n  const rows = [];\n  for (let i = 0; ; i++) rows.push({ i, text: 'row ' + i });\n};",
    );
    assert!(killed(&invoke(&mut sim)));
    let l = logs(&sim);
    assert!(l
        .iter()
        .any(|x| x.contains("Error: Runtime exited with error: signal: killed")));
    invoke(&mut sim);
    let inits = logs(&sim)
        .iter()
        .filter(|x| x.starts_with("REPORT") && x.contains("Init Duration"))
        .count();
    assert_eq!(inits, 2, "the killed environment is not reused");
}

#[test]
fn a_leak_across_warm_invocations_ends_in_a_kill_and_more_memory_helps() {
    // Each invocation keeps about 20 MB in a module-level array.
    let leak = "const kept = [];\nexports.handler = async () => {\n  kept.push('x'.repeat(20 * 1024 * 1024));\n  return kept.length;\n};";
    let mut sim = function(128, leak);
    let mut answers = Vec::new();
    for _ in 0..5 {
        let r = invoke(&mut sim);
        answers.push(if killed(&r) {
            "killed".to_string()
        } else {
            r["Payload"].as_str().unwrap().to_string()
        });
    }
    // 64 MB for the code (128 less the runtime's 64): three copies fit, the fourth does not;
    // the new environment starts empty.
    assert_eq!(answers, ["1", "2", "3", "killed", "1"]);
    let mut sim = function(1024, leak);
    for n in 1..=5 {
        assert_eq!(invoke(&mut sim)["Payload"], n.to_string());
    }
}

#[test]
fn an_endless_await_chain_holds_its_promises_and_is_killed_at_128_mb() {
    // Each pending promise waits on the next, so the chain only grows; with the default
    // memory it runs out before the timeout (with more memory it times out: lambda.rs).
    let mut sim = function(
        128,
        "exports.handler = async () => { const spin = async () => { await null; return spin(); }; await spin(); };",
    );
    assert!(killed(&invoke(&mut sim)));
}
