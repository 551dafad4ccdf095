//! Choice rules: the checks a definition must pass (one comparison per rule, `Next`
//! only at the top, values of the right type) and their evaluation. A rule whose
//! `Variable` (or `…Path` operand) does not exist fails the execution with
//! `States.Runtime`, as Step Functions does — except `IsPresent`, which exists to ask.
//! Comparing values of the wrong type is simply false.

use super::path::Path;
use crate::util::parse_iso8601_ms;
use serde_json::Value;

const OPS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

fn comparator(rule: &serde_json::Map<String, Value>) -> Vec<(&str, &Value)> {
    rule.iter()
        .filter(|(k, _)| {
            let base = k.strip_suffix("Path").unwrap_or(k);
            OPS.contains(&k.as_str())
                || (OPS.contains(&base) && base != "StringMatches" && !base.starts_with("Is"))
        })
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

/// Reports what is wrong with a rule through `report(location, message)`.
pub fn check(rule: &Value, loc: &str, top: bool, report: &mut dyn FnMut(&str, String)) {
    let Some(o) = rule.as_object() else {
        report(loc, "A choice rule must be an object".into());
        return;
    };
    if !top && o.contains_key("Next") {
        report(
            &format!("{loc}/Next"),
            "Only top-level choice rules can have 'Next'".into(),
        );
    }
    let bool_ops: Vec<&str> = ["And", "Or", "Not"]
        .into_iter()
        .filter(|k| o.contains_key(*k))
        .collect();
    let cmp = comparator(o);
    for k in o.keys() {
        let known = ["Next", "Variable", "And", "Or", "Not", "Comment", "Assign"]
            .contains(&k.as_str())
            || cmp.iter().any(|(c, _)| c == k);
        if !known {
            report(
                &format!("{loc}/{k}"),
                format!("Field '{k}' is not supported in a choice rule"),
            );
        }
    }
    match (bool_ops.len(), cmp.len()) {
        (1, 0) => {
            let op = bool_ops[0];
            let l = format!("{loc}/{op}");
            if op == "Not" {
                check(&o["Not"], &l, false, report);
            } else {
                match o[op].as_array() {
                    Some(a) if !a.is_empty() => {
                        for (i, r) in a.iter().enumerate() {
                            check(r, &format!("{l}/{i}"), false, report);
                        }
                    }
                    _ => report(&l, format!("{op} must be a non-empty array of rules")),
                }
            }
        }
        (0, 1) => {
            let (op, v) = cmp[0];
            match o.get("Variable").and_then(Value::as_str) {
                None => report(loc, "These fields are required: [Variable]".into()),
                Some(var) => {
                    if let Err(e) = Path::parse(var) {
                        report(
                            &format!("{loc}/Variable"),
                            format!(
                                "The value for the field 'Variable' must be a valid JSONPath: {e}"
                            ),
                        );
                    }
                }
            }
            let l = format!("{loc}/{op}");
            let ok = if op.ends_with("Path") {
                v.as_str().is_some_and(|p| Path::parse(p).is_ok())
            } else if op.starts_with("String") {
                v.is_string()
            } else if op.starts_with("Numeric") {
                v.is_number()
            } else if op.starts_with("Timestamp") {
                v.as_str().is_some_and(|t| parse_iso8601_ms(t).is_some())
            } else {
                v.is_boolean()
            };
            if !ok {
                report(&l, format!("The value of '{op}' has the wrong type"));
            }
        }
        _ => report(
            loc,
            "A choice rule needs exactly one comparison, or one of And, Or, Not".into(),
        ),
    }
}

/// StringMatches: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn string_matches(text: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum T {
        Star,
        Ch(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => toks.push(T::Ch(it.next().unwrap_or('\\'))),
            '*' => toks.push(T::Star),
            c => toks.push(T::Ch(c)),
        }
    }
    let s: Vec<char> = text.chars().collect();
    // Classic wildcard matching with back-tracking to the last star.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while i < s.len() {
        if j < toks.len() && toks[j] == T::Ch(s[i]) {
            i += 1;
            j += 1;
        } else if j < toks.len() && toks[j] == T::Star {
            star = Some(j);
            mark = i;
            j += 1;
        } else if let Some(st) = star {
            j = st + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    while j < toks.len() && toks[j] == T::Star {
        j += 1;
    }
    j == toks.len()
}

