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

/// Seconds one event may run before the run is stopped (`PLAYGROUND_WATCHDOG_SECS`).
const WATCHDOG_SECS: u64 = 30;

/// Runs `work` on a thread of its own while this one watches the simulation's event
/// count. Handler code is bounded by the JS engine's limits, but its loop limit counts
/// per call frame: a loop calling a function that loops can run for hours. The page
/// restarts its worker then; here, an event that runs for `WATCHDOG_SECS` of real time
/// ends the run with an error (exit 3) instead of hanging.
fn run_watched(
    load: impl FnOnce() -> Result<Sim, String> + Send + 'static,
    work: impl FnOnce(&mut Sim) -> Result<(), String> + Send + 'static,
) -> Result<(), String> {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};
    let limit = std::env::var("PLAYGROUND_WATCHDOG_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(WATCHDOG_SECS);
    let (tx, rx) = std::sync::mpsc::channel();
    let (ptx, prx) = std::sync::mpsc::channel();
    // The engine is not Send (its JS contexts are not): it is built, run and dropped
    // on the run's thread; only the event counter is shared.
    std::thread::Builder::new()
        .name("run".into())
        // As deep as the main thread's stack, and more: handlers recurse.
        .stack_size(64 << 20)
        .spawn(move || {
            let mut sim = match load() {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let _ = ptx.send(sim.progress());
            let _ = tx.send(work(&mut sim));
        })
        .map_err(|e| format!("cannot start the run: {e}"))?;
    let progress = match prx.recv() {
        Ok(p) => p,
        // Loading failed: its error is waiting.
        Err(_) => {
            return rx
                .recv()
                .unwrap_or_else(|_| Err("the run ended without a result".into()))
        }
    };
    let (mut seen, mut since) = (u64::MAX, Instant::now());
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(r) => return r,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("the run ended without a result".into())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        let now = progress.load(Ordering::Relaxed);
        if now != seen {
            (seen, since) = (now, Instant::now());
        } else if since.elapsed() >= Duration::from_secs(limit) {
            eprintln!(
                "playground: one event has run for {limit} s of real time without returning — a handler's loop nested in function calls, which the JS engine's per-frame loop limit does not catch; the run was stopped (the page restarts its worker the same way)"
            );
            std::process::exit(3);
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
            let load = move || Sim::load_with_seed(&text, seed).map_err(|e| format!("{path}: {e}"));
            run_watched(load, move |sim| {
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
                    print_summary(sim, &report);
                }
                Ok(())
            })
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
