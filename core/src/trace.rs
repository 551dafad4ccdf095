//! The trace: one ordered list of everything that happened in a run — API calls and
//! their results, deliveries, invocations, retries, moves to a dead-letter queue, log
//! lines. The UI animates it; the report and the determinism tests hash it.

use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    /// An API call made by a driver, the console or a service (`service:Action`).
    Call,
    /// The answer to a call that took virtual time (Invoke).
    Reply,
    /// A message or event carried from one resource to another.
    Delivery,
    /// A function invocation starting.
    Invoke,
    /// An invocation that ended in an error.
    Failure,
    /// A throttled call.
    Throttle,
    /// A message moved to a dead-letter queue.
    DeadLetter,
    /// A message visible again after its visibility timeout.
    Redelivery,
    /// A log line (CloudWatch Logs).
    Log,
}

#[derive(Clone, Debug, Serialize)]
pub struct TraceEntry {
    pub at_ms: f64,
    pub kind: TraceKind,
    /// Logical id of the sender (or `driver`, `console`).
    pub from: String,
    /// Logical id of the receiver.
    pub to: String,
    pub summary: String,
    pub detail: Value,
}

/// FNV-1a over the serialized trace: equal runs give equal hashes.
pub fn trace_hash(entries: &[TraceEntry]) -> u64 {
    let mut text = Vec::new();
    for e in entries {
        text.extend(serde_json::to_vec(e).unwrap_or_default());
    }
    crate::util::fnv1a(&text)
}
