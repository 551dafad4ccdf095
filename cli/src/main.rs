//! `playground`: the headless runner. `run` loads a template, runs it in virtual time and
//! prints the report (DESIGN.md's contract); `check` validates a template; `share`
//! prints a share-link fragment; `bench` measures the engine.

mod bench;

use playground_core::{parse_duration_ms, Sim, DEFAULT_CAP_MS};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage:
  playground run TEMPLATE [--for DURATION] [--seed N] [--json]
  playground check TEMPLATE
  playground share TEMPLATE
  playground bench [--messages N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("playground: {msg}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let Some(cmd) = args.first() else {
        return Err(USAGE.into());
    };
    match cmd.as_str() {
        "run" => {
            let mut template = None;
            let mut duration = None;
            let mut seed = None;
            let mut json = false;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--for" => {
                        let v = it.next().ok_or("--for needs a duration, e.g. 10m")?;
                        duration = Some(parse_duration_ms(v).ok_or_else(|| {
                            format!("--for: '{v}' is not a duration (500ms, 30s, 10m, 2h)")
                        })?);
                    }
                    "--seed" => {
                        let v = it.next().ok_or("--seed needs a number")?;
                        seed = Some(
                            v.parse::<u64>()
                                .map_err(|_| format!("--seed: '{v}' is not a whole number"))?,
                        );
                    }
                    "--json" => json = true,
                    other if other.starts_with("--") => {
                        return Err(format!("unknown option {other}\n{USAGE}"))
                    }
                    other => template = Some(other.to_string()),
                }
            }
            let path = template.ok_or(USAGE)?;
            let text = read(&path)?;
            let mut sim = Sim::load_with_seed(&text, seed).map_err(|e| format!("{path}: {e}"))?;
            match duration {
                Some(d) => sim.run_until(d),
                None => sim.run_to_idle(DEFAULT_CAP_MS),
            }
            let report = sim.report();
            if json {
                let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
                // A closed pipe (`| head`) is not an error of the run.
                let _ = writeln!(std::io::stdout().lock(), "{text}");
            } else {
                print_summary(&sim, &report);
            }
            Ok(())
        }
        "check" => {
            let path = args.get(1).ok_or(USAGE)?;
            let text = read(path)?;
            let sim = Sim::load(&text).map_err(|e| format!("{path}: {e}"))?;
            for w in &sim.model().warnings {
                println!("warning: {w}");
            }
            println!("{path}: ok ({} resources)", sim.model().resources.len());
            Ok(())
        }
        "share" => {
            let path = args.get(1).ok_or(USAGE)?;
            let text = read(path)?;
            Sim::load(&text).map_err(|e| format!("{path}: {e}"))?;
            println!("#s={}", playground_core::share::encode(&text));
            Ok(())
        }
        "bench" => bench::run(&args[1..]),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}

fn print_summary(sim: &Sim, report: &serde_json::Value) {
    println!(
        "virtual time: {} ms, trace: {} entries",
        sim.now_ms(),
        sim.trace().len()
    );
    if let Some(resources) = report["resources"].as_object() {
        for (id, r) in resources {
            let metrics = r.get("metrics").map(|m| m.to_string()).unwrap_or_default();
            println!("{id} ({}): {metrics}", r["type"].as_str().unwrap_or(""));
        }
    }
}
