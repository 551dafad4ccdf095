//! `Sim`: the public handle on one run. It owns the kernel and every service, routes
//! each API call (`service:Action`) to the service that owns it, delivers deferred
//! answers to whoever waits for them, fires the drivers, and builds the report that
//! the headless runner prints.

use crate::drivers::{self, Driver};
use crate::error::{AwsError, TemplateError};
use crate::iam::Iam;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::events::Events;
use crate::services::firehose::Firehose;
use crate::services::kinesis::Kinesis;
use crate::services::lambda::{EsmWaiter, Lambda, LambdaEvent, LambdaWaiter, StreamWaiter};
use crate::services::s3::S3;
use crate::services::sfn::Sfn;
use crate::services::sns::Sns;
use crate::services::sqs::Sqs;
use crate::services::{Event, Outcome, Waiter};
use crate::template::{self, Model};
use crate::trace::{trace_hash, TraceEntry, TraceKind};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The longest a run goes when no duration is given.
pub const DEFAULT_CAP_MS: u64 = 24 * 3_600_000;

/// One driver call as the report lists it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub at_ms: u64,
    pub action: String,
    pub target: String,
    pub result: Option<Result<Value, AwsError>>,
}

pub struct Sim {
    model: Model,
    k: Kernel<Event>,
    sqs: Sqs,
    sns: Sns,
    lambda: Lambda,
    iam: Iam,
    sfn: Sfn,
    events: Events,
    s3: S3,
    kinesis: Kinesis,
    firehose: Firehose,
    drivers: Vec<Driver>,
    calls: Vec<CallRecord>,
    external: BTreeMap<u64, Option<Result<Value, AwsError>>>,
    next_external: u64,
    /// Events run so far, for a host's watchdog (the CLI's): a count that stops moving
    /// means one event — a handler's JavaScript — is not returning.
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl Sim {
    /// Loads a template (YAML or JSON) with its own seed (`Metadata.Playground.Seed`).
    pub fn load(text: &str) -> Result<Sim, TemplateError> {
        Self::from_model(template::load(text)?, None)
    }

    /// Loads a template with an explicit seed (the CLI's `--seed`).
    pub fn load_with_seed(text: &str, seed: Option<u64>) -> Result<Sim, TemplateError> {
        Self::from_model(template::load(text)?, seed)
    }

    pub fn from_model(mut model: Model, seed: Option<u64>) -> Result<Sim, TemplateError> {
        let mut warnings = std::mem::take(&mut model.warnings);
        let mut iam = Iam::from_model(&model, &mut warnings)?;
        model.warnings = warnings;
        let mut sqs = Sqs::from_model(&model)?;
        let lambda = Lambda::from_model(&model)?;
        let sns = Sns::from_model(&model)?;
        let names = resource_names(&sqs, &sns, &lambda, &model);
        let sfn = Sfn::from_model(&model, names.clone())?;
        let mut events = Events::from_model(&model, names)?;
        let s3 = S3::from_model(&model)?;
        let kinesis = Kinesis::from_model(&model)?;
        let firehose = Firehose::from_model(&model)?;
        for m in &lambda.streams {
            let name = m.stream_arn.rsplit('/').next().unwrap_or("");
            if kinesis.find(name).is_none() {
                return Err(TemplateError::at(
                    &m.path,
                    format!("InvalidParameterValueException: the event source '{}' is not a Kinesis stream of this template", m.stream_arn),
                ));
            }
        }
        events.services = s3.buckets.iter().map(|b| b.logical_id.clone()).collect();
        for esm in &lambda.esms {
            let Some(qi) = sqs.find(&esm.queue_arn) else {
                return Err(TemplateError::at(
                    &esm.path,
                    format!("the queue {} is not in this template", esm.queue_arn),
                ));
            };
            // CreateEventSourceMapping refuses a queue that would hand a batch to another
            // poller while the function may still be working on it.
            let (vt, timeout) = (sqs.visibility_timeout(qi), lambda.timeout_s(esm.function));
            if (vt as u64) < timeout {
                return Err(TemplateError::at(
                    &esm.path,
                    format!("InvalidParameterValueException: Queue visibility timeout: {vt} seconds is less than Function timeout: {timeout} seconds"),
                ));
            }
            // FIFO queues: batches of at most 10 and no batching window (Lambda's rules).
            if sqs.is_fifo(qi) && (esm.batch_size > 10 || esm.window_s > 0) {
                return Err(TemplateError::at(
                    &esm.path,
                    "InvalidParameterValueException: for a FIFO queue, BatchSize must be 1 to 10 and MaximumBatchingWindowInSeconds is not supported",
                ));
            }
            // The poller reads the queue with the function's execution role.
            let principal = &lambda.functions[esm.function].logical_id;
            for action in ["ReceiveMessage", "DeleteMessage", "GetQueueAttributes"] {
                if !iam.permits(principal, &format!("sqs:{action}"), &esm.queue_arn, 0) {
                    return Err(TemplateError::at(
                        &esm.path,
                        format!("InvalidParameterValueException: The provided execution role does not have permissions to call {action} on SQS (the managed policy AWSLambdaSQSQueueExecutionRole or SAM's SQSPollerPolicy grants it)"),
                    ));
                }
            }
            sqs.mark_polled(&esm.queue_arn);
        }
        // Who delivers as a service, and what SAM allows its own event rules to invoke.
        for t in &sns.topics {
            iam.service_source(&t.logical_id, "sns.amazonaws.com", &t.arn);
        }
        for b in &s3.buckets {
            iam.service_source(
                &b.logical_id,
                "s3.amazonaws.com",
                &format!("arn:aws:s3:::{}", b.name),
            );
        }
        for r in &events.rules {
            // EventBridge Scheduler acts with the schedule's own role, not as a service;
            // a rule uses its target's RoleArn for streams, state machines and buses.
            let scheduler = r.arn.starts_with("arn:aws:scheduler:");
            for t in &r.targets {
                if let Some(role) = t.role_arn.as_deref() {
                    if scheduler || t.delivers_with_role() {
                        iam.target_role(&r.logical_id, &t.arn, role);
                    }
                }
            }
            if scheduler {
                continue;
            }
            iam.service_source(&r.logical_id, "events.amazonaws.com", &r.arn);
            if model.resource(&r.logical_id).is_none() {
                for t in &r.targets {
                    iam.grant(&t.arn, "events.amazonaws.com", &r.arn);
                }
            }
        }
        // Firehose writes to its bucket with the destination's role.
        for (si, st) in firehose.streams.iter().enumerate() {
            if let Some(role) = st.role_arn.as_deref() {
                iam.target_role(&st.logical_id, &firehose.bucket_arn(si), role);
            }
        }
        let drivers = drivers::parse(&model)?;
        sqs.seed(seed.unwrap_or(model.seed));
        let mut k = Kernel::new(seed.unwrap_or(model.seed));
        for (index, d) in drivers.iter().enumerate() {
            if d.count > 0 {
                k.schedule_at(d.at_ms * US_PER_MS, false, Event::Driver { index, rep: 0 });
            }
        }
        let mut sim = Sim {
            model,
            k,
            sqs,
            sns,
            lambda,
            iam,
            sfn,
            events,
            s3,
            kinesis,
            firehose,
            drivers,
            calls: Vec::new(),
            external: BTreeMap::new(),
            next_external: 0,
            progress: None,
        };
        sim.lambda.start_pollers(&mut sim.k);
        sim.lambda.start_stream_pollers(&mut sim.k);
        sim.lambda.start_provisioned(&mut sim.k);
        sim.lambda.start_deployments(&mut sim.k);
        sim.events.start(&mut sim.k);
        sim.s3.start(&mut sim.k);
        Ok(sim)
    }

    pub fn model(&self) -> &Model {
        &self.model
    }
    pub fn now_ms(&self) -> u64 {
        self.k.now_ms()
    }
    /// The current virtual time in milliseconds, with microsecond resolution.
    pub fn now_ms_f64(&self) -> f64 {
        self.k.now() as f64 / US_PER_MS as f64
    }
    pub fn trace(&self) -> &[TraceEntry] {
        &self.k.trace
    }
    pub fn trace_hash(&self) -> u64 {
        trace_hash(&self.k.trace)
    }
    pub fn calls(&self) -> &[CallRecord] {
        &self.calls
    }
    /// Time of the next scheduled event, in ms.
    pub fn next_event_ms(&self) -> Option<f64> {
        self.k.peek_time().map(|t| t as f64 / US_PER_MS as f64)
    }

    /// Handles the next event: moves the clock to its time, then runs it to the end —
    /// a driver's call, an API call, a deferred answer, or a service's own event. Work
    /// it causes is scheduled (never run inside the same step), so one step is one
    /// event, and events at the same time run in the order they were scheduled.
    /// Returns false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(event) = self.k.pop() else {
            return false;
        };
        if let Some(p) = &self.progress {
            p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        match event {
            Event::Driver { index, rep } => self.fire_driver(index, rep),
            Event::Call {
                caller,
                action,
                params,
                waiter,
            } => {
                if let Outcome::Done(result) =
                    self.dispatch(&caller, &action, &params, waiter.clone())
                {
                    self.deliver(waiter, result);
                }
            }
            Event::Reply { waiter, result } => self.deliver(waiter, result),
            Event::Sqs(e) => self.sqs.handle(&mut self.k, e),
            Event::Lambda(LambdaEvent::BatchWindow { esm, window }) => {
                let arn = self.lambda.esms[esm].queue_arn.clone();
                let queue = self.sqs.logical_id_of(&arn).unwrap_or("").to_string();
                self.lambda
                    .batch_window_ended(&mut self.k, esm, window, &queue);
            }
            Event::Lambda(e) => self.lambda.handle(&mut self.k, e),
            Event::Sfn(e) => self.sfn.handle(&mut self.k, e),
            Event::Events(e) => self.events.handle(&mut self.k, e),
            Event::Firehose(e) => self.firehose.handle(&mut self.k, e),
        }
        true
    }

