//! Lambda behaviour through the engine's API surface: invocation results and errors as
//! Node.js Lambda returns them, cold and warm environments, virtual-time timers,
//! timeouts for runaway code, throttling and asynchronous retries.

use playground_core::Sim;
use serde_json::{json, Value};

fn function(code: &str, extra: &str) -> Sim {
    let t = format!(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: fn\n      Runtime: nodejs22.x\n      Handler: index.handler\n{extra}      InlineCode: |\n{}\n",
        code.lines().map(|l| format!("        {l}")).collect::<Vec<_>>().join("\n")
    );
    Sim::load(&t).unwrap_or_else(|e| panic!("{e}\n{t}"))
}

fn invoke(sim: &mut Sim, payload: Value) -> Value {
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "fn", "Payload": payload.to_string()}),
    )
    .unwrap()
}

fn logs(sim: &Sim) -> Vec<String> {
    sim.report()["resources"]["Fn"]["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sync_invoke_returns_the_payload_and_warm_environments_keep_globals() {
    let mut sim = function(
        "let n = 0;\nexports.handler = async (event) => ({ n: ++n, got: event.x });",
        "",
    );
    let r1 = invoke(&mut sim, json!({"x": 1}));
    assert_eq!(r1["StatusCode"], 200);
    assert_eq!(r1["ExecutedVersion"], "$LATEST");
    assert_eq!(
        serde_json::from_str::<Value>(r1["Payload"].as_str().unwrap()).unwrap(),
        json!({"n": 1, "got": 1})
    );
    let r2 = invoke(&mut sim, json!({"x": 2}));
    assert_eq!(
        serde_json::from_str::<Value>(r2["Payload"].as_str().unwrap()).unwrap(),
        json!({"n": 2, "got": 2})
    );
    let reports: Vec<String> = logs(&sim)
        .into_iter()
        .filter(|l| l.starts_with("REPORT"))
        .collect();
    assert_eq!(reports.len(), 2);
    assert!(
        reports[0].contains("\tInit Duration: "),
        "cold start: {}",
        reports[0]
    );
    assert!(
        !reports[1].contains("Init Duration"),
        "warm start: {}",
        reports[1]
    );
    for field in [
        "Duration: ",
        "Billed Duration: ",
        "Memory Size: 128 MB",
        "Max Memory Used: ",
    ] {
        assert!(reports[0].contains(field), "{field} in {}", reports[0]);
    }
}

#[test]
fn the_event_is_what_json_parse_makes_of_the_payload() {
    // The engine builds the event object from the payload's JSON itself (boa's JSON.parse
    // is slow); the handler must see exactly what Node's JSON.parse would make of it.
    let mut sim = function(
        "exports.handler = async (event) => JSON.stringify([typeof event, event, Object.keys(event ?? {})]);",
        "",
    );
    let raw = |sim: &mut Sim, text: &str| -> Value {
        let r = sim
            .call(
                "console",
                "lambda:Invoke",
                json!({"FunctionName": "fn", "Payload": text}),
            )
            .unwrap();
        // The handler returns JSON text; the response payload is that string as JSON.
        let text: String = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    // A string payload is a string event, not parsed twice.
    let v = raw(&mut sim, "\"hello\"");
    assert_eq!(v, json!(["string", "hello", ["0", "1", "2", "3", "4"]]));
    // Numbers: integers past 32 bits and past 2^53 as JSON.parse rounds them.
    let v = raw(
        &mut sim,
        r#"{"big": 9007199254740993, "i": 4294967296, "f": -0.5}"#,
    );
    assert_eq!(
        v[1],
        json!({"big": 9007199254740992u64, "i": 4294967296u64, "f": -0.5})
    );
    // Keys: integer-like keys first, as JS objects order them; a repeated key keeps its
    // first place and its last value.
    let v = raw(&mut sim, r#"{"b": 1, "2": 2, "a": 3, "b": 4}"#);
    assert_eq!(v[2], json!(["2", "b", "a"]));
    assert_eq!(v[1]["b"], 4);
    // Escapes, including a surrogate pair, decode as JSON.parse decodes them.
    let v = raw(&mut sim, r#"{"s": "a\u00e9\ud83d\ude00\n"}"#);
    assert_eq!(v[1]["s"], "aé😀\n");
    // null and arrays.
    assert_eq!(raw(&mut sim, "null")[0], "object");
    assert_eq!(raw(&mut sim, "[1,[2]]")[1], json!([1, [2]]));
}

#[test]
fn console_log_lines_have_timestamp_request_id_and_level() {
    let mut sim = function(
        "exports.handler = async () => { console.log('hi', {a: 1}); console.error('bad'); };",
        "",
    );
    invoke(&mut sim, json!({}));
    let l = logs(&sim);
    assert!(l[0].starts_with("START RequestId: ") && l[0].ends_with(" Version: $LATEST"));
    let id = l[0].split_whitespace().nth(2).unwrap().to_string();
    assert!(
        l[1].ends_with(&format!("\t{id}\tINFO\thi {{ a: 1 }}")),
        "{}",
        l[1]
    );
    assert!(l[2].ends_with(&format!("\t{id}\tERROR\tbad")), "{}", l[2]);
    assert_eq!(l[3], format!("END RequestId: {id}"));
    assert!(l[4].starts_with(&format!("REPORT RequestId: {id}\tDuration: ")));
}

#[test]
fn unhandled_errors_return_error_type_message_and_trace() {
    let mut sim = function(
        "exports.handler = async () => {\n  throw new TypeError('bad input');\n};",
        "",
    );
    let r = invoke(&mut sim, json!({}));
    assert_eq!(r["FunctionError"], "Unhandled");
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["errorType"], "TypeError");
    assert_eq!(p["errorMessage"], "bad input");
    assert_eq!(p["trace"][0], "TypeError: bad input");
    assert!(
        p["trace"][1]
            .as_str()
            .unwrap()
            .contains("/var/task/index.js:2:"),
        "{p}"
    );
    assert!(logs(&sim)
        .iter()
        .any(|l| l.contains("\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\"")));
}

#[test]
fn es_module_handlers_run() {
    let mut sim = function(
        "export const handler = async (event) => ({ esm: true, v: event.v });",
        "",
    );
    let r = invoke(&mut sim, json!({"v": 3}));
    assert_eq!(r["Payload"], json!("{\"esm\":true,\"v\":3}"));
}

#[test]
fn await_on_a_timer_takes_virtual_time() {
    let mut sim = function(
        "exports.handler = async () => { const t0 = Date.now(); await new Promise(r => setTimeout(r, 1500)); return Date.now() - t0; };",
        "      Timeout: 5\n",
    );
    let before = sim.now_ms();
    let r = invoke(&mut sim, json!({}));
    assert_eq!(r["Payload"], json!("1500"));
    assert!(sim.now_ms() - before >= 1500);
    let report = logs(&sim)
        .into_iter()
        .find(|l| l.starts_with("REPORT"))
        .unwrap();
    let dur: f64 = report
        .split("Duration: ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1500.0..1600.0).contains(&dur), "{report}");
}

fn assert_timed_out(code: &str) {
    let mut sim = assert_times_out_once(code);
    // The environment is gone: the next invocation is a cold start, and it works.
    let r2 = invoke(&mut sim, json!({}));
    assert_eq!(
        r2["FunctionError"], "Unhandled",
        "the same code times out again"
    );
    let reports: Vec<String> = logs(&sim)
        .into_iter()
        .filter(|x| x.starts_with("REPORT"))
        .collect();
    assert!(reports[1].contains("Init Duration"));
}

fn assert_times_out_once(code: &str) -> Sim {
    // Room enough that the chain of promises an endless await keeps is not killed for
    // its memory first (with 128 MB it is: see tests/memory.rs).
    let mut sim = function(code, "      MemorySize: 2048\n");
    let r = invoke(&mut sim, json!({}));
    assert_eq!(r["FunctionError"], "Unhandled");
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["errorType"], "Sandbox.Timedout");
    assert!(p["errorMessage"]
        .as_str()
        .unwrap()
        .ends_with("Error: Task timed out after 3.00 seconds"));
    let l = logs(&sim);
    assert!(
        l.iter()
            .any(|x| x.ends_with("Task timed out after 3.00 seconds")),
        "{l:#?}"
    );
    let report = l.iter().find(|x| x.starts_with("REPORT")).unwrap();
    assert!(
        report.contains("Duration: 3000.00 ms") && report.ends_with("Status: timeout"),
        "{report}"
    );
    sim
}

#[test]
fn an_endless_loop_times_out_instead_of_hanging() {
    assert_timed_out("exports.handler = async () => { while (true) {} };");
}

#[test]
fn a_loop_calling_a_looping_function_times_out_even_if_caught() {
    // boa counts iterations per call frame: neither loop alone passes its limit, and
    // the uncatchable tick budget ends the pair (and a `try` around it cannot help).
    assert_timed_out("const inner = () => { let s = 0; for (let i = 0; i < 5e6; i++) s += i; return s; };\nexports.handler = async () => { for (;;) { try { inner(); } catch (e) {} } };");
}

#[test]
fn a_loop_calling_a_function_built_at_run_time_times_out() {
    assert_times_out_once("const inner = new Function('n', 'let x = 0; for (let i = 0; i < n; i++) x += i; return x;');\nexports.handler = async () => { const ok = inner instanceof Function && inner.constructor === Function && inner(4) === 6; if (!ok) return 'broken'; for (;;) inner(1e6); };");
}

#[test]
fn branching_recursion_without_loops_times_out() {
    // (Arrow bodies get their tick too: see instrument.rs.)
    assert_times_out_once("function f(n) { return n === 0 ? 1 : f(n - 1) + f(n - 1); }\nexports.handler = async () => f(60);");
}

#[test]
fn a_loop_over_a_function_with_an_unbraced_for_of_times_out() {
    // The unbraced `for … of` ticks through its iterable (each call of `sum` is far
    // below boa's own per-frame limit, and there is no block to put a tick in).
    assert_times_out_once("const a = new Array(100000).fill(1);\nfunction sum() { let s = 0; for (const x of a) s += x; return s; }\nexports.handler = async () => { let n = 0; while (true) n += sum(); };");
}

#[test]
fn an_endless_await_chain_times_out_instead_of_hanging() {
    assert_timed_out("exports.handler = async () => { const spin = async () => { await null; return spin(); }; await spin(); };");
}

#[test]
fn deep_recursion_is_nodes_range_error() {
    let mut sim = function(
        "const f = (n) => f(n + 1) + 1;\nexports.handler = async () => f(0);",
        "",
    );
    let r = invoke(&mut sim, json!({}));
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["errorType"], "RangeError");
    assert_eq!(p["errorMessage"], "Maximum call stack size exceeded");
}

#[test]
fn syntax_errors_fail_init_with_runtime_error_type() {
    let mut sim = function("exports.handler = async () => { return 1 +; };", "");
    let r = invoke(&mut sim, json!({}));
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["errorType"], "Runtime.UserCodeSyntaxError");
    assert!(logs(&sim)
        .iter()
        .any(|l| l.starts_with("INIT_REPORT Init Duration:") && l.contains("Status: error")));
}

#[test]
fn context_and_environment_variables() {
    let mut sim = function(
        "exports.handler = async (e, ctx) => ({ name: ctx.functionName, mem: ctx.memoryLimitInMB, left: ctx.getRemainingTimeInMillis(), region: process.env.AWS_REGION, mine: process.env.MINE, id: ctx.awsRequestId.length });",
        "      Environment:\n        Variables:\n          MINE: yes\n",
    );
    let r = invoke(&mut sim, json!({}));
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["name"], "fn");
    assert_eq!(p["mem"], "128");
    assert_eq!(p["left"], 3000);
    assert_eq!(p["region"], "us-east-1");
    assert_eq!(p["mine"], "yes");
    assert_eq!(p["id"], 36);
}

