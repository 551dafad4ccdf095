//! Data-driven scenario tests: every `tests/scenarios/NAME.yaml` runs through the
//! `playground run` binary and its report must contain the fragment in
//! `NAME.expect.json` (`{"args": [...], "expect": {...}}`, or `{"error": "text"}` for a
//! template that must be refused with that text on stderr).
//!
//! Matching: objects match key by key (extra keys in the report are fine); arrays
//! match element by element and must have the same length; `{"$len": N}` checks only
//! a length; `{"$contains": "text"}` matches a string containing text, or an array with
//! a string element containing it; `{"$absent": true}` requires the key to be missing.
//! Adding a case is adding two files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn matches(expected: &Value, actual: Option<&Value>, path: &str, errors: &mut Vec<String>) {
    if let Some(obj) = expected.as_object() {
        if let Some(n) = obj.get("$len") {
            let len = actual.and_then(Value::as_array).map(Vec::len);
            if len != n.as_u64().map(|n| n as usize) {
                errors.push(format!("{path}: expected length {n}, found {len:?}"));
            }
            return;
        }
        if let Some(text) = obj.get("$contains").and_then(Value::as_str) {
            let ok = match actual {
                Some(Value::String(s)) => s.contains(text),
                Some(Value::Array(a)) => a
                    .iter()
                    .any(|x| x.as_str().is_some_and(|s| s.contains(text))),
                _ => false,
            };
            if !ok {
                let found = actual.map(|a| a.to_string()).unwrap_or_default();
                errors.push(format!("{path}: nothing contains {text:?} in {found}"));
            }
            return;
        }
        if obj.get("$absent") == Some(&Value::Bool(true)) {
            if let Some(a) = actual {
                errors.push(format!("{path}: expected no value, found {a}"));
            }
            return;
        }
        let Some(act) = actual.and_then(Value::as_object) else {
            errors.push(format!("{path}: expected an object, found {actual:?}"));
            return;
        };
        for (k, v) in obj {
            matches(v, act.get(k), &format!("{path}.{k}"), errors);
        }
    } else if let Some(arr) = expected.as_array() {
        let Some(act) = actual.and_then(Value::as_array) else {
            errors.push(format!("{path}: expected an array, found {actual:?}"));
            return;
        };
        if arr.len() != act.len() {
            errors.push(format!(
                "{path}: expected {} items, found {}",
                arr.len(),
                act.len()
            ));
            return;
        }
        for (i, v) in arr.iter().enumerate() {
            matches(v, act.get(i), &format!("{path}[{i}]"), errors);
        }
    } else if actual != Some(expected) {
        let found = actual
            .map(|a| a.to_string())
            .unwrap_or_else(|| "nothing".into());
        errors.push(format!("{path}: expected {expected}, found {found}"));
    }
}

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
