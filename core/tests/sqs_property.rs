//! A randomized property test of SQS semantics: 100,000 operations (send, receive with
//! random visibility timeouts, delete, change visibility, time passing) on a standard and
//! a FIFO queue, checked after every step against a model of what SQS promises:
//! nothing deleted comes back, nothing is received while it is in flight, every message
//! is either deleted or still counted by the queue, and on the FIFO queue each group is
//! received in send order with at most one message of a group in flight... at a time.

use playground_core::rng::Rng;
use playground_core::Sim;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const T: &str = r#"
Resources:
  Std: { Type: AWS::SQS::Queue, Properties: { QueueName: std, MessageRetentionPeriod: 1209600 } }
  Fifo: { Type: AWS::SQS::Queue, Properties: { QueueName: f.fifo, FifoQueue: true, ContentBasedDeduplication: true, MessageRetentionPeriod: 1209600 } }
"#;

struct Tracked {
    body: String,
    group: Option<String>,
    receipt: Option<String>,
    /// Virtual ms until which the message is in flight (0: visible).
    inflight_until: u64,
}

fn run(fifo: bool, ops: usize, seed: u64) {
    let url = format!(
        "https://sqs.us-east-1.amazonaws.com/123456789012/{}",
        if fifo { "f.fifo" } else { "std" }
    );
    let mut sim = Sim::load(T).unwrap();
    let mut rng = Rng::new(seed);
    let mut live: BTreeMap<String, Tracked> = BTreeMap::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    // Live message ids per group, in send order (FIFO checks), and the in-flight ones.
    let mut by_group: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    let mut inflight: BTreeSet<String> = BTreeSet::new();
    let mut next = 0u64;
    for step in 0..ops {
        let now = sim.now_ms();
        let dice = rng.next_f64();
        if dice < 0.25 {
            next += 1;
            let body = format!("m{next}");
            let group = fifo.then(|| format!("g{}", (rng.next_f64() * 4.0) as u32));
            let mut p = json!({"QueueUrl": url, "MessageBody": body});
            if let Some(g) = &group {
                p["MessageGroupId"] = json!(g);
            }
            let r = sim.call("console", "sqs:SendMessage", p).unwrap();
            let id = r["MessageId"].as_str().unwrap().to_string();
            by_group.entry(group.clone()).or_default().push(id.clone());
            live.insert(
                id,
                Tracked {
                    body,
                    group,
                    receipt: None,
                    inflight_until: 0,
                },
            );
        } else if dice < 0.55 {
            let max = 1 + (rng.next_f64() * 10.0) as u64;
            let vt = (rng.next_f64() * 5.0) as u64;
            let r = sim
                .call(
                    "console",
                    "sqs:ReceiveMessage",
                    json!({"QueueUrl": url, "MaxNumberOfMessages": max, "VisibilityTimeout": vt}),
                )
                .unwrap();
            let msgs = r["Messages"].as_array().cloned().unwrap_or_default();
            assert!(
                msgs.len() as u64 <= max,
                "step {step}: more than MaxNumberOfMessages"
            );
            let mut groups_taken: BTreeMap<String, usize> = BTreeMap::new();
            for m in &msgs {
                let id = m["MessageId"].as_str().unwrap().to_string();
                assert!(
                    !deleted.contains(&id),
                    "step {step}: a deleted message came back"
                );
                let t = live
                    .get_mut(&id)
                    .unwrap_or_else(|| panic!("step {step}: unknown message {id}"));
                assert!(
                    t.inflight_until <= now,
                    "step {step}: {id} received while in flight until {}",
                    t.inflight_until
                );
                assert_eq!(m["Body"].as_str(), Some(t.body.as_str()));
                t.receipt = m["ReceiptHandle"].as_str().map(String::from);
                t.inflight_until = now + vt * 1000;
                inflight.insert(id.clone());
                if let Some(g) = &t.group {
                    *groups_taken.entry(g.clone()).or_default() += 1;
                }
            }
            if fifo {
                // Within a group, a received message has no earlier live message that
                // is not in this same batch (in flight, or left behind).
                for m in &msgs {
                    let id = m["MessageId"].as_str().unwrap();
                    let g = live[id].group.clone();
                    for earlier in by_group[&g].iter().take_while(|x| x.as_str() != id) {
                        let in_batch = msgs.iter().any(|x| x["MessageId"] == earlier.as_str());
                        assert!(
                            in_batch,
                            "step {step}: {id} of group {g:?} overtook {earlier}"
                        );
                    }
                }
            }
        } else if dice < 0.80 {
            // Delete one in-flight message with its latest receipt.
            inflight.retain(|id| live.get(id).is_some_and(|t| t.inflight_until > now));
            let candidates: Vec<String> = inflight.iter().cloned().collect();
            if let Some(id) = candidates.get((rng.next_f64() * candidates.len() as f64) as usize) {
                let receipt = live[id].receipt.clone().unwrap();
                sim.call(
                    "console",
                    "sqs:DeleteMessage",
                    json!({"QueueUrl": url, "ReceiptHandle": receipt}),
                )
                .unwrap();
                let t = live.remove(id).unwrap();
                by_group.get_mut(&t.group).unwrap().retain(|x| x != id);
                inflight.remove(id);
                deleted.insert(id.clone());
            }
        } else if dice < 0.88 {
            inflight.retain(|id| live.get(id).is_some_and(|t| t.inflight_until > now));
            let candidates: Vec<String> = inflight.iter().cloned().collect();
            if let Some(id) = candidates.get((rng.next_f64() * candidates.len() as f64) as usize) {
                let vt = (rng.next_f64() * 4.0) as u64;
                let receipt = live[id].receipt.clone().unwrap();
                sim.call(
                    "console",
                    "sqs:ChangeMessageVisibility",
                    json!({"QueueUrl": url, "ReceiptHandle": receipt, "VisibilityTimeout": vt}),
                )
                .unwrap();
                live.get_mut(id).unwrap().inflight_until = now + vt * 1000;
            }
        } else {
            let dt = (rng.next_f64() * 3000.0) as u64;
            sim.run_until(now + dt);
        }
    }
    let attrs = sim
        .call(
            "console",
            "sqs:GetQueueAttributes",
            json!({"QueueUrl": url, "AttributeNames": ["All"]}),
        )
        .unwrap()["Attributes"]
        .clone();
    let n = |k: &str| attrs[k].as_str().unwrap().parse::<usize>().unwrap();
    assert_eq!(
        n("ApproximateNumberOfMessages")
            + n("ApproximateNumberOfMessagesNotVisible")
            + n("ApproximateNumberOfMessagesDelayed"),
        live.len(),
        "every message is deleted or still in the queue"
    );
    let _: Value = attrs;
}

#[test]
fn standard_queue_keeps_its_promises_over_50000_operations() {
    run(false, 50_000, 42);
}

#[test]
fn fifo_queue_keeps_order_over_50000_operations() {
    run(true, 50_000, 7);
}