#[test]
fn reserved_concurrency_zero_throttles_every_call() {
    let mut sim = function(
        "exports.handler = async () => 1;",
        "      ReservedConcurrentExecutions: 0\n",
    );
    let e = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "fn"}))
        .unwrap_err();
    assert_eq!(e.code, "TooManyRequestsException");
    assert_eq!(e.message, "Rate Exceeded.");
    assert_eq!(e.status, 429);
    assert_eq!(sim.report()["resources"]["Fn"]["metrics"]["Throttles"], 1);
}

#[test]
fn unknown_function_is_resource_not_found() {
    let mut sim = function("exports.handler = async () => 1;", "");
    let e = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "nope"}))
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        e.message,
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    );
}

#[test]
fn async_invocations_retry_twice_one_then_two_minutes_apart() {
    let mut sim = function(
        "exports.handler = async () => { throw new Error('no'); };",
        "",
    );
    let r = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "InvocationType": "Event"}),
        )
        .unwrap();
    assert_eq!(r, json!({"StatusCode": 202}));
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let starts: Vec<f64> = sim
        .trace()
        .iter()
        .filter(|t| t.kind == playground_core::TraceKind::Log && t.summary.starts_with("START"))
        .map(|t| t.at_ms)
        .collect();
    assert_eq!(starts.len(), 3, "first try and two retries");
    // Each wait runs from the end of the failed attempt (which lasts a few ms).
    assert!(
        (starts[1] - starts[0] - 60_000.0).abs() < 50.0,
        "{starts:?}"
    );
    assert!(
        (starts[2] - starts[1] - 120_000.0).abs() < 50.0,
        "{starts:?}"
    );
    // All three attempts share the request id, as CloudWatch shows duplicates.
    let ids: Vec<String> = logs(&sim)
        .iter()
        .filter(|l| l.starts_with("START"))
        .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
}