/// Evaluates a rule. `lookup` resolves a path against the state's input, the context
/// or the variables; `Err` carries the `States.Runtime` cause.
pub fn eval(rule: &Value, lookup: &dyn Fn(&Path) -> Option<Value>) -> Result<bool, String> {
    let o = rule.as_object().ok_or("a choice rule must be an object")?;
    // One pass over the rule's few keys (cheaper than a hashed lookup for each).
    let (mut and, mut or, mut not, mut variable) = (None, None, None, None);
    for (k, v) in o {
        match k.as_str() {
            "And" => and = v.as_array(),
            "Or" => or = v.as_array(),
            "Not" => not = Some(v),
            "Variable" => variable = v.as_str(),
            _ => {}
        }
    }
    if let Some(a) = and {
        for r in a {
            if !eval(r, lookup)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(a) = or {
        for r in a {
            if eval(r, lookup)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(r) = not {
        return Ok(!eval(r, lookup)?);
    }
    let var_text = variable.unwrap_or("$");
    let var = Path::cached(var_text)?;
    let invalid = |p: &str| {
        format!(
            "Invalid path '{p}': The choice state's condition path references an invalid value."
        )
    };
    let cmp = comparator(o);
    let Some(&(op, operand)) = cmp.first() else {
        return Err("a choice rule has no comparison".into());
    };
    let value = lookup(&var);
    if op == "IsPresent" {
        return Ok(value.is_some() == (operand == &Value::Bool(true)));
    }
    let Some(value) = value else {
        return Err(invalid(var_text));
    };
    let expect = operand == &Value::Bool(true);
    let (base, operand) = if let Some(base) = op.strip_suffix("Path") {
        let p = operand.as_str().unwrap_or("");
        let path = Path::cached(p)?;
        (base, lookup(&path).ok_or_else(|| invalid(p))?)
    } else {
        (op, operand.clone())
    };
    let ts = |v: &Value| v.as_str().and_then(parse_iso8601_ms);
    Ok(match base {
        "IsNull" => value.is_null() == expect,
        "IsNumeric" => value.is_number() == expect,
        "IsString" => value.is_string() == expect,
        "IsBoolean" => value.is_boolean() == expect,
        "IsTimestamp" => ts(&value).is_some() == expect,
        "BooleanEquals" => value.is_boolean() && value == operand,
        "StringMatches" => match (value.as_str(), operand.as_str()) {
            (Some(s), Some(p)) => string_matches(s, p),
            _ => false,
        },
        b if b.starts_with("String") => match (value.as_str(), operand.as_str()) {
            (Some(a), Some(x)) => ordered(&b["String".len()..], a.cmp(x)),
            _ => false,
        },
        b if b.starts_with("Numeric") => match (value.as_f64(), operand.as_f64()) {
            (Some(a), Some(x)) => a
                .partial_cmp(&x)
                .is_some_and(|o| ordered(&b["Numeric".len()..], o)),
            _ => false,
        },
        b if b.starts_with("Timestamp") => match (ts(&value), ts(&operand)) {
            (Some(a), Some(x)) => ordered(&b["Timestamp".len()..], a.cmp(&x)),
            _ => false,
        },
        _ => false,
    })
}

fn ordered(rel: &str, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match rel {
        "Equals" => o == Equal,
        "LessThan" => o == Less,
        "GreaterThan" => o == Greater,
        "LessThanEquals" => o != Greater,
        "GreaterThanEquals" => o != Less,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(rule: Value, input: Value) -> Result<bool, String> {
        eval(&rule, &|p: &Path| p.select(&input))
    }

    #[test]
    fn comparisons_and_types() {
        let i = json!({"n": 5, "s": "log-2026.txt", "b": true, "t": "2026-01-01T00:00:00Z", "z": null, "m": 7});
        assert!(ev(
            json!({"Variable": "$.n", "NumericGreaterThan": 4}),
            i.clone()
        )
        .unwrap());
        assert!(ev(
            json!({"Variable": "$.n", "NumericLessThanPath": "$.m"}),
            i.clone()
        )
        .unwrap());
        assert!(ev(
            json!({"Variable": "$.s", "StringMatches": "log-*.txt"}),
            i.clone()
        )
        .unwrap());
        assert!(!ev(json!({"Variable": "$.s", "NumericEquals": 5}), i.clone()).unwrap());
        assert!(ev(json!({"Variable": "$.b", "BooleanEquals": true}), i.clone()).unwrap());
        assert!(ev(
            json!({"Variable": "$.t", "TimestampLessThan": "2026-06-01T00:00:00Z"}),
            i.clone()
        )
        .unwrap());
        assert!(ev(json!({"And": [{"Variable": "$.n", "IsNumeric": true}, {"Not": {"Variable": "$.s", "StringEquals": "x"}}]}), i.clone()).unwrap());
    }

    #[test]
    fn is_present_on_null_and_missing_variables() {
        let i = json!({"z": null});
        assert!(ev(json!({"Variable": "$.z", "IsPresent": true}), i.clone()).unwrap());
        assert!(ev(json!({"Variable": "$.z", "IsNull": true}), i.clone()).unwrap());
        assert!(ev(json!({"Variable": "$.q", "IsPresent": false}), i.clone()).unwrap());
        let e = ev(json!({"Variable": "$.q", "IsNull": true}), i).unwrap_err();
        assert!(e.contains("Invalid path '$.q'"), "{e}");
    }

    #[test]
    fn string_matches_escapes() {
        assert!(string_matches("a*b", "a\\*b"));
        assert!(!string_matches("axb", "a\\*b"));
        assert!(string_matches("anything", "*"));
        assert!(string_matches("a\\b", "a\\\\b"));
        assert!(!string_matches("abc", "*d"));
    }

    #[test]
    fn bad_rules_are_reported() {
        let mut out = Vec::new();
        check(
            &json!({"Variable": "$.x", "StringEquals": 3, "Next": "A"}),
            "/c",
            true,
            &mut |l, m| out.push((l.to_string(), m)),
        );
        check(
            &json!({"Not": {"Variable": "$.x", "IsNull": true, "Next": "B"}}),
            "/d",
            true,
            &mut |l, m| out.push((l.to_string(), m)),
        );
        check(
            &json!({"Variable": "$.x", "Next": "A"}),
            "/e",
            true,
            &mut |l, m| out.push((l.to_string(), m)),
        );
        let locs: Vec<&str> = out.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(locs, ["/c/StringEquals", "/d/Not/Next", "/e"]);
    }
}