    /// A Kinesis mapping still has records to read (its polls are idle work).
    fn streams_have_work(&self) -> bool {
        self.lambda.streams_starting()
            || self
                .lambda
                .stream_positions()
                .into_iter()
                .any(|(name, shard, after, since)| {
                    self.kinesis.has_after(name, shard, after, since)
                })
    }

    /// A counter of the events run, shared with a watchdog on another thread.
    pub fn progress(&mut self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.progress.get_or_insert_with(Default::default).clone()
    }

    /// Runs every event up to and including `t_ms`, then sets the clock to exactly `t_ms`.
    pub fn run_until(&mut self, t_ms: u64) {
        let t = t_ms * US_PER_MS;
        while self.k.peek_time().is_some_and(|next| next <= t) {
            self.step();
        }
        self.k.advance_to(t);
    }

    /// Runs until nothing but idle polling is left (or `cap_ms` is reached).
    pub fn run_to_idle(&mut self, cap_ms: u64) {
        let cap = cap_ms * US_PER_MS;
        loop {
            if self.k.only_idle_left()
                && !self.sqs.has_deliverable_work(self.k.now())
                && !self.sfn.has_deadlines()
                && !self.streams_have_work()
            {
                return;
            }
            match self.k.peek_time() {
                None => return,
                Some(t) if t > cap => {
                    self.k.advance_to(cap);
                    return;
                }
                Some(_) => {
                    self.step();
                }
            }
        }
    }

