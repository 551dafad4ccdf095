//! Distributed Map runs: each has a Map Run ARN (`MapRunStarted` / `MapRunSucceeded` /
//! `MapRunFailed` in the history, DescribeMapRun and ListMapRuns in the API);
//! `ItemBatcher` groups the (selected) items into batches — `{"BatchInput", "Items"}`,
//! one child each, by MaxItemsPerBatch and MaxInputBytesPerBatch — and `ResultWriter`
//! shapes the children's results (NONE: execution records, COMPACT: outputs, FLATTEN:
//! outputs with arrays spread) and exports them to S3 as Step Functions does:
//! `PREFIX/RUN-ID/SUCCEEDED_0.json`, `FAILED_0.json` and `manifest.json`, the state's
//! output then being the Map Run ARN and the manifest's location.
//! Each child is an execution of its own (`execution:MACHINE/LABEL:NAME`, or
//! `express:…` for EXPRESS children) with its own history (ExecutionStarted, its states,
//! ExecutionSucceeded/Failed, or ExecutionAborted when the Map Run or the parent ends
//! first); the parent's history has the Map Run's events only. GetExecutionHistory
//! answers for STANDARD children, as on AWS (EXPRESS histories are not kept).

use super::*;
use crate::asl::query::Query;
use crate::util::iso8601;

/// What a running Distributed Map keeps about its children.
pub(super) struct MapRun {
    pub arn: String,
    pub id: String,
    /// Index into `Sfn::map_runs`.
    pub record: usize,
    /// The items are already each child's input (selected and batched).
    pub prepared: bool,
    pub inputs: Vec<Option<Value>>,
    pub times: Vec<(u64, u64)>,
    pub failed: Vec<bool>,
}

/// A Map Run as DescribeMapRun reports it.
pub(crate) struct MapRunRecord {
    arn: String,
    exec: usize,
    status: &'static str,
    start_ms: u64,
    stop_ms: Option<u64>,
    max_concurrency: usize,
    tolerated: (Option<u64>, Option<f64>),
    total: usize,
    succeeded: usize,
    failed: usize,
    written: usize,
    /// The child executions (ListExecutions / DescribeExecution with a Map Run or child
    /// ARN).
    pub children: Vec<usize>,
    machine: String,
}

/// A child execution's ARN and name: STANDARD children are `execution:MACHINE/LABEL:NAME`,
/// EXPRESS ones `express:MACHINE/LABEL:RUN-ID:NAME`.
pub(super) fn child_arn(
    machine_arn: &str,
    label: &str,
    run_id: &str,
    i: usize,
    express: bool,
) -> (String, String) {
    let name = uuid_from(run_id, i);
    let arn = if express {
        format!(
            "{}/{label}:{run_id}:{name}",
            machine_arn.replacen(":stateMachine:", ":express:", 1)
        )
    } else {
        format!(
            "{}/{label}:{name}",
            machine_arn.replacen(":stateMachine:", ":execution:", 1)
        )
    };
    (arn, name)
}

impl Sfn {
    /// A Distributed Map's items are known: start its Map Run, batch if asked.
    pub(super) fn start_map_run(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        items: Vec<Value>,
        max: usize,
        tolerated: (Option<u64>, Option<f64>),
    ) -> Result<(Vec<Value>, MapRun), Failure> {
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        let Kind::Map {
            label,
            item_batcher,
            item_selector,
            ..
        } = &st.kind
        else {
            return Err(Failure::runtime("not a Map state"));
        };
        let id = k.rng.uuid();
        let machine_arn = self.execs[self.runs[ri].exec].ctx.machine_arn.clone();
        let arn = format!(
            "{}/{label}:{id}",
            machine_arn.replacen(":stateMachine:", ":mapRun:", 1)
        );
        let (items, prepared) = match item_batcher {
            Some(b) => (
                self.batches(k, ri, st, b, item_selector.as_ref(), items)?,
                true,
            ),
            None => (items, false),
        };
        let n = items.len();
        let record = self.map_runs.len();
        self.map_runs.push(MapRunRecord {
            arn: arn.clone(),
            exec: self.runs[ri].exec,
            status: "RUNNING",
            start_ms: k.now_ms(),
            stop_ms: None,
            max_concurrency: max,
            tolerated,
            total: n,
            succeeded: 0,
            failed: 0,
            written: 0,
            children: Vec::new(),
            machine: format!("{}/{label}", self.execs[self.runs[ri].exec].ctx.machine_arn),
        });
        self.run_event(
            k,
            ri,
            "MapRunStarted",
            Some(("mapRunStartedEventDetails", json!({"mapRunArn": arn}))),
        );
        Ok((
            items,
            MapRun {
                arn,
                id,
                record,
                prepared,
                inputs: vec![None; n],
                times: vec![(0, 0); n],
                failed: vec![false; n],
            },
        ))
    }

