//! JSONata inside a state machine: a string `"{% … %}"` anywhere in Arguments, Output,
//! Assign, Items, ItemSelector, a Choice `Condition` or a field like `TimeoutSeconds` is
//! an expression; everything else is literal JSON. `$states` holds `input`, `context`,
//! and `result` or `errorOutput` where the field can see them; workflow variables are
//! `$name`. A failure is `States.QueryEvaluationError` with the cause wording Step
//! Functions uses (the state, the event it was entered at, the expression and the field).

use super::Failure;
use crate::jsonata::{self, Expression};
use crate::rng::Rng;
use serde_json::{Map, Value};
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The expression inside `{% … %}`, or `None` for a literal string.
pub fn expr_text(s: &str) -> Option<&str> {
    let t = s.trim();
    Some(t.strip_prefix("{%")?.strip_suffix("%}")?.trim())
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<Expression>>> = RefCell::new(HashMap::new());
}

/// Parses an expression once per thread (a state runs the same text many times).
pub fn compiled(text: &str) -> Result<Rc<Expression>, jsonata::Error> {
    if let Some(e) = CACHE.with(|c| c.borrow().get(text).cloned()) {
        return Ok(e);
    }
    let e = Rc::new(jsonata::compile(text)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 2000 {
            c.clear();
        }
        c.insert(text.to_string(), e.clone());
    });
    Ok(e)
}

/// Validation: every `{% … %}` in `v` must parse. Reports each bad one at its location.
pub fn check(v: &Value, loc: &str, report: &mut dyn FnMut(&str, String)) {
    match v {
        Value::String(s) => {
            if let Some(e) = expr_text(s) {
                if let Err(err) = jsonata::compile(e) {
                    report(
                        loc,
                        format!(
                            "The JSONata expression '{e}' is invalid: {err} (at character {})",
                            err.position + 1
                        ),
                    );
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check(x, &format!("{loc}/{i}"), report);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                check(x, &format!("{loc}/{k}"), report);
            }
        }
        _ => {}
    }
}

/// What a state's expressions can see.
pub struct Query<'a> {
    pub state: &'a str,
    pub entered: u64,
    pub input: &'a Value,
    pub context: &'a dyn Fn() -> Value,
    /// `$states.result` (Task, Parallel, Map output) or `$states.errorOutput` (a Catch).
    pub extra: Option<(&'static str, &'a Value)>,
    pub vars: &'a BTreeMap<String, Value>,
    pub now_ms: u64,
    states: OnceCell<Value>,
    /// The field whose evaluation failed last (an EvaluationFailed event's location).
    pub failed_at: RefCell<String>,
}

impl<'a> Query<'a> {
    pub fn new(
        state: &'a str,
        entered: u64,
        input: &'a Value,
        context: &'a dyn Fn() -> Value,
        vars: &'a BTreeMap<String, Value>,
        now_ms: u64,
    ) -> Self {
        Query {
            state,
            entered,
            input,
            context,
            extra: None,
            vars,
            now_ms,
            states: OnceCell::new(),
            failed_at: RefCell::new(String::new()),
        }
    }

    pub fn with(mut self, key: &'static str, v: &'a Value) -> Self {
        self.extra = Some((key, v));
        self.states = OnceCell::new();
        self
    }

    fn states(&self) -> Value {
        self.states
            .get_or_init(|| {
                let mut s = Map::new();
                s.insert("input".into(), self.input.clone());
                s.insert("context".into(), (self.context)());
                if let Some((k, v)) = self.extra {
                    s.insert(k.into(), v.clone());
                }
                Value::Object(s)
            })
            .clone()
    }

