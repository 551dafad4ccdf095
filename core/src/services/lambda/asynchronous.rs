//! Asynchronous invocation, as Lambda runs it: the event waits in the function's
//! internal queue; a failed attempt is retried up to `MaximumRetryAttempts` times (0–2,
//! default 2) — one minute before the first retry, two before the second; a throttled
//! event is kept and retried with growing back-off; an event older than
//! `MaximumEventAgeInSeconds` (60–21,600, default 6 h) is dropped. What finally happens
//! goes to the destinations (`OnSuccess` / `OnFailure`, with Lambda's invocation record)
//! and, for failures, to the dead-letter queue (the original event with the RequestID,
//! ErrorCode and ErrorMessage attributes). Deliveries are API calls like any other.

use super::{AsyncEvent, Lambda, LambdaWaiter};
use crate::error::TemplateError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::{Event, Waiter};
use crate::template::{num_prop, Resource};
use crate::trace::TraceKind;
use crate::util::iso8601;
use serde_json::{json, Value};

pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_EVENT_AGE_S: u64 = 21_600;
/// Longest back-off between tries of a throttled event (Lambda: up to 5 minutes).
pub const MAX_THROTTLE_BACKOFF_S: u64 = 300;

#[derive(Clone, Debug)]
pub(crate) struct AsyncConfig {
    pub max_retries: u32,
    pub max_age_s: u64,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    pub dead_letter: Option<String>,
}

impl Default for AsyncConfig {
    fn default() -> Self {
        AsyncConfig {
            max_retries: DEFAULT_MAX_RETRIES,
            max_age_s: DEFAULT_MAX_EVENT_AGE_S,
            on_success: None,
            on_failure: None,
            dead_letter: None,
        }
    }
}

/// Why an event ended without success (the record's `requestContext.condition`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Condition {
    RetriesExhausted,
    EventAgeExceeded,
}

impl Condition {
    fn as_str(self) -> &'static str {
        match self {
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }
}

fn destination_arn(v: &Value, path: &str) -> Result<String, TemplateError> {
    let arn = v
        .get("Destination")
        .or_else(|| v.get("TargetArn"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            TemplateError::at(path, "a destination needs the target's ARN (Destination)")
        })?;
    let ok = ["arn:aws:sqs:", "arn:aws:lambda:", "arn:aws:sns:"]
        .iter()
        .any(|p| arn.starts_with(p))
        || (arn.starts_with("arn:aws:events:") && arn.contains(":event-bus/"));
    if ok {
        Ok(arn.to_string())
    } else {
        Err(TemplateError::at(
            path,
            format!("'{arn}': a destination is an SQS queue, an SNS topic, a Lambda function or an EventBridge event bus"),
        ))
    }
}

fn parse_event_invoke_config(
    cfg: &mut AsyncConfig,
    p: &Value,
    path: &str,
) -> Result<(), TemplateError> {
    if let Some(n) = num_prop(p, "MaximumRetryAttempts", path)? {
        if !(0.0..=2.0).contains(&n) {
            return Err(TemplateError::at(
                format!("{path}.MaximumRetryAttempts"),
                format!("MaximumRetryAttempts must be between 0 and 2, got {n}"),
            ));
        }
        cfg.max_retries = n as u32;
    }
    if let Some(n) = num_prop(p, "MaximumEventAgeInSeconds", path)? {
        if !(60.0..=21_600.0).contains(&n) {
            return Err(TemplateError::at(
                format!("{path}.MaximumEventAgeInSeconds"),
                format!("MaximumEventAgeInSeconds must be between 60 and 21600, got {n}"),
            ));
        }
        cfg.max_age_s = n as u64;
    }
    if let Some(d) = p.get("DestinationConfig") {
        let dp = format!("{path}.DestinationConfig");
        if let Some(s) = d.get("OnSuccess") {
            cfg.on_success = Some(destination_arn(s, &format!("{dp}.OnSuccess"))?);
        }
        if let Some(f) = d.get("OnFailure") {
            cfg.on_failure = Some(destination_arn(f, &format!("{dp}.OnFailure"))?);
        }
    }
    Ok(())
}

