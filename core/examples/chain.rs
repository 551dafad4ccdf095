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
    eprintln!("{} exec/s", n as f64 / t.elapsed().as_secs_f64());
}