    fn prefix(&self) -> String {
        format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}).",
            self.state, self.entered
        )
    }

    /// A `States.QueryEvaluationError` about `field`, worded as Step Functions words it.
    pub fn failure(&self, field: &str, cause: String) -> Failure {
        *self.failed_at.borrow_mut() = field.to_string();
        Failure::new(
            "States.QueryEvaluationError",
            format!("{} {cause}", self.prefix()),
        )
    }

    /// One expression; `Ok(None)` is undefined (callers decide whether that is allowed).
    pub fn eval(&self, expr: &str, field: &str, rng: &mut Rng) -> Result<Option<Value>, Failure> {
        let e = compiled(expr).map_err(|err| {
            self.failure(field, format!("The JSONata expression '{expr}' specified for the field '{field}' is invalid: {err}"))
        })?;
        let bind = |name: &str| {
            if name == "states" {
                Some(self.states())
            } else {
                self.vars.get(name).cloned()
            }
        };
        e.evaluate(None, &bind, rng, self.now_ms).map_err(|err| {
            self.failure(field, format!("The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. {err}"))
        })
    }

    /// A field's value: JSON whose `{% … %}` strings are evaluated (at any depth). An
    /// expression giving nothing is an error, as in Step Functions.
    pub fn template(&self, v: &Value, field: &str, rng: &mut Rng) -> Result<Value, Failure> {
        Ok(match v {
            Value::String(s) => match expr_text(s) {
                Some(e) => match self.eval(e, field, rng)? {
                    Some(v) => v,
                    None => {
                        return Err(self.failure(
                            field,
                            format!("The JSONata expression '{e}' specified for the field '{field}' returned nothing (undefined)."),
                        ))
                    }
                },
                None => v.clone(),
            },
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.template(x, &format!("{field}/{i}"), rng))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), self.template(x, &format!("{field}/{k}"), rng)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    /// A field that must come out as one JSON type (`number`, `string`, `boolean`,
    /// `array`, `object`).
    pub fn typed(
        &self,
        v: &Value,
        field: &str,
        want: &str,
        rng: &mut Rng,
    ) -> Result<Value, Failure> {
        let got = self.template(v, field, rng)?;
        let ty = match &got {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if ty != want {
            let text = match v {
                Value::String(s) => expr_text(s).unwrap_or(s).to_string(),
                other => other.to_string(),
            };
            return Err(self.failure(
                field,
                format!("The JSONata expression '{text}' specified for the field '{field}' returned an unexpected result type. Expected '{want}', but was '{ty}' for value: {got}"),
            ));
        }
        Ok(got)
    }

    /// A Choice state's rule to take: the first whose `Condition` holds.
    pub fn choose(&self, choices: &[Value], rng: &mut Rng) -> Result<Option<usize>, Failure> {
        for (i, rule) in choices.iter().enumerate() {
            let holds = match rule.get("Condition") {
                Some(Value::Bool(b)) => *b,
                Some(v) => self.typed(v, "Condition", "boolean", rng)? == Value::Bool(true),
                None => false,
            };
            if holds {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// A Fail state's Error or Cause: literal text, or an expression giving a string.
    pub fn text(&self, v: &Option<String>, field: &str, rng: &mut Rng) -> Result<String, Failure> {
        Ok(match v {
            Some(t) if expr_text(t).is_some() => self
                .typed(&Value::String(t.clone()), field, "string", rng)?
                .as_str()
                .unwrap_or_default()
                .to_string(),
            Some(t) => t.clone(),
            None => String::new(),
        })
    }

    /// A state's output and assignments: `output` evaluated (else `default`) and every
    /// `Assign` given (the state's, then the Choice rule's), all reading the variables as
    /// they were when the state began.
    pub fn output_and_assign(
        &self,
        output: Option<&Value>,
        assigns: [Option<&Value>; 2],
        default: &Value,
        rng: &mut Rng,
    ) -> Result<(Value, Map<String, Value>), Failure> {
        let out = match output {
            Some(t) => self.template(t, "Output", rng)?,
            None => default.clone(),
        };
        let mut assigned = Map::new();
        for a in assigns.into_iter().flatten() {
            if let Value::Object(o) = self.template(a, "Assign", rng)? {
                assigned.extend(o);
            }
        }
        Ok((out, assigned))
    }

    /// A whole-number field such as TimeoutSeconds or MaxConcurrency.
    pub fn count(&self, v: &Value, field: &str, rng: &mut Rng) -> Result<u64, Failure> {
        let n = self.typed(v, field, "number", rng)?;
        n.as_u64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| {
                self.failure(
                    field,
                    format!("The value {n} specified for the field '{field}' must be a non-negative integer."),
                )
            })
    }
}
