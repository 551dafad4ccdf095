//! The Amazon States Language, apart from running it: reading and validating a
//! definition ([`definition`]), JSONPath ([`path`]), intrinsic functions
//! ([`intrinsics`]), Choice rules ([`choice`]) and the input/output processing every
//! state applies (this module): InputPath → Parameters → (the state's work) →
//! ResultSelector → ResultPath → OutputPath, with Step Functions' rules — ResultPath
//! writes into the state's *raw* input, `null` paths, `.$` keys, `$$` and variables.
//! JSONata states evaluate `{% … %}` expressions instead ([`query`]). The service that
//! runs executions is `services::sfn`.

pub mod choice;
pub mod definition;
pub mod edit;
pub mod graph;
pub mod intrinsics;
pub mod path;
pub mod query;
pub mod teststate;

use crate::rng::Rng;
use definition::PathField;
use path::{Path, Root};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Step Functions' payload quota: 256 KiB for state input and output.
pub const MAX_PAYLOAD: usize = 262_144;

/// An error a state raises: `Error` and `Cause` as the error output shows them.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: &str, cause: impl Into<String>) -> Self {
        Failure {
            error: error.to_string(),
            cause: cause.into(),
        }
    }
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new("States.Runtime", cause)
    }
    /// The error output a Catch hands on.
    pub fn output(&self) -> Value {
        serde_json::json!({"Error": self.error, "Cause": self.cause})
    }
}

/// What paths can see besides the state input: the context object (built only when a
/// path asks for it — it holds the execution's input) and the variables.
pub struct Scope<'a> {
    context: &'a dyn Fn() -> Value,
    cache: std::cell::OnceCell<Value>,
    pub vars: &'a BTreeMap<String, Value>,
}

impl<'a> Scope<'a> {
    pub fn new(context: &'a dyn Fn() -> Value, vars: &'a BTreeMap<String, Value>) -> Self {
        Scope {
            context,
            cache: std::cell::OnceCell::new(),
            vars,
        }
    }

    pub fn lookup(&self, input: &Value, p: &Path) -> Option<Value> {
        match &p.root {
            Root::Input => p.select(input),
            Root::Context => p.select(self.cache.get_or_init(|| (self.context)())),
            Root::Variable(name) => p.select(self.vars.get(name)?),
        }
    }

    fn no_results(p: &Path) -> Failure {
        Failure::runtime(format!(
            "Invalid path '{}' : No results for path: {}",
            p.text,
            bracketed(&p.text)
        ))
    }

    /// InputPath (and OutputPath): `$` by default, `null` gives `{}`.
    pub fn select_path(&self, field: &PathField, input: &Value) -> Result<Value, Failure> {
        match field {
            PathField::Default => Ok(input.clone()),
            PathField::Null => Ok(Value::Object(Map::new())),
            PathField::Path(p) => self.lookup(input, p).ok_or_else(|| Self::no_results(p)),
        }
    }

    /// OutputPath on a value the caller gives up: `$` returns it without a copy.
    pub fn select_owned(&self, field: &PathField, v: Value) -> Result<Value, Failure> {
        match field {
            PathField::Default => Ok(v),
            _ => self.select_path(field, &v),
        }
    }

