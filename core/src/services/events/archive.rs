//! EventBridge archives and replays. An archive (`AWS::Events::Archive`, CreateArchive)
//! keeps the events its source bus receives that match its pattern (all of them without
//! one), for RetentionDays (0: indefinitely). StartReplay sends the archived events of a
//! time window back to the same bus — AWS refuses a replay to another bus — with a
//! `replay-name` field added to each, to every rule or only those in `FilterArns`; the
//! replay runs through the events in the order they were archived, one every
//! `REPLAY_STEP_MS`, STARTING → RUNNING → COMPLETED (or CANCELLED). Replayed events are
//! not archived again. DescribeArchive / ListArchives / DeleteArchive and
//! DescribeReplay / ListReplays / CancelReplay answer as EventBridge does.

use super::{Events, EventsEvent};
use crate::error::{AwsError, TemplateError};
use crate::kernel::Kernel;
use crate::patterns;
use crate::services::Event;
use crate::template::{json_prop, Model};
use crate::util::{iso8601, parse_iso8601_ms, req_str};
use serde_json::{json, Value};

/// Virtual time between two replayed events.
pub const REPLAY_STEP_MS: u64 = 10;

pub(crate) struct Archive {
    pub logical_id: Option<String>,
    pub name: String,
    pub arn: String,
    bus: usize,
    pattern: Option<Value>,
    retention_days: u64,
    /// (time archived in ms, the event).
    events: Vec<(u64, Value)>,
    deleted: bool,
}

pub(crate) struct Replay {
    name: String,
    arn: String,
    archive: usize,
    /// The rules it may reach (empty: every rule of the bus).
    filter: Vec<String>,
    start_ms: u64,
    end_ms: u64,
    state: &'static str,
    /// Events still to send, in order.
    queue: Vec<Value>,
    sent: usize,
    last_ms: Option<u64>,
}

fn not_found(what: &str, name: &str) -> AwsError {
    AwsError::client(
        "ResourceNotFoundException",
        format!("{what} {name} does not exist."),
    )
}

/// A timestamp the API takes: epoch seconds (the SDKs) or ISO 8601 (the CLI).
fn time_ms(p: &Value, field: &str) -> Result<u64, AwsError> {
    let bad = || {
        AwsError::client(
            "ValidationException",
            format!("Parameter {field} is not valid."),
        )
    };
    match p.get(field) {
        Some(Value::Number(n)) => n.as_f64().map(|s| (s * 1000.0) as u64).ok_or_else(bad),
        Some(Value::String(s)) => parse_iso8601_ms(s)
            .map(|ms| ms.max(0) as u64)
            .ok_or_else(bad),
        _ => Err(AwsError::client(
            "ValidationException",
            format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
        )),
    }
}

impl Events {
    /// The template's archives.
    pub(super) fn archives_from_model(&mut self, model: &Model) -> Result<(), TemplateError> {
        for r in model
            .resources
            .iter()
            .filter(|r| r.resource_type == "AWS::Events::Archive")
        {
            let path = format!("Resources.{}.Properties", r.logical_id);
            let source = req_source(&r.properties, &path)?;
            let bus = self.find_bus(source).ok_or_else(|| {
                TemplateError::at(
                    format!("{path}.SourceArn"),
                    format!("ResourceNotFoundException: Event bus {source} does not exist."),
                )
            })?;
            let pattern = json_prop(&r.properties, "EventPattern", &path)?;
            if let Some(p) = &pattern {
                patterns::validate_event_pattern(p).map_err(|e| {
                    TemplateError::at(
                        format!("{path}.EventPattern"),
                        format!(
                            "InvalidEventPatternException: Event pattern is not valid. Reason: {e}"
                        ),
                    )
                })?;
            }
            let retention_days = r
                .properties
                .get("RetentionDays")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            self.archives.push(Archive {
                logical_id: Some(r.logical_id.clone()),
                arn: self.arn(&format!("archive/{}", r.physical_name)),
                name: r.physical_name.clone(),
                bus,
                pattern,
                retention_days,
                events: Vec::new(),
                deleted: false,
            });
        }
        Ok(())
    }

    /// An event the bus received: into each of its archives whose pattern matches.
    pub(super) fn archive(&mut self, now_ms: u64, bus: usize, event: &Value) {
        if event.get("replay-name").is_some() {
            return;
        }
        for a in self
            .archives
            .iter_mut()
            .filter(|a| a.bus == bus && !a.deleted)
        {
            if a.pattern
                .as_ref()
                .is_none_or(|p| patterns::matches(p, event))
            {
                a.events.push((now_ms, event.clone()));
            }
        }
    }