/// A function's asynchronous settings from its own properties (SAM `EventInvokeConfig`
/// and `DeadLetterQueue`, CloudFormation `DeadLetterConfig`).
pub(crate) fn config_of(r: &Resource) -> Result<AsyncConfig, TemplateError> {
    let mut cfg = AsyncConfig::default();
    let path = format!("Resources.{}.Properties", r.logical_id);
    let p = &r.properties;
    if let Some(e) = p.get("EventInvokeConfig") {
        parse_event_invoke_config(&mut cfg, e, &format!("{path}.EventInvokeConfig"))?;
    }
    let dlq = p
        .get("DeadLetterQueue")
        .or_else(|| p.get("DeadLetterConfig"));
    if let Some(d) = dlq {
        let key = if p.get("DeadLetterQueue").is_some() {
            "DeadLetterQueue"
        } else {
            "DeadLetterConfig"
        };
        let arn = d.get("TargetArn").and_then(Value::as_str).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.{key}.TargetArn"),
                "a dead-letter queue needs TargetArn",
            )
        })?;
        if !arn.starts_with("arn:aws:sqs:") && !arn.starts_with("arn:aws:sns:") {
            return Err(TemplateError::at(
                format!("{path}.{key}.TargetArn"),
                format!("'{arn}': a dead-letter queue is an SQS queue or an SNS topic"),
            ));
        }
        cfg.dead_letter = Some(arn.to_string());
    }
    Ok(cfg)
}

/// Applies `AWS::Lambda::EventInvokeConfig` resources to the functions they name.
pub(crate) fn apply_event_invoke_configs(
    lambda: &mut Lambda,
    resources: &[Resource],
) -> Result<(), TemplateError> {
    for r in resources
        .iter()
        .filter(|r| r.resource_type == "AWS::Lambda::EventInvokeConfig")
    {
        let path = format!("Resources.{}.Properties", r.logical_id);
        let name = r
            .properties
            .get("FunctionName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let fi = lambda.find(name).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.FunctionName"),
                format!("no function named '{name}' in this template"),
            )
        })?;
        parse_event_invoke_config(&mut lambda.functions[fi].async_config, &r.properties, &path)?;
    }
    Ok(())
}

const SECOND: u64 = 1_000 * US_PER_MS;

/// Would the event be older than its maximum age at time `at` (µs)?
fn too_old(at: u64, enqueued_us: u64, max_age_s: u64) -> bool {
    at.saturating_sub(enqueued_us) > max_age_s * SECOND
}

impl Lambda {
    /// After an asynchronous attempt: success, a scheduled retry, or the final failure.
    pub(super) fn async_done(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        event: AsyncEvent,
        result: &Result<String, String>,
    ) {
        let cfg = self.functions[fi].async_config.clone();
        let lid = self.functions[fi].logical_id.clone();
        match result {
            Ok(payload) => {
                if let Some(dest) = cfg.on_success {
                    let record = self.record(k, fi, &event, "Success", Some(payload), None);
                    self.deliver_to(k, fi, &dest, record, false);
                }
            }
            Err(error) if event.attempt < cfg.max_retries => {
                let wait_s = if event.attempt == 0 { 60 } else { 120 };
                if too_old(k.now() + wait_s * SECOND, event.enqueued_us, cfg.max_age_s) {
                    self.async_failed(k, fi, event, Condition::EventAgeExceeded, Some(error));
                    return;
                }
                let next = AsyncEvent {
                    attempt: event.attempt + 1,
                    ..event
                };
                k.record(
                    TraceKind::Delivery,
                    &lid,
                    &lid,
                    format!("retry {} in {wait_s} s", next.attempt),
                    json!({"RequestId": next.request_id}),
                );
                k.schedule(
                    wait_s * SECOND,
                    Event::Lambda(super::LambdaEvent::AsyncAttempt {
                        function: fi,
                        event: Box::new(next),
                    }),
                );
            }
            Err(error) => self.async_failed(k, fi, event, Condition::RetriesExhausted, Some(error)),
        }
    }

    /// A throttled event: kept and tried again after a growing back-off, until too old.
    pub(super) fn async_throttled(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        mut event: AsyncEvent,
    ) {
        let cfg = &self.functions[fi].async_config;
        let backoff_s = (1u64 << event.throttles.min(9)).min(MAX_THROTTLE_BACKOFF_S);
        if too_old(
            k.now() + backoff_s * SECOND,
            event.enqueued_us,
            cfg.max_age_s,
        ) {
            self.async_failed(k, fi, event, Condition::EventAgeExceeded, None);
            return;
        }
        event.throttles += 1;
        k.schedule(
            backoff_s * SECOND,
            Event::Lambda(super::LambdaEvent::AsyncAttempt {
                function: fi,
                event: Box::new(event),
            }),
        );
    }