    /// Makes an API call from outside (console, tests): `sqs:SendMessage` with the API's
    /// own request fields. A call that takes virtual time (a synchronous Invoke) runs the
    /// simulation forward until it is answered.
    pub fn call(&mut self, caller: &str, action: &str, params: Value) -> Result<Value, AwsError> {
        self.next_external += 1;
        let id = self.next_external;
        self.k.record(
            TraceKind::Call,
            caller,
            &self.target_of(&params),
            action.to_string(),
            params.clone(),
        );
        match self.dispatch(caller, action, &params, Waiter::External(id)) {
            Outcome::Done(r) => r,
            Outcome::Pending => {
                self.external.insert(id, None);
                while self.external.get(&id).is_some_and(Option::is_none) {
                    if !self.step() {
                        break;
                    }
                }
                self.external.remove(&id).flatten().unwrap_or_else(|| {
                    Err(AwsError::new(
                        "ServiceException",
                        "the call was never answered",
                        500,
                    ))
                })
            }
        }
    }

    fn fire_driver(&mut self, index: usize, rep: u64) {
        let d = self.drivers[index].clone();
        if rep + 1 < d.count {
            if let Some(every) = d.every_ms {
                self.k.schedule(
                    every * US_PER_MS,
                    Event::Driver {
                        index,
                        rep: rep + 1,
                    },
                );
            }
        }
        let params = drivers::with_index(&d.params, rep);
        let ci = self.calls.len();
        self.calls.push(CallRecord {
            at_ms: self.k.now_ms(),
            action: d.action.clone(),
            target: d.target.clone().unwrap_or_default(),
            result: None,
        });
        let to = d.target.clone().unwrap_or_else(|| self.target_of(&params));
        self.k.record(
            TraceKind::Call,
            "driver",
            &to,
            d.action.clone(),
            params.clone(),
        );
        if let Outcome::Done(r) = self.dispatch("driver", &d.action, &params, Waiter::Driver(ci)) {
            self.deliver(Waiter::Driver(ci), r);
        }
    }

