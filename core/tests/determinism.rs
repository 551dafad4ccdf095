//! Same template + same seed ⇒ the same run, byte for byte; another seed may differ.

use playground_core::Sim;

const EXAMPLE: &str = include_str!("../../public/examples/sqs-dlq.yaml");

fn run(seed: Option<u64>) -> (u64, String) {
    let mut sim = Sim::load_with_seed(EXAMPLE, seed).unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    (sim.trace_hash(), sim.report().to_string())
}

#[test]
fn same_seed_gives_the_same_trace_and_report() {
    let (h1, r1) = run(Some(11));
    let (h2, r2) = run(Some(11));
    assert_eq!(h1, h2, "seed 11: trace hashes differ");
    assert_eq!(r1, r2, "seed 11: reports differ");
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let (h1, _) = run(Some(11));
    let (h2, _) = run(Some(12));
    assert_ne!(h1, h2, "seeds 11 and 12 gave the same trace");
}
