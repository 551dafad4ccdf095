//! Fragment matching for the data-driven tests (scenario reports, ASL cases): shared by
//! `cli/tests/scenarios.rs` and `core/tests/asl_cases.rs` through `#[path]`.
//!
//! Objects match key by key (extra keys in the actual value are fine); arrays match
//! element by element and must have the same length; scalars must be equal. Special
//! objects: `{"$len": N}` checks only an array's length; `{"$contains": "text"}` matches a
//! string containing the text, or an array with such a string; `{"$between": [lo, hi]}`
//! a number in the range; `{"$absent": true}` a missing (or null) value.

use serde_json::Value;

pub fn matches(expected: &Value, actual: Option<&Value>, path: &str, errors: &mut Vec<String>) {
    match expected {
        Value::Object(obj) => {
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
            if let Some(range) = obj.get("$between").and_then(Value::as_array) {
                let bound = |i: usize| range.get(i).and_then(Value::as_f64).unwrap_or(0.0);
                let (lo, hi) = (bound(0), bound(1));
                if !actual
                    .and_then(Value::as_f64)
                    .is_some_and(|x| lo <= x && x <= hi)
                {
                    errors.push(format!("{path}: {actual:?} is not between {lo} and {hi}"));
                }
                return;
            }
            if obj.get("$absent") == Some(&Value::Bool(true)) {
                if let Some(a) = actual.filter(|a| !a.is_null()) {
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
        }
        Value::Array(arr) => {
            let Some(act) = actual.and_then(Value::as_array) else {
                errors.push(format!("{path}: expected an array, found {actual:?}"));
                return;
            };
            if arr.len() != act.len() {
                errors.push(format!(
                    "{path}: expected {} items, found {}: {}",
                    arr.len(),
                    act.len(),
                    Value::Array(act.clone())
                ));
                return;
            }
            for (i, v) in arr.iter().enumerate() {
                matches(v, act.get(i), &format!("{path}[{i}]"), errors);
            }
        }
        other => {
            if actual != Some(other) {
                let found = actual
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "nothing".into());
                errors.push(format!("{path}: expected {other}, found {found}"));
            }
        }
    }
}
