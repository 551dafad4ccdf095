//! `playground`: the headless runner. `run` loads a template, runs it in virtual time and
//! prints the report (DESIGN.md's contract); `check` validates a template; `share`
//! prints a share-link fragment; `validate-asl` lists every problem of a state machine
//! definition as `ValidateStateMachineDefinition` does; `bench` measures the engine.

mod bench;

use playground_core::{parse_duration_ms, Sim, DEFAULT_CAP_MS};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage:
  playground run TEMPLATE [--for DURATION] [--seed N] [--json]
  playground check TEMPLATE
  playground share TEMPLATE
  playground validate-asl FILE [--json]   (an ASL definition, or a template's state machines)
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
        "validate-asl" => validate_asl(&args[1..]),
        "bench" => bench::run(&args[1..]),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}

/// Validates an ASL file (JSON or YAML), or every state machine in a template. Prints
/// one line per diagnostic (`ERROR CODE /json/location: message`); fails when any is
/// an error.
fn validate_asl(args: &[String]) -> Result<(), String> {
    use playground_core::asl::definition;
    let path = args.iter().find(|a| !a.starts_with("--")).ok_or(USAGE)?;
    let json = args.iter().any(|a| a == "--json");
    let text = read(path)?;
    let doc = playground_core::template::parse_template_text(&text)
        .map_err(|e| format!("{path}: INVALID_JSON_DESCRIPTION: {e}"))?;
    let mut machines = Vec::new();
    if doc.get("Resources").is_some() {
        let model =
            playground_core::template::load_value(doc).map_err(|e| format!("{path}: {e}"))?;
        for r in &model.resources {
            if r.resource_type.ends_with("::StateMachine") {
                let def = playground_core::sfn_definition(r).map_err(|e| format!("{path}: {e}"))?;
                machines.push((format!("{path}: {}", r.logical_id), def));
            }
        }
        if machines.is_empty() {
            return Err(format!("{path}: the template has no state machine"));
        }
    } else {
        machines.push((path.clone(), doc));
    }
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    for (name, def) in machines {
        let (_, diags) = definition::read(&def);
        let fail = diags.iter().any(|d| d.severity == "ERROR");
        failed |= fail;
        if json {
            let v = serde_json::json!({"result": if fail { "FAIL" } else { "OK" }, "diagnostics": diags});
            let _ = writeln!(out, "{v}");
            continue;
        }
        if diags.is_empty() {
            let _ = writeln!(out, "{name}: OK");
        }
        for d in diags {
            let loc = if d.location.is_empty() {
                "/"
            } else {
                &d.location
            };
            let _ = writeln!(
                out,
                "{name}: {} {} {loc}: {}",
                d.severity, d.code, d.message
            );
        }
    }
    if failed {
        return Err("the definition is not valid".into());
    }
    Ok(())
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