#[test]
fn log_type_tail_returns_the_last_4_kb_of_the_log_base64() {
    let mut sim = function("exports.handler = async () => { console.log('x'.repeat(3000)); console.log('tail end'); return 1; };", "");
    let r = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "LogType": "Tail"}),
        )
        .unwrap();
    let raw = playground_core::util::base64_decode(r["LogResult"].as_str().unwrap()).unwrap();
    assert!(raw.len() <= 4096, "at most 4 KB: {}", raw.len());
    let text = String::from_utf8(raw).unwrap();
    assert!(text.contains("INFO\ttail end"), "{text}");
    assert!(text
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .starts_with("REPORT RequestId: "));
    let no_tail = invoke(&mut sim, json!({}));
    assert!(no_tail.get("LogResult").is_none());
}

#[test]
fn only_latest_can_be_invoked_until_versions_exist() {
    let mut sim = function("exports.handler = async () => 1;", "");
    assert!(sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "Qualifier": "$LATEST"})
        )
        .is_ok());
    assert!(sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn:$LATEST"})
        )
        .is_ok());
    let e = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "Qualifier": "live"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        e.message,
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:fn:live"
    );
}

#[test]
fn tmp_files_hmac_url_and_path() {
    let code = r#"
const fs = require('fs');
const path = require('node:path');
const crypto = require('crypto');
exports.handler = async (e) => {
  const out = {};
  fs.mkdirSync('/tmp/cache', { recursive: true });
  const file = path.join('/tmp', 'cache', 'n.txt');
  out.before = fs.existsSync(file);
  fs.writeFileSync(file, String(e.n));
  await fs.promises.writeFile('/tmp/cache/m.txt', 'x');
  out.read = fs.readFileSync(file, 'utf8');
  out.list = fs.readdirSync('/tmp/cache');
  try { fs.writeFileSync('/var/task/x', 'no'); } catch (err) { out.rofs = err.code; }
  try { fs.readFileSync('/tmp/none'); } catch (err) { out.missing = err.code; }
  out.hmac = crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex');
  out.sha1 = crypto.createHash('sha1').update('abc').digest('hex');
  const u = new URL('https://api.example.com:8443/orders/7?status=paid&tag=a+b#top');
  out.url = [u.hostname, u.port, u.pathname, u.searchParams.get('status'), u.searchParams.get('tag'), u.hash, u.origin];
  out.ext = path.extname('photo.final.jpg');
  return out;
};"#;
    let mut sim = function(code, "");
    let payload = |r: Value| -> Value {
        serde_json::from_str(r["Payload"].as_str().unwrap_or("null")).unwrap()
    };
    let first = payload(invoke(&mut sim, json!({"n": 1})));
    assert_eq!(first["before"], false, "{first}");
    assert_eq!(first["read"], "1");
    assert_eq!(first["list"], json!(["m.txt", "n.txt"]));
    assert_eq!(first["rofs"], "EROFS");
    assert_eq!(first["missing"], "ENOENT");
    assert_eq!(
        first["hmac"],
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    assert_eq!(first["sha1"], "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(
        first["url"],
        json!([
            "api.example.com",
            "8443",
            "/orders/7",
            "paid",
            "a b",
            "#top",
            "https://api.example.com:8443"
        ])
    );
    assert_eq!(first["ext"], ".jpg");
    // The same warm environment keeps its /tmp.
    let second = payload(invoke(&mut sim, json!({"n": 2})));
    assert_eq!(second["before"], true);
}