    /// The logical id a request addresses, for the trace.
    fn target_of(&self, params: &Value) -> String {
        if let Some(ti) = params
            .get("TopicArn")
            .and_then(Value::as_str)
            .and_then(|a| self.sns.find_topic(a))
        {
            return self.sns.topics[ti].logical_id.clone();
        }
        for key in ["stateMachineArn", "executionArn"] {
            if let Some(v) = params.get(key).and_then(Value::as_str) {
                let mi = self
                    .sfn
                    .find_machine(v)
                    .or_else(|| self.sfn.machine_of_exec(v));
                if let Some(mi) = mi {
                    return self.sfn.machines[mi].logical_id.clone();
                }
            }
        }
        if let Some(bus) = params
            .pointer("/Entries/0/EventBusName")
            .and_then(Value::as_str)
            .and_then(|b| self.events.find_bus(b))
            .and_then(|b| self.events.buses[b].logical_id.clone())
        {
            return bus;
        }
        if let Some(si) = params
            .get("StreamName")
            .or(params.get("StreamARN"))
            .and_then(Value::as_str)
            .and_then(|n| self.kinesis.find(n.rsplit('/').next().unwrap_or(n)))
        {
            return self.kinesis.streams[si].logical_id.clone();
        }
        if let Some(si) = params
            .get("DeliveryStreamName")
            .and_then(Value::as_str)
            .and_then(|n| self.firehose.find(n))
        {
            return self.firehose.streams[si].logical_id.clone();
        }
        if let Some(bi) = params
            .get("Bucket")
            .and_then(Value::as_str)
            .and_then(|b| self.s3.find(b))
        {
            return self.s3.buckets[bi].logical_id.clone();
        }
        for key in ["QueueUrl", "FunctionName"] {
            if let Some(v) = params.get(key).and_then(Value::as_str) {
                if let Some(id) = self.sqs.logical_id_of(v) {
                    return id.to_string();
                }
                if let Some(fi) = self.lambda.find(v) {
                    return self.lambda.functions[fi].logical_id.clone();
                }
            }
        }
        String::new()
    }

    /// Routes `service:Action` to the service that owns it.
    fn dispatch(&mut self, caller: &str, action: &str, params: &Value, waiter: Waiter) -> Outcome {
        let Some((service, name)) = action.split_once(':') else {
            return Outcome::Done(Err(AwsError::client(
                "InvalidAction",
                format!("'{action}' is not service:Action (e.g. sqs:SendMessage)"),
            )));
        };
        if !params.is_object() {
            return Outcome::Done(Err(AwsError::client(
                "SerializationException",
                "the request must be a JSON object",
            )));
        }
        let token_machine = params
            .get("taskToken")
            .and_then(Value::as_str)
            .and_then(|t| self.sfn.machine_of_token(t));
        if let Err(denied) = self.iam.check(
            caller,
            service,
            name,
            params,
            token_machine,
            self.k.now_ms(),
        ) {
            let to = self.target_of(params);
            self.k.record(
                TraceKind::Failure,
                caller,
                &to,
                format!("{}: {}", denied.error.code, denied.error.message),
                json!({"error": denied.error.code, "message": denied.error.message, "hint": denied.hint}),
            );
            return Outcome::Done(Err(denied.error));
        }
        match service {
            "sqs" => self.sqs.call(&mut self.k, caller, name, params, waiter),
            "lambda" if name == "CreateFunction" => {
                let out = self.lambda.call(&mut self.k, caller, name, params, waiter);
                if let Outcome::Done(Ok(cfg)) = &out {
                    if let (Some(f), Some(r)) = (cfg["FunctionName"].as_str(), cfg["Role"].as_str())
                    {
                        self.iam.adopt(f, r);
                    }
                }
                out
            }
            "lambda" => self.lambda.call(&mut self.k, caller, name, params, waiter),
            "sns" => self.sns.call(&mut self.k, caller, name, params),
            "states" => self.sfn.call(&mut self.k, caller, name, params, waiter),
            "events" => self.events.call(&mut self.k, caller, name, params),
            "s3" => self.s3.call(&mut self.k, caller, name, params),
            "kinesis" => self.kinesis.call(&mut self.k, name, params),
            "firehose" => self.firehose.call(&mut self.k, name, params),
            "codedeploy" => self.lambda.codedeploy(&mut self.k, name, params),
            // An HTTP/S or email endpoint outside the account (SNS's sinks).
            "endpoint" => Outcome::Done(self.sns.endpoint_call(&mut self.k, caller, name, params)),
            other => Outcome::Done(Err(crate::services::unsupported(other, name))),
        }
    }

