//! A profiling harness for the Step Functions chain benchmark (the same definition and
//! input `playground bench` times): `cargo build --profile bench-native -p playground-core
//! --features fast-alloc --example chain`, then run it under `valgrind --tool=callgrind`
//! or `perf` with an execution count (default 2,000). Not a test; prints executions/s.

use playground_core::bench::{sfn_input, sfn_machine, sfn_run, SFN_CHAIN};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let mut sim = sfn_machine(SFN_CHAIN).unwrap();
    let input = sfn_input(false);
    let t = std::time::Instant::now();
    sfn_run(&mut sim, &input, n).unwrap();
    eprintln!("{:.0} executions/s", n as f64 / t.elapsed().as_secs_f64());
}
