//! Running JSONata states: Arguments instead of InputPath/Parameters, Output and Assign
//! instead of ResultSelector/ResultPath/OutputPath, Choice `Condition`s, expressions in
//! Wait, Fail, Task timeouts and Map fields, and Catch `Output`/`Assign` reading
//! `$states.errorOutput`. A failed expression adds an `EvaluationFailed` event (state,
//! field, error, cause) and fails the state with `States.QueryEvaluationError`, which a
//! Retry or Catch can take like any other error.

use super::*;
use crate::asl::definition::Catcher;
use crate::asl::query::{expr_text, Query};

impl Sfn {
    pub(super) fn query<'a>(
        &self,
        ri: usize,
        st: &'a State,
        input: &'a Value,
        context: &'a dyn Fn() -> Value,
        vars: &'a BTreeMap<String, Value>,
        k: &Kernel<Event>,
    ) -> Query<'a> {
        Query::new(
            &st.name,
            self.runs[ri].entered_id,
            input,
            context,
            vars,
            k.now_ms(),
        )
    }

    /// Records the EvaluationFailed event a JSONata failure adds to the history.
    fn evaluation_failed(&mut self, k: &mut Kernel<Event>, ri: usize, f: &Failure, at: &str) {
        if f.error != "States.QueryEvaluationError" {
            return;
        }
        let (set, si) = self.state(ri);
        let name = set.states[si].name.clone();
        self.run_event(
            k,
            ri,
            "EvaluationFailed",
            Some((
                "evaluationFailedEventDetails",
                json!({"state": name, "location": at, "error": f.error, "cause": f.cause}),
            )),
        );
    }

    pub(super) fn execute_jsonata(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        let context = self.context(ri);
        let vars = self.runs[ri].vars.clone();
        let input = self.runs[ri].input.clone();
        let q = self.query(ri, st, &input, &context, &vars, k);
        if let Err(f) = self.jsonata_work(k, ri, st, &q) {
            let at = q.failed_at.borrow().clone();
            self.evaluation_failed(k, ri, &f, &at);
            self.fail_state(k, ri, f);
        }
    }

    fn jsonata_work(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        st: &State,
        q: &Query,
    ) -> Result<(), Failure> {
        let input = q.input;
        let raw = &st.raw;
        match &st.kind {
            Kind::Pass { .. } | Kind::Succeed => {
                self.runs[ri].effective = input.clone();
                self.complete(k, ri, input.clone(), None);
            }
            Kind::Task {
                resource,
                timeout_s,
                heartbeat_s,
                ..
            } => {
                let mut seconds = |field: &str, literal: &Option<u64>| match raw.get(field) {
                    Some(v) if v.as_str().and_then(expr_text).is_some() => {
                        q.count(v, field, &mut k.rng).map(Some)
                    }
                    _ => Ok(*literal),
                };
                let timeout = seconds("TimeoutSeconds", timeout_s)?;
                let heartbeat = seconds("HeartbeatSeconds", heartbeat_s)?;
                let params = match &st.arguments {
                    Some(a) => q.template(a, "Arguments", &mut k.rng)?,
                    None => input.clone(),
                };
                self.start_task(k, ri, resource, params, timeout, heartbeat);
            }
            Kind::Choice { choices, default } => {
                let chosen = q.choose(choices, &mut k.rng)?;
                let next = chosen
                    .and_then(|i| choices[i].get("Next"))
                    .and_then(Value::as_str)
                    .map(String::from)
                    .or_else(|| default.clone());
                let Some(next) = next else {
                    return Err(Failure::new("States.NoChoiceMatched", "No Matches!"));
                };
                self.runs[ri].choice_rule = chosen;
                self.runs[ri].effective = input.clone();
                self.complete(k, ri, input.clone(), Some(next));
            }
            Kind::Wait(w) => {
                let now = k.now_ms() as i64;
                let ms = match w {
                    WaitFor::Seconds(s) => (s * 1000.0) as i64,
                    WaitFor::Timestamp(t) => parse_iso8601_ms(t).unwrap_or(now) - now,
                    WaitFor::Expr {
                        seconds: true,
                        value,
                    } => q.count(value, "Seconds", &mut k.rng)? as i64 * 1000,
                    WaitFor::Expr { value, .. } => {
                        let t = q.typed(value, "Timestamp", "string", &mut k.rng)?;
                        let t = t.as_str().unwrap_or_default();
                        match parse_iso8601_ms(t) {
                            Some(ms) => ms - now,
                            None => {
                                return Err(q.failure(
                                    "Timestamp",
                                    format!("The value '{t}' specified for the field 'Timestamp' is not a valid RFC3339 timestamp."),
                                ))
                            }
                        }
                    }
                    WaitFor::SecondsPath(_) | WaitFor::TimestampPath(_) => 0,
                };
                let ms = (ms.max(0) as u64).min(STANDARD_MAX_MS);
                self.runs[ri].effective = input.clone();
                self.runs[ri].phase = Phase::Waiting;
                let gen = self.runs[ri].gen;
                k.schedule(
                    ms * US_PER_MS,
                    Event::Sfn(SfnEvent::Resume { run: ri, gen }),
                );
            }
            Kind::Fail { error, cause, .. } => {
                let error = q.text(error, "Error", &mut k.rng)?;
                let cause = q.text(cause, "Cause", &mut k.rng)?;
                self.end_run(k, ri, Err(Failure { error, cause }));
            }
            Kind::Parallel { branches } => {
                let args = match &st.arguments {
                    Some(a) => q.template(a, "Arguments", &mut k.rng)?,
                    None => input.clone(),
                };
                self.runs[ri].effective = input.clone();
                self.start_branches(k, ri, branches, args);
            }
            Kind::Map {
                max_concurrency,
                distributed,
                item_reader,
                tolerated_count,
                tolerated_percentage,
                ..
            } => {
                let max = match raw.get("MaxConcurrency") {
                    Some(v) if v.is_string() => q.count(v, "MaxConcurrency", &mut k.rng)?,
                    _ => *max_concurrency,
                } as usize;
                let max = match (max, *distributed) {
                    (0, true) => DISTRIBUTED_MAP_CONCURRENCY,
                    (0, false) => INLINE_MAP_CONCURRENCY,
                    (m, _) => m,
                };
                let count = match raw.get("ToleratedFailureCount") {
                    Some(v) if v.is_string() => {
                        Some(q.count(v, "ToleratedFailureCount", &mut k.rng)?)
                    }
                    _ => *tolerated_count,
                };
                let pct = match raw.get("ToleratedFailurePercentage") {
                    Some(v) if v.is_string() => q
                        .typed(v, "ToleratedFailurePercentage", "number", &mut k.rng)?
                        .as_f64(),
                    _ => *tolerated_percentage,
                };
                self.runs[ri].effective = input.clone();
                if let Some(reader) = item_reader {
                    let params = match reader.get("Arguments").or(reader.get("Parameters")) {
                        Some(t) => q.template(t, "ItemReader/Arguments", &mut k.rng)?,
                        None => json!({}),
                    };
                    self.start_reader(k, ri, reader, params, max);
                    return Ok(());
                }
                let items = match raw.get("Items") {
                    Some(v) => q.typed(v, "Items", "array", &mut k.rng)?,
                    None => input.clone(),
                };
                let Value::Array(items) = items else {
                    return Err(q.failure(
                        "Items",
                        "The Map state's input must be a JSON array when Items is not given."
                            .into(),
                    ));
                };
                self.begin_map_tolerating(k, ri, items, max, Some((count, pct)));
            }
        }
        Ok(())
    }

    /// A JSONata Map's ItemSelector for the iteration whose context `context` holds.
    pub(super) fn jsonata_item(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        st: &State,
        selector: &Value,
        context: &dyn Fn() -> Value,
    ) -> Result<Value, Failure> {
        let vars = self.runs[ri].vars.clone();
        let input = self.runs[ri].effective.clone();
        let q = self.query(ri, st, &input, context, &vars, k);
        let r = q.template(selector, "ItemSelector", &mut k.rng);
        if let Err(f) = &r {
            let at = q.failed_at.borrow().clone();
            self.evaluation_failed(k, ri, f, &at);
        }
        r
    }

    /// A JSONata state's output and assignments: `Output` (default: the result for
    /// Task, Parallel and Map, the input otherwise) and `Assign`, both reading the
    /// variables as they were when the state began — with the Choice rule's own fields.
    pub(super) fn jsonata_output(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        st: &State,
        result: Option<&Value>,
        input: &Value,
    ) -> Result<(Value, Option<Map<String, Value>>), Failure> {
        let rule = match (&st.kind, self.runs[ri].choice_rule.take()) {
            (Kind::Choice { choices, .. }, Some(i)) => choices.get(i).cloned(),
            _ => None,
        };
        let context = self.context(ri);
        let vars = self.runs[ri].vars.clone();
        let mut q = self.query(ri, st, input, &context, &vars, k);
        if let Some(r) = result {
            q = q.with("result", r);
        }
        let r = q
            .output_and_assign(
                rule.as_ref()
                    .and_then(|r| r.get("Output"))
                    .or(st.output.as_ref()),
                [
                    st.assign.as_ref(),
                    rule.as_ref().and_then(|r| r.get("Assign")),
                ],
                result.unwrap_or(input),
                &mut k.rng,
            )
            .map(|(o, a)| (o, (!a.is_empty()).then_some(a)));
        if let Err(f) = &r {
            let at = q.failed_at.borrow().clone();
            self.evaluation_failed(k, ri, f, &at);
        }
        r
    }

    /// A JSONata Catch: its Output (default `$states.errorOutput`) and Assign.
    pub(super) fn jsonata_catch(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        st: &State,
        c: &Catcher,
        f: &Failure,
    ) -> Result<Value, Failure> {
        let context = self.context(ri);
        let vars = self.runs[ri].vars.clone();
        let input = self.runs[ri].input.clone();
        let error = f.output();
        let q = self
            .query(ri, st, &input, &context, &vars, k)
            .with("errorOutput", &error);
        let r = q.output_and_assign(
            c.output.as_ref(),
            [c.assign.as_ref(), None],
            &error,
            &mut k.rng,
        );
        match r {
            Ok((output, assigned)) => {
                self.runs[ri].vars.extend(assigned);
                Ok(output)
            }
            Err(e) => {
                let at = q.failed_at.borrow().clone();
                self.evaluation_failed(k, ri, &e, &at);
                Err(e)
            }
        }
    }
}