    fn deliver(&mut self, waiter: Waiter, result: Result<Value, AwsError>) {
        match waiter {
            Waiter::Nobody => {}
            Waiter::Driver(i) => {
                if let Some(c) = self.calls.get_mut(i) {
                    c.result = Some(result);
                }
            }
            Waiter::External(id) => {
                self.external.insert(id, Some(result));
            }
            Waiter::Sns(d) => self.sns.on_delivery(&mut self.k, *d, &result),
            Waiter::Sfn(w) => self.sfn.on_reply(&mut self.k, w, result),
            Waiter::Events(d) => self.events.on_reply(&mut self.k, *d, &result),
            Waiter::Firehose(p) => self.firehose.on_put_reply(&mut self.k, *p, &result),
            Waiter::Lambda(LambdaWaiter::Delivery {
                function,
                dead_letter,
            }) => {
                self.lambda
                    .on_delivery_reply(function, dead_letter, &result);
            }
            Waiter::Lambda(LambdaWaiter::Sdk { env, seq, call }) => {
                self.lambda
                    .on_sdk_reply(&mut self.k, env, seq, call, result);
            }
            Waiter::Lambda(LambdaWaiter::Stream(w)) => {
                let m = match &w {
                    StreamWaiter::Shards { m }
                    | StreamWaiter::Iterator { m, .. }
                    | StreamWaiter::Records { m, .. }
                    | StreamWaiter::Invoke { m, .. } => *m,
                };
                let arn = self.lambda.streams[m].stream_arn.clone();
                let stream = self
                    .kinesis
                    .find(arn.rsplit('/').next().unwrap_or(""))
                    .map(|i| self.kinesis.streams[i].logical_id.clone())
                    .unwrap_or_default();
                self.lambda.on_stream_reply(&mut self.k, w, result, &stream);
            }
            Waiter::Lambda(LambdaWaiter::Esm(w)) => {
                let esm = match &w {
                    EsmWaiter::Receive { esm } | EsmWaiter::Invoke { esm, .. } => *esm,
                };
                let arn = self.lambda.esms[esm].queue_arn.clone();
                let queue = self.sqs.logical_id_of(&arn).unwrap_or("").to_string();
                self.lambda.on_esm_reply(&mut self.k, w, result, &queue);
            }
        }
    }