    /// ItemBatcher: each item through ItemSelector, then grouped into batches.
    fn batches(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        st: &State,
        b: &Value,
        selector: Option<&Value>,
        items: Vec<Value>,
    ) -> Result<Vec<Value>, Failure> {
        let effective = self.runs[ri].effective.clone();
        let vars = self.runs[ri].vars.clone();
        let context = self.context(ri);
        let number =
            |this: &mut Self, k: &mut Kernel<Event>, key: &str| -> Result<Option<u64>, Failure> {
                if let Some(v) = b.get(key) {
                    if st.jsonata && v.is_string() {
                        let q = this.query(ri, st, &effective, &context, &vars, k);
                        return q
                            .count(v, &format!("ItemBatcher/{key}"), &mut k.rng)
                            .map(Some);
                    }
                    return Ok(v.as_u64());
                }
                let Some(p) = b.get(format!("{key}Path")).and_then(Value::as_str) else {
                    return Ok(None);
                };
                let path = crate::asl::path::Path::parse_reference(p).map_err(Failure::runtime)?;
                let scope = Scope::new(&context, &vars);
                match scope.lookup(&effective, &path).and_then(|v| v.as_u64()) {
                    Some(n) => Ok(Some(n)),
                    None => Err(Failure::runtime(format!(
                        "Invalid path '{p}': {key}Path must give a positive integer"
                    ))),
                }
            };
        let max_items = number(self, k, "MaxItemsPerBatch")?
            .unwrap_or(u64::MAX)
            .max(1) as usize;
        let max_bytes = number(self, k, "MaxInputBytesPerBatch")?
            .unwrap_or(asl::MAX_PAYLOAD as u64)
            .min(asl::MAX_PAYLOAD as u64) as usize;
        let batch_input = match b.get("BatchInput") {
            None => None,
            Some(t) if st.jsonata => {
                let q = self.query(ri, st, &effective, &context, &vars, k);
                Some(q.template(t, "ItemBatcher/BatchInput", &mut k.rng)?)
            }
            Some(t) => Some(Scope::new(&context, &vars).template(t, &effective, &mut k.rng)?),
        };
        let base = batch_input.as_ref().map_or(0, asl::json_len) + 24;
        let mut out = Vec::new();
        let (mut current, mut size) = (Vec::new(), base);
        for (i, item) in items.into_iter().enumerate() {
            let item = match selector {
                Some(sel) => {
                    self.runs[ri].map_item = Some((i, Rc::new(item)));
                    let ctx = self.context(ri);
                    self.runs[ri].map_item = None;
                    if st.jsonata {
                        self.jsonata_item(k, ri, st, sel, &ctx)?
                    } else {
                        Scope::new(&ctx, &vars).template(sel, &effective, &mut k.rng)?
                    }
                }
                None => item,
            };
            let len = asl::json_len(&item) + 1;
            if !current.is_empty() && (current.len() >= max_items || size + len > max_bytes) {
                out.push(std::mem::take(&mut current));
                size = base;
            }
            size += len;
            current.push(item);
        }
        if !current.is_empty() {
            out.push(current);
        }
        Ok(out
            .into_iter()
            .map(|items| {
                let mut o = Map::new();
                if let Some(bi) = &batch_input {
                    o.insert("BatchInput".into(), bi.clone());
                }
                o.insert("Items".into(), Value::Array(items));
                Value::Object(o)
            })
            .collect())
    }