    fn async_failed(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        event: AsyncEvent,
        condition: Condition,
        error: Option<&String>,
    ) {
        let cfg = self.functions[fi].async_config.clone();
        let lid = self.functions[fi].logical_id.clone();
        self.functions[fi].metrics.async_dropped += 1;
        k.record(
            TraceKind::Failure,
            &lid,
            &lid,
            format!("asynchronous event discarded: {}", condition.as_str()),
            json!({"RequestId": event.request_id, "condition": condition.as_str()}),
        );
        if let Some(dest) = &cfg.on_failure {
            let record = self.record(k, fi, &event, condition.as_str(), None, error);
            self.deliver_to(k, fi, dest, record, false);
        }
        if let Some(dlq) = &cfg.dead_letter {
            let err: Value = error
                .and_then(|e| serde_json::from_str(e).ok())
                .unwrap_or(json!({}));
            let mut message: String = err["errorMessage"]
                .as_str()
                .unwrap_or(condition.as_str())
                .to_string();
            message.truncate(1024);
            let attributes = json!({
                "RequestID": {"DataType": "String", "StringValue": event.request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": message},
            });
            // An SNS dead-letter topic gets the same event and attributes as a queue.
            let (action, mut params) = crate::services::send_to(dlq, event.payload.clone())
                .expect("dead-letter targets are SQS or SNS (checked at load)");
            params["MessageAttributes"] = attributes;
            k.schedule(
                0,
                Event::Call {
                    caller: lid.clone(),
                    action: action.into(),
                    params,
                    waiter: Waiter::Lambda(LambdaWaiter::Delivery {
                        function: fi,
                        dead_letter: true,
                    }),
                },
            );
        }
    }

    /// Lambda's invocation record for destinations.
    fn record(
        &self,
        k: &Kernel<Event>,
        fi: usize,
        event: &AsyncEvent,
        condition: &str,
        payload: Option<&String>,
        error: Option<&String>,
    ) -> Value {
        let f = &self.functions[fi];
        let request: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let mut response_context = json!({"statusCode": 200, "executedVersion": "$LATEST"});
        let response = match (payload, error) {
            (Some(p), _) => serde_json::from_str(p).unwrap_or(Value::Null),
            (None, Some(e)) => {
                response_context["functionError"] = json!("Unhandled");
                serde_json::from_str(e).unwrap_or(Value::Null)
            }
            (None, None) => Value::Null,
        };
        json!({
            "version": "1.0",
            "timestamp": iso8601(k.now_ms()),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": format!("{}:$LATEST", f.arn),
                "condition": condition,
                "approximateInvokeCount": event.attempt + 1,
            },
            "requestPayload": request,
            "responseContext": response_context,
            "responsePayload": response,
        })
    }

    fn deliver_to(
        &mut self,
        k: &mut Kernel<Event>,
        fi: usize,
        arn: &str,
        record: Value,
        dead_letter: bool,
    ) {
        let caller = self.functions[fi].logical_id.clone();
        let (action, params) = if arn.starts_with("arn:aws:events:") {
            // EventBridge gets the record as an event's detail, with Lambda as the source.
            let ok = record["requestContext"]["condition"] == "Success";
            (
                "events:PutEvents",
                json!({"Entries": [{
                    "Source": "lambda",
                    "DetailType": if ok { "Lambda Function Invocation Result - Success" } else { "Lambda Function Invocation Result - Failure" },
                    "Detail": record.to_string(),
                    "Resources": [arn, self.functions[fi].arn],
                    "EventBusName": arn,
                }]}),
            )
        } else {
            crate::services::send_to(arn, record.to_string())
                .expect("destinations are SQS, SNS, Lambda or EventBridge (checked at load)")
        };
        k.schedule(
            0,
            Event::Call {
                caller,
                action: action.into(),
                params,
                waiter: Waiter::Lambda(LambdaWaiter::Delivery {
                    function: fi,
                    dead_letter,
                }),
            },
        );
    }

    /// A destination or dead-letter delivery answered: count failures as CloudWatch does.
    pub fn on_delivery_reply(
        &mut self,
        fi: usize,
        dead_letter: bool,
        result: &Result<Value, crate::error::AwsError>,
    ) {
        if result.is_err() {
            let m = &mut self.functions[fi].metrics;
            if dead_letter {
                m.dead_letter_errors += 1;
            } else {
                m.destination_failures += 1;
            }
        }
    }
}
