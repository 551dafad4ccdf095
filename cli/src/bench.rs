//! `playground bench`: engine throughput (N messages SQS → Lambda, default 10,000; and SQS
//! alone: send, receive and delete), the
//! cost of one trivial synchronous invocation, a burst of 1,000 asynchronous invocations
//! against reserved concurrency 100, and Step Functions executions per second
//! (a 10-state Pass/Choice chain, a Map over 1,000 items), natively. The same scenarios
//! run in wasm through `scripts/bench.sh`; the README lists both.

use playground_core::{bench, Sim};
use std::time::Instant;

/// Rounds of each Step Functions measurement; the median is printed.
const ROUNDS: usize = 5;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut messages = 10_000u64;
    let mut invocations = 5_000u64;
    let mut executions = 2_000u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--messages" => {
                messages = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--messages needs a number")?
            }
            "--invocations" => {
                invocations = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--invocations needs a number")?
            }
            "--executions" => {
                executions = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--executions needs a number")?
            }
            other => return Err(format!("unknown bench option {other}")),
        }
    }
    let t0 = Instant::now();
    let (_, entries) = bench::run_pipeline(messages)?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "native  sqs->lambda      {messages} messages in {secs:.3} s = {:.0} messages/s ({entries} trace entries)",
        messages as f64 / secs
    );
    let mut sim = bench::trivial_function()?;
    let t0 = Instant::now();
    for i in 0..invocations {
        bench::invoke_trivial(&mut sim, i)?;
    }
    let per = t0.elapsed().as_secs_f64() / invocations as f64;
    println!("native  trivial handler  {:.1} µs per warm synchronous invocation = {:.0} invocations/s ({invocations} invocations)", per * 1e6, 1.0 / per);
    let mut sim = bench::sqs_caller_function()?;
    let t0 = Instant::now();
    for i in 0..invocations {
        bench::invoke_sqs_caller(&mut sim, i)?;
    }
    let per = t0.elapsed().as_secs_f64() / invocations as f64;
    println!("native  one SQS call     {:.1} µs per warm synchronous invocation = {:.0} invocations/s ({invocations} invocations, each sending one message)", per * 1e6, 1.0 / per);
    let t0 = Instant::now();
    let n = bench::sqs_roundtrip(messages)?;
    let secs = t0.elapsed().as_secs_f64();
    if n != messages {
        return Err(format!("sqs round trip: {n} of {messages} deleted"));
    }
    println!("native  sqs round trip  {n} messages sent, received and deleted (batches of 10) in {secs:.3} s = {:.0} messages/s", n as f64 / secs);
    let mut sim = Sim::load(bench::burst_template()).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    bench::run_burst(&mut sim, 1_000)?;
    let secs = t0.elapsed().as_secs_f64();
    let (sent, throttles) = bench::burst_result(&sim);
    if sent != 1_000 {
        return Err(format!("burst: only {sent} of 1000 handlers finished"));
    }
    println!("native  burst 1000/100  1000 async invocations, reserved concurrency 100, one SQS call each: {secs:.3} s ({throttles} throttles, virtual {:.1} s)", sim.now_ms() as f64 / 1000.0);
    for (label, def, map, n) in [
        ("sfn chain ", bench::SFN_CHAIN, false, executions),
        (
            "sfn map1000",
            bench::SFN_MAP,
            true,
            (executions / 100).max(1),
        ),
    ] {
        // A round lasts tens of milliseconds, so one stray pause on a shared machine
        // moves it by half: the median of ROUNDS rounds (fresh engines) is reported, as
        // scripts/bench-sfn-local.mjs does for the comparison.
        let input = bench::sfn_input(map);
        let mut rounds = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let mut sim = bench::sfn_machine(def)?;
            let t0 = Instant::now();
            bench::sfn_run(&mut sim, &input, n)?;
            rounds.push(t0.elapsed().as_secs_f64());
            let ok = bench::sfn_succeeded(&sim);
            if ok != n {
                return Err(format!("{label}: only {ok} of {n} executions succeeded"));
            }
        }
        rounds.sort_by(f64::total_cmp);
        let secs = rounds[ROUNDS / 2];
        println!(
            "native  {label}      {n} executions in {secs:.3} s = {:.0} executions/s (median of {ROUNDS} rounds)",
            n as f64 / secs
        );
    }
    Ok(())
}
