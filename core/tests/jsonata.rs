//! Data-driven JSONata tests: `tests/jsonata/*.yaml` at the repository root lists
//! expressions with their input and the value (or error code) JSONata gives. Adding a
//! case is adding data; `JSONATA_CASE=text` runs the cases whose expression contains it.

use playground_core::jsonata;
use playground_core::rng::Rng;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn jsonata_cases() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/jsonata");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/jsonata exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let only = std::env::var("JSONATA_CASE").ok();
    let (mut failed, mut ran) = (Vec::new(), 0);
    for f in files {
        let cases: Vec<Value> =
            serde_norway::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let mut default_input = Value::Null;
        for case in cases {
            if let Some(d) = case.get("defaults") {
                default_input = d["input"].clone();
                continue;
            }
            let expr = case["expr"].as_str().expect("expr");
            if only.as_deref().is_some_and(|o| !expr.contains(o)) {
                continue;
            }
            ran += 1;
            let input = case.get("input").unwrap_or(&default_input);
            let vars = case.get("vars").cloned().unwrap_or(Value::Null);
            let mut rng = Rng::new(3);
            let got = jsonata::compile(expr)
                .and_then(|e| e.evaluate(Some(input), &|n| vars.get(n).cloned(), &mut rng, 0));
            let ok = match (&got, case.get("error"), case.get("result")) {
                (Err(e), Some(code), _) => code == e.code,
                (Ok(v), None, Some(want)) => v.as_ref() == Some(want),
                (Ok(None), None, None) => case.get("undefined") == Some(&Value::Bool(true)),
                _ => false,
            };
            if !ok {
                failed.push(format!(
                    "{expr}\n    got {got:?}\n    want {}",
                    case.get("error")
                        .or(case.get("result"))
                        .map_or("undefined".into(), Value::to_string)
                ));
            }
        }
    }
    assert!(ran > 100, "only {ran} cases ran");
    assert!(
        failed.is_empty(),
        "{} of {ran} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
