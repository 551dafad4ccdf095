//! `playground run` never hangs on handler code: code made at run time with `eval` is
//! not instrumented with the runtime's ticks, so a loop calling such a looping function
//! outlasts the tick budget and the JS engine's per-frame loop limit;
//! the CLI's watchdog stops the run with an error (exit 3) once one event has run for
//! PLAYGROUND_WATCHDOG_SECS.

use std::process::Command;
use std::time::{Duration, Instant};

const SPIN: &str = r#"
Metadata:
  Playground:
    Drivers:
      - { At: 0s, Action: "lambda:Invoke", Target: Spin }
Resources:
  Spin:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: |
        const inner = (0, eval)('(() => { let x = 0; for (let i = 0; i < 100000; i++) { x += i; } return x; })');
        exports.handler = async () => { let t = 0; while (true) { t += inner(); } };
"#;

#[test]
fn a_runaway_handler_stops_the_run_with_an_error() {
    let dir = std::env::temp_dir().join(format!("watchdog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spin.yaml");
    std::fs::write(&path, SPIN).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_playground"))
        .args(["run", path.to_str().unwrap()])
        .env("PLAYGROUND_WATCHDOG_SECS", "2")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("without returning"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60));
}