    fn find_archive(&self, name_or_arn: &str) -> Option<usize> {
        self.archives
            .iter()
            .position(|a| !a.deleted && (a.name == name_or_arn || a.arn == name_or_arn))
    }

    /// Events still within the archive's retention.
    fn retained(&self, ai: usize, now_ms: u64) -> impl Iterator<Item = &(u64, Value)> {
        let a = &self.archives[ai];
        let keep_ms = a.retention_days * 86_400_000;
        a.events
            .iter()
            .filter(move |(t, _)| keep_ms == 0 || t + keep_ms > now_ms)
    }

    fn describe_archive(&self, ai: usize, now_ms: u64) -> Value {
        let a = &self.archives[ai];
        let (count, size) = self
            .retained(ai, now_ms)
            .fold((0, 0), |(n, b), (_, e)| (n + 1, b + e.to_string().len()));
        json!({
            "ArchiveArn": a.arn, "ArchiveName": a.name, "EventSourceArn": self.buses[a.bus].arn,
            "EventPattern": a.pattern.as_ref().map(Value::to_string), "State": "ENABLED",
            "RetentionDays": a.retention_days, "EventCount": count, "SizeBytes": size,
            "CreationTime": 0,
        })
    }

    fn describe_replay(&self, r: &Replay) -> Value {
        json!({
            "ReplayName": r.name, "ReplayArn": r.arn, "State": r.state,
            "EventSourceArn": self.archives[r.archive].arn,
            "Destination": {"Arn": self.buses[self.archives[r.archive].bus].arn, "FilterArns": r.filter},
            "EventStartTime": r.start_ms as f64 / 1000.0, "EventEndTime": r.end_ms as f64 / 1000.0,
            "EventLastReplayedTime": r.last_ms.map(|t| t as f64 / 1000.0),
        })
    }

    /// The archive and replay actions; `None` for any other action.
    pub(super) fn archive_call(
        &mut self,
        k: &mut Kernel<Event>,
        action: &str,
        p: &Value,
    ) -> Option<Result<Value, AwsError>> {
        let now = k.now_ms();
        Some(match action {
            "CreateArchive" => self.create_archive(p),
            "DescribeArchive" => req_str(p, "ArchiveName").and_then(|n| {
                let ai = self
                    .find_archive(n)
                    .ok_or_else(|| not_found("Archive", n))?;
                Ok(self.describe_archive(ai, now))
            }),
            "ListArchives" => Ok(json!({"Archives": (0..self.archives.len())
                .filter(|&i| !self.archives[i].deleted)
                .map(|i| self.describe_archive(i, now)).collect::<Vec<_>>()})),
            "DeleteArchive" => req_str(p, "ArchiveName").and_then(|n| {
                let ai = self
                    .find_archive(n)
                    .ok_or_else(|| not_found("Archive", n))?;
                self.archives[ai].deleted = true;
                Ok(json!({}))
            }),
            "StartReplay" => self.start_replay(k, p),
            "DescribeReplay" => req_str(p, "ReplayName").and_then(|n| {
                let r = self
                    .replays
                    .iter()
                    .find(|r| r.name == n)
                    .ok_or_else(|| not_found("Replay", n))?;
                Ok(self.describe_replay(r))
            }),
            "ListReplays" => Ok(
                json!({"Replays": self.replays.iter().map(|r| self.describe_replay(r)).collect::<Vec<_>>()}),
            ),
            "CancelReplay" => req_str(p, "ReplayName").and_then(|n| {
                let r = self
                    .replays
                    .iter_mut()
                    .find(|r| r.name == n)
                    .ok_or_else(|| not_found("Replay", n))?;
                if r.state == "COMPLETED" || r.state == "CANCELLED" {
                    return Err(AwsError::client(
                        "IllegalStatusException",
                        format!("Replay {n} is not in a state that can be cancelled."),
                    ));
                }
                r.state = "CANCELLED";
                r.queue.clear();
                Ok(json!({"ReplayArn": r.arn, "State": "CANCELLING"}))
            }),
            _ => return None,
        })
    }