    /// The Map Run ended with every child done: record it, then shape and export.
    pub(super) fn finish_map_run(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        run: MapRun,
        results: Vec<Option<Value>>,
    ) {
        let now = k.now_ms();
        let rec = &mut self.map_runs[run.record];
        rec.status = "SUCCEEDED";
        rec.stop_ms = Some(now);
        rec.failed = run.failed.iter().filter(|f| **f).count();
        rec.succeeded = results.len() - rec.failed;
        self.run_event(
            k,
            ri,
            "MapRunSucceeded",
            Some(("mapRunSucceededEventDetails", json!({"mapRunArn": run.arn}))),
        );
        let (set, si) = self.state(ri);
        let st = &set.states[si];
        let Kind::Map {
            result_writer,
            label,
            processor: _,
            ..
        } = &st.kind
        else {
            return;
        };
        let results: Vec<Value> = results.into_iter().map(Option::unwrap_or_default).collect();
        let machine_arn = self.execs[self.runs[ri].exec].ctx.machine_arn.clone();
        let express = self.child_express(st);
        let Some(w) = result_writer else {
            self.runs[ri].phase = Phase::Idle;
            return self.complete(k, ri, Value::Array(results), None);
        };
        let export = w.get("Resource").is_some();
        let cfg = w.get("WriterConfig");
        let transformation = cfg
            .and_then(|c| c.get("Transformation"))
            .and_then(Value::as_str)
            .unwrap_or(if export { "NONE" } else { "COMPACT" });
        let jsonl = cfg
            .and_then(|c| c.get("OutputType"))
            .and_then(Value::as_str)
            == Some("JSONL");

        let record = |i: usize, out: &Value| -> Value {
            let (exec_arn, name) = child_arn(&machine_arn, label, &run.id, i, express);
            let (start, stop) = run.times[i];
            let mut o = Map::new();
            o.insert("ExecutionArn".into(), json!(exec_arn));
            let input = run.inputs[i].clone().unwrap_or_default();
            o.insert("Input".into(), json!(input.to_string()));
            o.insert("InputDetails".into(), json!({"Included": true}));
            o.insert("Name".into(), json!(name));
            if run.failed[i] {
                o.insert(
                    "Error".into(),
                    out.get("Error").cloned().unwrap_or_default(),
                );
                o.insert(
                    "Cause".into(),
                    out.get("Cause").cloned().unwrap_or_default(),
                );
            } else {
                o.insert("Output".into(), json!(out.to_string()));
                o.insert("OutputDetails".into(), json!({"Included": true}));
            }
            o.insert("RedriveCount".into(), json!(0));
            o.insert(
                "RedriveStatus".into(),
                json!(if run.failed[i] {
                    "REDRIVABLE"
                } else {
                    "NOT_REDRIVABLE"
                }),
            );
            if !run.failed[i] {
                o.insert(
                    "RedriveStatusReason".into(),
                    json!("Execution is SUCCEEDED and cannot be redriven"),
                );
            }
            o.insert("StartDate".into(), json!(iso8601(start)));
            o.insert(
                "StateMachineArn".into(),
                json!(format!("{machine_arn}/{label}")),
            );
            o.insert(
                "Status".into(),
                json!(if run.failed[i] { "FAILED" } else { "SUCCEEDED" }),
            );
            o.insert("StopDate".into(), json!(iso8601(stop)));
            Value::Object(o)
        };
        // Failed children keep their record whatever the transformation (as AWS notes).
        let shaped = |i: usize, out: &Value, acc: &mut Vec<Value>| match transformation {
            _ if run.failed[i] || transformation == "NONE" => acc.push(record(i, out)),
            "FLATTEN" => match out {
                Value::Array(a) => acc.extend(a.iter().cloned()),
                other => acc.push(other.clone()),
            },
            _ => acc.push(out.clone()),
        };
        if !export {
            let mut all = Vec::new();
            for (i, out) in results.iter().enumerate() {
                shaped(i, out, &mut all);
            }
            self.runs[ri].phase = Phase::Idle;
            return self.complete(k, ri, Value::Array(all), None);
        }
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        for (i, out) in results.iter().enumerate() {
            shaped(i, out, if run.failed[i] { &mut bad } else { &mut ok });
        }
        let params = match w.get("Arguments").or(w.get("Parameters")) {
            Some(t) => {
                let vars = self.runs[ri].vars.clone();
                let context = self.context(ri);
                let effective = self.runs[ri].effective.clone();
                let r = if st.jsonata {
                    let q = Query::new(
                        &st.name,
                        self.runs[ri].entered_id,
                        &effective,
                        &context,
                        &vars,
                        now,
                    );
                    q.template(t, "ResultWriter/Arguments", &mut k.rng)
                } else {
                    Scope::new(&context, &vars).template(t, &effective, &mut k.rng)
                };
                match r {
                    Ok(p) => p,
                    Err(f) => return self.fail_state(k, ri, f),
                }
            }
            None => json!({}),
        };
        let bucket = params
            .get("Bucket")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let prefix = params
            .get("Prefix")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_end_matches('/');
        let base = if prefix.is_empty() {
            run.id.clone()
        } else {
            format!("{prefix}/{}", run.id)
        };
        let ext = if jsonl { "jsonl" } else { "json" };
        let body = |list: &[Value]| -> String {
            if jsonl {
                list.iter().map(|v| format!("{v}\n")).collect()
            } else {
                Value::Array(list.to_vec()).to_string()
            }
        };
        let mut puts = Vec::new();
        let mut files = json!({"FAILED": [], "PENDING": [], "SUCCEEDED": []});
        for (status, list) in [("SUCCEEDED", &ok), ("FAILED", &bad)] {
            if list.is_empty() {
                continue;
            }
            let key = format!("{base}/{status}_0.{ext}");
            let text = body(list);
            files[status] = json!([{"Key": key, "Size": text.len()}]);
            puts.push(json!({"Bucket": bucket, "Key": key, "Body": text}));
        }
        let manifest_key = format!("{base}/manifest.json");
        let manifest =
            json!({"DestinationBucket": bucket, "MapRunArn": run.arn, "ResultFiles": files});
        puts.push(json!({"Bucket": bucket, "Key": manifest_key, "Body": manifest.to_string()}));
        self.map_runs[run.record].written = results.len();
        let output = json!({"MapRunArn": run.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}});
        puts.reverse();
        self.write_next(k, ri, puts, output);
    }

    /// Issues the next ResultWriter PutObject, or completes the state when none is left.
    pub(super) fn write_next(
        &mut self,
        k: &mut Kernel<Event>,
        ri: usize,
        mut puts: Vec<Value>,
        output: Value,
    ) {
        let Some(params) = puts.pop() else {
            self.runs[ri].phase = Phase::Idle;
            return self.complete(k, ri, output, None);
        };
        self.runs[ri].gen += 1;
        self.runs[ri].phase = Phase::Writing { puts, output };
        self.machine_call(k, ri, "s3:PutObject", params);
    }

    /// The Map Run failed (a child failed past the tolerance, or the state was stopped).
    pub(super) fn fail_map_run(&mut self, k: &mut Kernel<Event>, ri: usize, run: &MapRun) {
        let rec = &mut self.map_runs[run.record];
        rec.status = "FAILED";
        rec.stop_ms = Some(k.now_ms());
        rec.failed = run.failed.iter().filter(|f| **f).count();
        self.run_event(
            k,
            ri,
            "MapRunFailed",
            Some((
                "mapRunFailedEventDetails",
                json!({"error": "States.ExceedToleratedFailureThreshold"}),
            )),
        );
    }

    pub(super) fn child_express(&self, st: &State) -> bool {
        matches!(
            st.kind,
            Kind::Map {
                express_children: true,
                ..
            }
        )
    }

    pub(crate) fn describe_map_run(&self, p: &Value) -> Result<Value, AwsError> {
        let arn = p.get("mapRunArn").and_then(Value::as_str).unwrap_or("");
        let r = self.map_runs.iter().find(|r| r.arn == arn).ok_or_else(|| {
            AwsError::client(
                "ResourceNotFound",
                format!("Map Run Does Not Exist: '{arn}'"),
            )
        })?;
        let running = r.total - r.succeeded - r.failed;
        let counts = json!({"pending": 0, "running": if r.status == "RUNNING" { running } else { 0 },
            "succeeded": r.succeeded, "failed": r.failed, "timedOut": 0, "aborted": 0, "total": r.total,
            "resultsWritten": r.written, "failuresNotRedrivable": 0, "pendingRedrive": 0});
        let mut o = json!({"mapRunArn": r.arn, "executionArn": self.execs[r.exec].arn, "status": r.status,
            "startDate": r.start_ms, "maxConcurrency": r.max_concurrency,
            "toleratedFailurePercentage": r.tolerated.1.unwrap_or(0.0), "toleratedFailureCount": r.tolerated.0.unwrap_or(0),
            "itemCounts": counts, "executionCounts": counts, "redriveCount": 0});
        if let Some(s) = r.stop_ms {
            o["stopDate"] = json!(s);
        }
        Ok(o)
    }

    /// ListExecutions with a `mapRunArn`: the Map Run's child executions.
    pub(crate) fn list_children(
        &self,
        map_run: &str,
        filter: Option<&str>,
    ) -> Result<Value, AwsError> {
        let r = self
            .map_runs
            .iter()
            .find(|r| r.arn == map_run)
            .ok_or_else(|| {
                AwsError::client(
                    "ResourceNotFound",
                    format!("Map Run Does Not Exist: '{map_run}'"),
                )
            })?;
        let list: Vec<Value> = r
            .children
            .iter()
            .map(|&e| &self.execs[e])
            .filter(|c| filter.is_none_or(|f| f == c.status))
            .map(|c| {
                json!({"executionArn": c.arn, "stateMachineArn": r.machine, "name": c.name,
                            "status": c.status, "startDate": c.start_ms, "stopDate": c.stop_ms,
                            "mapRunArn": r.arn})
            })
            .collect();
        Ok(json!({ "executions": list }))
    }

    /// DescribeExecution of a Map Run's child execution.
    pub(crate) fn describe_child(&self, arn: &str) -> Option<Value> {
        let e = *self.child_by_arn.get(arn)?;
        let r = self.map_runs.iter().find(|r| r.children.contains(&e))?;
        let mut o = self.describe(e);
        o["stateMachineArn"] = json!(r.machine);
        o["mapRunArn"] = json!(r.arn);
        o["redriveCount"] = json!(0);
        Some(o)
    }

    pub(crate) fn list_map_runs(&self, p: &Value) -> Result<Value, AwsError> {
        let arn = p.get("executionArn").and_then(Value::as_str).unwrap_or("");
        let e = self.find_exec(arn).ok_or_else(|| {
            AwsError::client(
                "ExecutionDoesNotExist",
                format!("Execution Does Not Exist: '{arn}'"),
            )
        })?;
        let runs: Vec<Value> = self
            .map_runs
            .iter()
            .filter(|r| r.exec == e)
            .map(|r| {
                let (machine, _) = r.arn.rsplit_once(':').unwrap_or((&r.arn, ""));
                let machine = machine.replacen(":mapRun:", ":stateMachine:", 1);
                json!({"executionArn": self.execs[e].arn, "mapRunArn": r.arn, "stateMachineArn": machine,
                       "startDate": r.start_ms, "stopDate": r.stop_ms})
            })
            .collect();
        Ok(json!({ "mapRuns": runs }))
    }
}

/// A child execution's name: a UUID derived from the Map Run's and the child's index, so
/// the names repeat with the run.
fn uuid_from(run: &str, i: usize) -> String {
    let mut tail = format!("{:012x}", i);
    tail.truncate(12);
    format!("{}{tail}", &run[..run.len().saturating_sub(12)])
}