    /// Applies a payload template (Parameters, ResultSelector, ItemSelector, Assign):
    /// `key.$` fields take the value of their path or intrinsic call.
    pub fn template(&self, t: &Value, input: &Value, rng: &mut Rng) -> Result<Value, Failure> {
        Ok(match t {
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, v) in o {
                    if let (Some(name), Some(expr)) = (k.strip_suffix(".$"), v.as_str()) {
                        out.insert(name.to_string(), self.expression(k, expr, input, rng)?);
                    } else {
                        out.insert(k.clone(), self.template(v, input, rng)?);
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.template(x, input, rng))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    /// One `.$` value: a path or an intrinsic function call.
    pub fn expression(
        &self,
        field: &str,
        expr: &str,
        input: &Value,
        rng: &mut Rng,
    ) -> Result<Value, Failure> {
        if intrinsics::is_call(expr) {
            let call =
                intrinsics::parse(expr).map_err(|e| Failure::new("States.IntrinsicFailure", e))?;
            let lookup = |p: &Path| {
                self.lookup(input, p).ok_or_else(|| {
                    format!("The JSONPath '{}' could not be found in the input", p.text)
                })
            };
            return intrinsics::eval(&call, &lookup, rng)
                .map_err(|e| Failure::new("States.IntrinsicFailure", e));
        }
        let p = Path::cached(expr).map_err(Failure::runtime)?;
        self.lookup(input, &p).ok_or_else(|| {
            Failure::runtime(format!(
                "The JSONPath '{expr}' specified for the field '{field}' could not be found in the input '{}'",
                input
            ))
        })
    }

    /// ResultPath: the result replaces the raw input (`$`), is discarded (`null`), or is
    /// written into a copy of the raw input at a reference path.
    pub fn result_path(
        field: &PathField,
        raw_input: &Value,
        result: Value,
    ) -> Result<Value, Failure> {
        match field {
            PathField::Default => Ok(result),
            PathField::Null => Ok(raw_input.clone()),
            PathField::Path(p) => {
                let mut out = raw_input.clone();
                p.set(&mut out, result).map_err(|e| {
                    Failure::new(
                        "States.ResultPathMatchFailure",
                        format!(
                            "Unable to apply ResultPath \"{}\" to input \"{}\": {e}",
                            p.text, raw_input
                        ),
                    )
                })?;
                Ok(out)
            }
        }
    }
}

/// ResultPath on a raw input the caller gives up (no copy). A path that cannot be
/// applied leaves the input unchanged and hands it back with the failure.
pub fn result_path_into(
    field: &PathField,
    mut raw_input: Value,
    result: Value,
) -> Result<Value, (Failure, Value)> {
    match field {
        PathField::Default => Ok(result),
        PathField::Null => Ok(raw_input),
        PathField::Path(p) => match p.set(&mut raw_input, result) {
            Ok(()) => Ok(raw_input),
            Err(e) => {
                let f = Failure::new(
                    "States.ResultPathMatchFailure",
                    format!(
                        "Unable to apply ResultPath \"{}\" to input \"{}\": {e}",
                        p.text, raw_input
                    ),
                );
                Err((f, raw_input))
            }
        },
    }
}

/// `$.a.b[0]` → `$['a']['b'][0]`, as Step Functions words a missing path.
fn bracketed(text: &str) -> String {
    let mut out = String::from("$");
    let body = text.trim_start_matches('$');
    for part in body.split('.').filter(|p| !p.is_empty()) {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push_str(&format!("['{name}']"));
        }
        if !rest.is_empty() {
            out.push('[');
            out.push_str(rest);
        }
    }
    out
}

/// The length of a value's JSON text, counted without building the text.
pub fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Checks the 256 KiB payload quota for a JSON text of `n` characters.
pub fn check_len(n: usize, what: &str) -> Result<(), Failure> {
    if n > MAX_PAYLOAD {
        return Err(Failure::new(
            "States.DataLimitExceeded",
            format!("The {what} of {n} characters exceeds the maximum number of characters service limit."),
        ));
    }
    Ok(())
}

/// Checks the 256 KiB payload quota.
pub fn check_size(v: &Value, what: &str) -> Result<(), Failure> {
    check_len(json_len(v), what)
}

/// Whether a Retry/Catch `ErrorEquals` list matches an error: exact names, `States.ALL`
/// (anything but the terminal `States.Runtime` and `States.DataLimitExceeded`) and
/// `States.TaskFailed` (anything but `States.Timeout` and those two).
pub fn error_matches(list: &[String], error: &str) -> bool {
    let terminal = matches!(error, "States.Runtime" | "States.DataLimitExceeded");
    list.iter().any(|e| {
        e == error
            || (e == "States.ALL" && !terminal)
            || (e == "States.TaskFailed" && !terminal && error != "States.Timeout")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_path_writes_into_the_raw_input() {
        let raw = json!({"order": 1});
        let rp = PathField::Path(Path::parse("$.result").unwrap());
        assert_eq!(
            Scope::result_path(&rp, &raw, json!("ok")).unwrap(),
            json!({"order": 1, "result": "ok"})
        );
        assert_eq!(
            Scope::result_path(&PathField::Null, &raw, json!(2)).unwrap(),
            raw
        );
        assert_eq!(
            Scope::result_path(&PathField::Default, &raw, json!(2)).unwrap(),
            json!(2)
        );
        let bad = PathField::Path(Path::parse("$.order.x").unwrap());
        assert_eq!(
            Scope::result_path(&bad, &raw, json!(2)).unwrap_err().error,
            "States.ResultPathMatchFailure"
        );
    }

    #[test]
    fn templates_paths_context_and_variables() {
        let ctx = json!({"Execution": {"Name": "e1"}});
        let mut vars = BTreeMap::new();
        vars.insert("limit".to_string(), json!(10));
        let c = || ctx.clone();
        let s = Scope::new(&c, &vars);
        let t = json!({"a.$": "$.x", "name.$": "$$.Execution.Name", "l.$": "$limit", "fixed": {"k": 1}, "n.$": "States.MathAdd($.x, 1)"});
        let out = s.template(&t, &json!({"x": 4}), &mut Rng::new(1)).unwrap();
        assert_eq!(
            out,
            json!({"a": 4, "name": "e1", "l": 10, "fixed": {"k": 1}, "n": 5})
        );
        let e = s
            .template(&json!({"a.$": "$.nope"}), &json!({}), &mut Rng::new(1))
            .unwrap_err();
        assert_eq!(e.error, "States.Runtime");
        assert!(e.cause.contains("'a.$'"), "{}", e.cause);
    }

    #[test]
    fn input_path_null_and_missing() {
        let ctx = json!({});
        let vars = BTreeMap::new();
        let c = || ctx.clone();
        let s = Scope::new(&c, &vars);
        assert_eq!(
            s.select_path(&PathField::Null, &json!({"a": 1})).unwrap(),
            json!({})
        );
        let e = s
            .select_path(
                &PathField::Path(Path::parse("$.a.b").unwrap()),
                &json!({"a": 1}),
            )
            .unwrap_err();
        assert_eq!(
            e.cause,
            "Invalid path '$.a.b' : No results for path: $['a']['b']"
        );
    }

    #[test]
    fn error_names_match_as_documented() {
        let all = vec!["States.ALL".to_string()];
        assert!(error_matches(&all, "Lambda.Unknown"));
        assert!(!error_matches(&all, "States.Runtime"));
        let tf = vec!["States.TaskFailed".to_string()];
        assert!(error_matches(&tf, "Error"));
        assert!(!error_matches(&tf, "States.Timeout"));
    }
}