    fn create_archive(&mut self, p: &Value) -> Result<Value, AwsError> {
        let name = req_str(p, "ArchiveName")?;
        if self.find_archive(name).is_some() {
            return Err(AwsError::client(
                "ResourceAlreadyExistsException",
                format!("Archive {name} already exists."),
            ));
        }
        let source = req_str(p, "EventSourceArn")?;
        let bus = self
            .find_bus(source)
            .ok_or_else(|| not_found("Event bus", source))?;
        let pattern = match p.get("EventPattern") {
            Some(Value::String(s)) => Some(serde_json::from_str(s).map_err(|e| {
                AwsError::client(
                    "InvalidEventPatternException",
                    format!("Event pattern is not valid. Reason: {e}"),
                )
            })?),
            _ => None,
        };
        if let Some(pt) = &pattern {
            patterns::validate_event_pattern(pt).map_err(|e| {
                AwsError::client(
                    "InvalidEventPatternException",
                    format!("Event pattern is not valid. Reason: {e}"),
                )
            })?;
        }
        let arn = self.arn(&format!("archive/{name}"));
        self.archives.push(Archive {
            logical_id: None,
            name: name.to_string(),
            arn: arn.clone(),
            bus,
            pattern,
            retention_days: p.get("RetentionDays").and_then(Value::as_u64).unwrap_or(0),
            events: Vec::new(),
            deleted: false,
        });
        Ok(json!({"ArchiveArn": arn, "State": "ENABLED", "CreationTime": 0}))
    }

    fn start_replay(&mut self, k: &mut Kernel<Event>, p: &Value) -> Result<Value, AwsError> {
        let name = req_str(p, "ReplayName")?;
        if self.replays.iter().any(|r| r.name == name) {
            return Err(AwsError::client(
                "ResourceAlreadyExistsException",
                format!("Replay {name} already exists."),
            ));
        }
        let source = req_str(p, "EventSourceArn")?;
        let ai = self
            .find_archive(source.rsplit('/').next().unwrap_or(source))
            .ok_or_else(|| not_found("Archive", source))?;
        let start = time_ms(p, "EventStartTime")?;
        let end = time_ms(p, "EventEndTime")?;
        let now = k.now_ms();
        if start >= end {
            return Err(AwsError::client(
                "ValidationException",
                "Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.",
            ));
        }
        if end > now {
            return Err(AwsError::client(
                "ValidationException",
                "Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.",
            ));
        }
        let dest = p
            .pointer("/Destination/Arn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                AwsError::client(
                    "ValidationException",
                    "1 validation error detected: Value null at 'destination' failed to satisfy constraint: Member must not be null",
                )
            })?;
        if self.find_bus(dest) != Some(self.archives[ai].bus) {
            return Err(AwsError::client(
                "ValidationException",
                "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.",
            ));
        }
        let filter: Vec<String> = p
            .pointer("/Destination/FilterArns")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let queue: Vec<Value> = self
            .retained(ai, now)
            .filter(|(t, _)| *t >= start && *t < end)
            .map(|(_, e)| {
                let mut e = e.clone();
                e["replay-name"] = json!(name);
                e
            })
            .collect();
        let arn = self.arn(&format!("replay/{name}"));
        self.replays.push(Replay {
            name: name.to_string(),
            arn: arn.clone(),
            archive: ai,
            filter,
            start_ms: start,
            end_ms: end,
            state: "STARTING",
            queue,
            sent: 0,
            last_ms: None,
        });
        k.schedule(
            REPLAY_STEP_MS * 1000,
            Event::Events(EventsEvent::Replay {
                replay: self.replays.len() - 1,
            }),
        );
        Ok(json!({"ReplayArn": arn, "State": "STARTING", "ReplayStartTime": now as f64 / 1000.0}))
    }

    /// The next event of a replay goes to the bus.
    pub(super) fn replay_step(&mut self, k: &mut Kernel<Event>, ri: usize) {
        let r = &mut self.replays[ri];
        if r.state == "CANCELLED" {
            return;
        }
        if r.sent >= r.queue.len() {
            r.state = "COMPLETED";
            return;
        }
        r.state = "RUNNING";
        let event = r.queue[r.sent].clone();
        r.sent += 1;
        r.last_ms = Some(k.now_ms());
        let (bus, filter) = (self.archives[r.archive].bus, r.filter.clone());
        let archive = self.archives[r.archive]
            .logical_id
            .clone()
            .unwrap_or_default();
        let to = self.buses[bus].logical_id.clone().unwrap_or_default();
        k.record(
            crate::trace::TraceKind::Delivery,
            &archive,
            &to,
            format!(
                "replayed {} from {}",
                event["detail-type"].as_str().unwrap_or(""),
                event["source"].as_str().unwrap_or("")
            ),
            json!({"EventId": event["id"], "replay-name": event["replay-name"], "time": iso8601(k.now_ms())}),
        );
        self.route_to(k, bus, &event, &filter);
        k.schedule(
            REPLAY_STEP_MS * 1000,
            Event::Events(EventsEvent::Replay { replay: ri }),
        );
    }
}

fn req_source<'a>(p: &'a Value, path: &str) -> Result<&'a str, TemplateError> {
    p.get("SourceArn").and_then(Value::as_str).ok_or_else(|| {
        TemplateError::at(
            format!("{path}.SourceArn"),
            "an archive needs SourceArn (the event bus it keeps events of)",
        )
    })
}