    /// The headless runner's report (DESIGN.md, "The headless runner").
    pub fn report(&self) -> Value {
        let calls: Vec<Value> = self
            .calls
            .iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("at_ms".into(), json!(c.at_ms));
                o.insert("action".into(), json!(c.action));
                o.insert("target".into(), json!(c.target));
                match &c.result {
                    Some(Ok(v)) => {
                        o.insert("response".into(), v.clone());
                    }
                    Some(Err(e)) => {
                        o.insert("error".into(), e.to_json());
                    }
                    None => {
                        o.insert("pending".into(), json!(true));
                    }
                }
                Value::Object(o)
            })
            .collect();
        let mut resources = Map::new();
        for r in &self.model.resources {
            let v = if let Some(qi) = self
                .sqs
                .queues
                .iter()
                .position(|q| q.logical_id == r.logical_id)
            {
                self.sqs.report(qi, self.k.now())
            } else if let Some(ti) = self
                .sns
                .topics
                .iter()
                .position(|t| t.logical_id == r.logical_id)
            {
                self.sns.report(ti)
            } else if let Some(fi) = self
                .lambda
                .functions
                .iter()
                .position(|f| f.logical_id == r.logical_id)
            {
                self.lambda.report(fi)
            } else if let Some(mi) = self
                .sfn
                .machines
                .iter()
                .position(|m| m.logical_id == r.logical_id)
            {
                self.sfn.report(mi)
            } else if let Some(ri) = self
                .events
                .rules
                .iter()
                .position(|x| x.logical_id == r.logical_id)
            {
                self.events.report_rule(ri)
            } else if let Some(bi) = self
                .s3
                .buckets
                .iter()
                .position(|b| b.logical_id == r.logical_id)
            {
                self.s3.report(bi)
            } else if let Some(si) = self
                .kinesis
                .streams
                .iter()
                .position(|s| s.logical_id == r.logical_id)
            {
                self.kinesis.report(si)
            } else if let Some(si) = self
                .firehose
                .streams
                .iter()
                .position(|s| s.logical_id == r.logical_id)
            {
                self.firehose.report(si)
            } else if let Some(bi) = self
                .events
                .buses
                .iter()
                .position(|b| b.logical_id.as_deref() == Some(r.logical_id.as_str()))
            {
                self.events.report_bus(bi)
            } else {
                json!({})
            };
            // `type` first, as DESIGN.md's report shows, then what the service reports.
            let mut entry = Map::new();
            entry.insert("type".into(), json!(r.resource_type));
            if !r.supported {
                entry.insert("unsupported".into(), json!(true));
            }
            if let Value::Object(fields) = v {
                entry.extend(fields);
            }
            resources.insert(r.logical_id.clone(), Value::Object(entry));
        }
        let mut out = Map::new();
        out.insert("clock_ms".into(), json!(self.k.now_ms()));
        out.insert("calls".into(), Value::Array(calls));
        out.insert("resources".into(), Value::Object(resources));
        if !self.model.warnings.is_empty() {
            out.insert("warnings".into(), json!(self.model.warnings));
        }
        Value::Object(out)
    }

    /// Live state for the canvas badges and panels: queue depths, function concurrency,
    /// running executions and the newest executions of each state machine.
    pub fn snapshot(&self) -> Value {
        let now = self.k.now();
        let mut res = Map::new();
        for (qi, q) in self.sqs.queues.iter().enumerate() {
            // Queues made by CreateQueue during the run are not canvas nodes.
            if q.logical_id.is_empty() {
                continue;
            }
            let (visible, inflight, delayed) = self.sqs.depth(qi, now);
            let mut v = self.sqs.browse(qi, now, 25);
            v["visible"] = json!(visible);
            v["inflight"] = json!(inflight);
            v["delayed"] = json!(delayed);
            res.insert(q.logical_id.clone(), v);
        }
        for (fi, f) in self.lambda.functions.iter().enumerate() {
            let (busy, limit) = self.lambda.concurrency(fi);
            let (inv, err, thr) = self.lambda.counters(fi);
            res.insert(
                f.logical_id.clone(),
                json!({"busy": busy, "limit": limit, "invocations": inv, "errors": err, "throttles": thr}),
            );
        }
        for (mi, m) in self.sfn.machines.iter().enumerate() {
            res.insert(
                m.logical_id.clone(),
                json!({"running": self.sfn.running(mi), "executions": self.sfn.recent(mi, 20)}),
            );
        }
        for (si, s) in self.kinesis.streams.iter().enumerate() {
            if !s.logical_id.is_empty() {
                res.insert(
                    s.logical_id.clone(),
                    json!({"records": self.kinesis.held(si)}),
                );
            }
        }
        for (si, s) in self.firehose.streams.iter().enumerate() {
            if !s.logical_id.is_empty() {
                res.insert(
                    s.logical_id.clone(),
                    json!({"buffered": self.firehose.buffered(si)}),
                );
            }
        }
        for a in self
            .sfn
            .activities
            .iter()
            .filter(|a| !a.logical_id.is_empty())
        {
            let (tasks, pollers) = a.waiting();
            res.insert(
                a.logical_id.clone(),
                json!({"tasks_waiting": tasks, "workers_polling": pollers}),
            );
        }
        json!({ "clock_ms": self.now_ms_f64(), "resources": res })
    }
}

/// Every ARN, URL and name a template's resources answer to → their logical id, so a
/// state machine's Task calls can be drawn to the resource they reach.
fn resource_names(
    sqs: &Sqs,
    sns: &Sns,
    lambda: &Lambda,
    model: &Model,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for q in &sqs.queues {
        names.insert(q.url.clone(), q.logical_id.clone());
        names.insert(q.arn.clone(), q.logical_id.clone());
    }
    for t in &sns.topics {
        names.insert(t.arn.clone(), t.logical_id.clone());
    }
    for f in &lambda.functions {
        names.insert(f.arn.clone(), f.logical_id.clone());
        names.insert(f.name.clone(), f.logical_id.clone());
    }
    for r in &model.resources {
        if r.resource_type.ends_with("StateMachine") {
            let arn = format!(
                "arn:aws:states:{}:{}:stateMachine:{}",
                model.region, model.account, r.physical_name
            );
            names.insert(arn, r.logical_id.clone());
        }
    }
    names
}
