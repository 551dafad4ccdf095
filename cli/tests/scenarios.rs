//! Data-driven scenario tests: every `tests/scenarios/NAME.yaml` runs through the
//! `playground run` binary and its report must contain the fragment in
//! `NAME.expect.json` (`{"args": [...], "expect": {...}}`, or `{"error": "text"}` for a
//! template that must be refused with that text on stderr).
//!
//! Matching is `tests/support/matching.rs` (objects key by key, arrays element by
//! element, `$len`, `$contains`, `$between`, `$absent`), shared with the ASL cases.
//! Adding a case is adding two files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../tests/support/matching.rs"]
mod matching;
use matching::matches;

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

#[test]
fn scenarios() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "scenario files missing: {files:?}");
    let mut failures = Vec::new();
    for yaml in &files {
        let expect_path = yaml.with_extension("expect.json");
        let text = std::fs::read_to_string(&expect_path)
            .unwrap_or_else(|_| panic!("{} needs {}", yaml.display(), expect_path.display()));
        let spec: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let args: Vec<String> = spec["args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let out = Command::new(env!("CARGO_BIN_EXE_playground"))
            .arg("run")
            .arg(yaml)
            .args(&args)
            .arg("--json")
            .output()
            .expect("the playground binary runs");
        let name = yaml.file_name().unwrap().to_string_lossy().to_string();
        if let Some(err) = spec.get("error").and_then(Value::as_str) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() || !stderr.contains(err) {
                failures.push(format!(
                    "{name}: expected a failure containing {err:?}, got {:?}: {stderr}",
                    out.status.code()
                ));
            }
            continue;
        }
        if !out.status.success() {
            failures.push(format!(
                "{name}: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let report: Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
        let mut errors = Vec::new();
        matches(&spec["expect"], Some(&report), "report", &mut errors);
        failures.extend(errors.into_iter().map(|e| format!("{name}: {e}")));
    }
    assert!(
        failures.is_empty(),
        "{} scenario mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
