//! One execution environment's JavaScript engine (boa): a context that lives as long as
//! the environment, so globals survive warm invocations. Time inside JS is the kernel's
//! virtual time (a fixed clock that the Lambda service moves); `Math.random` draws from
//! a seeded generator; timers are handed to the kernel instead of sleeping.
//!
//! Runaway code cannot hang the engine: a loop-iteration limit, a recursion limit and a
//! budget of promise jobs per run stop it. The Lambda service turns a stopped loop or an
//! endless await chain into the timeout Lambda would report, and deep recursion into
//! Node's `RangeError: Maximum call stack size exceeded`.

use crate::rng::Rng;
use boa_engine::context::time::JsInstant;
use boa_engine::context::Clock;
use boa_engine::error::{EngineError, RuntimeLimitError};
use boa_engine::job::{GenericJob, Job, JobExecutor, NativeAsyncJob, PromiseJob};
use boa_engine::module::Module;
use boa_engine::object::ObjectInitializer;
use boa_engine::property::Attribute;
use boa_engine::{
    js_string, Context, JsError, JsNativeError, JsObject, JsResult, JsValue, NativeFunction, Source,
};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

const RUNTIME_JS: &str = include_str!("runtime.js");

/// Loop iterations one frame may run before it counts as spinning (boa: ≈ 90 ms).
pub const LOOP_ITERATION_LIMIT: u64 = 10_000_000;
/// Call depth standing in for Node's stack limit.
pub const RECURSION_LIMIT: usize = 2_000;
/// Promise jobs one run may execute before it counts as an endless await chain.
pub const JOB_BUDGET: u64 = 200_000;
/// Ticks (function entries and loop iterations of instrumented code, see
/// `instrument.rs`) one stretch of JS may run before it counts as spinning, wherever the
/// loops are nested (boa: about a second of function calls).
pub const TICK_BUDGET: u64 = 5_000_000;

thread_local! {
    /// What the running stretch has left of its tick budget.
    static TICKS_LEFT: Cell<u64> = const { Cell::new(TICK_BUDGET) };
    /// The live bytes past which the running stretch is out of memory.
    static MEM_CEILING: Cell<isize> = const { Cell::new(isize::MAX) };
}

/// `__pg_t()`: written into handler code at function entries and loop heads. Running out
/// of ticks stops the stretch as boa's own loop limit does (uncatchable, so `try` cannot
/// swallow it); passing the memory ceiling marks the environment out of memory.
fn native_tick(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let left = TICKS_LEFT.get();
    if left == 0 {
        return Err(RuntimeLimitError::LoopIteration.into());
    }
    TICKS_LEFT.set(left - 1);
    if crate::memory::live_bytes() > MEM_CEILING.get() {
        host(ctx).borrow_mut().oom = true;
        return Err(RuntimeLimitError::LoopIteration.into());
    }
    Ok(JsValue::undefined())
}

/// The virtual clock the JS context reads (Date.now, new Date()).
struct VirtualClock {
    now_us: Cell<u64>,
}

impl Clock for VirtualClock {
    fn now(&self) -> JsInstant {
        let us = self.now_us.get();
        JsInstant::new(us / 1_000_000, ((us % 1_000_000) * 1_000) as u32)
    }
    fn system_time_millis(&self) -> i64 {
        (self.now_us.get() / 1_000) as i64
    }
}

/// What the engine's hooks collect while JS runs.
#[derive(Default)]
pub(crate) struct Host {
    pub logs: Vec<(String, String)>,
    /// (timer id, delay in ms) set since the last drain.
    pub new_timers: Vec<(u32, f64)>,
    pub cleared: Vec<u32>,
    /// AWS calls made by handler code since the last drain: (id, action, JSON params).
    pub calls: Vec<(u32, String, String)>,
    next_timer: u32,
    next_call: u32,
    rng: Option<Rng>,
    now_ms: f64,
    /// Memory accounting for the stretch of JS running now: live bytes when it began,
    /// the environment's heap before it, the limit, and whether it was passed.
    mem_start: isize,
    mem_heap: i64,
    mem_limit: i64,
    oom: bool,
}

impl Host {
    fn memory_in_use(&self) -> i64 {
        self.mem_heap + (crate::memory::live_bytes() - self.mem_start) as i64
    }
}

type HostRef = Rc<RefCell<Host>>;

/// A job executor that counts: an endless chain of awaits exhausts its budget instead
/// of never returning.
#[derive(Default)]
struct CountingJobs {
    promise: RefCell<VecDeque<PromiseJob>>,
    generic: RefCell<VecDeque<GenericJob>>,
    async_jobs: RefCell<VecDeque<NativeAsyncJob>>,
    exhausted: Cell<bool>,
}

impl JobExecutor for CountingJobs {
    fn enqueue_job(self: Rc<Self>, job: Job, _: &mut Context) {
        match job {
            Job::PromiseJob(p) => self.promise.borrow_mut().push_back(p),
            Job::GenericJob(g) => self.generic.borrow_mut().push_back(g),
            Job::AsyncJob(a) => self.async_jobs.borrow_mut().push_back(a),
            // Timers are ours (setTimeout goes to the kernel); nothing else is used.
            _ => {}
        }
    }

    fn run_jobs(self: Rc<Self>, context: &mut Context) -> JsResult<()> {
        let mut count: u64 = 0;
        loop {
            let next_async = self.async_jobs.borrow_mut().pop_front();
            if let Some(job) = next_async {
                poll_to_end(job, context)?;
                continue;
            }
            let next = self.promise.borrow_mut().pop_front();
            let job_result = match next {
                Some(job) => job.call(context),
                None => match self.generic.borrow_mut().pop_front() {
                    Some(g) => g.call(context),
                    None => return Ok(()),
                },
            };
            if let Err(e) = job_result {
                self.clear();
                return Err(e);
            }
            count += 1;
            if count > JOB_BUDGET {
                self.clear();
                self.exhausted.set(true);
                return Err(JsNativeError::error()
                    .with_message("promise job budget exhausted")
                    .into());
            }
        }
    }
}

impl CountingJobs {
    fn clear(&self) {
        self.promise.borrow_mut().clear();
        self.generic.borrow_mut().clear();
        self.async_jobs.borrow_mut().clear();
    }
}

/// Drives an async job (module loading) to completion; nothing in it waits on real IO.
fn poll_to_end(job: NativeAsyncJob, context: &mut Context) -> JsResult<()> {
    use std::future::Future;
    use std::task::{Context as TaskContext, Poll, Waker};
    let cell = RefCell::new(context);
    let mut fut = Box::pin(job.call(&cell));
    let mut cx = TaskContext::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
            return r.map(|_| ());
        }
    }
    Err(JsNativeError::error()
        .with_message("module loading did not finish")
        .into())
}

/// Resolves `import … from '@aws-sdk/client-sqs'` (and node builtins) to the runtime's
/// own modules: a small generated module re-exports what `require` would return.
struct BuiltinModules;

impl boa_engine::module::ModuleLoader for BuiltinModules {
    fn load_imported_module(
        self: Rc<Self>,
        _referrer: boa_engine::module::Referrer,
        request: boa_engine::module::ModuleRequest,
        context: &RefCell<&mut Context>,
    ) -> impl std::future::Future<Output = JsResult<Module>> {
        let spec = request.specifier().to_std_string_escaped();
        let ctx = &mut **context.borrow_mut();
        let result = (|| {
            let quoted = serde_json::Value::String(spec.clone()).to_string();
            let names = ctx.eval(Source::from_bytes(
                format!("__pg_module_names({quoted}).join(',')").as_bytes(),
            ))?;
            let names = names.to_string(ctx)?.to_std_string_escaped();
            let exports = if names.is_empty() {
                String::new()
            } else {
                format!("export const {{ {names} }} = m;")
            };
            let src = format!(
                "const m = globalThis.__pg_require({quoted});\nexport default m;\n{exports}"
            );
            Module::parse(Source::from_bytes(src.as_bytes()), None, ctx)
        })();
        std::future::ready(result)
    }
}

/// The outcome of running JS until it has nothing left to do right now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunState {
    /// The handler settled: Ok(JSON payload) or Err(Lambda error JSON).
    Done(Result<String, String>),
    /// Waiting for a timer (or later, an SDK call).
    Pending,
    /// Stopped by a loop or job limit: on Lambda it would run until the timeout.
    Spinning,
    /// The environment's memory passed the function's MemorySize: Lambda kills it.
    OutOfMemory,
}

/// A failure while loading the function's code (Lambda's Runtime.* errors).
#[derive(Debug, Clone)]
pub(crate) struct InitError {
    pub error_type: String,
    pub message: String,
}

pub(crate) struct JsEnv {
    ctx: Context,
    clock: Rc<VirtualClock>,
    jobs: Rc<CountingJobs>,
    host: HostRef,
    handler: Option<JsObject>,
    /// Bytes the function's code holds (what its stretches allocated and kept).
    heap: i64,
}

/// Memory a Node.js runtime takes before the function's code runs (REPORT's
/// `Max Memory Used` of an empty handler is about this).
pub const RUNTIME_BASELINE_MB: u64 = 64;

fn host(ctx: &Context) -> HostRef {
    ctx.get_data::<HostRef>()
        .cloned()
        .expect("host data is installed at creation")
}

fn native_log(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let level = args
        .first()
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped());
    let text = args
        .get(1)
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped());
    host(ctx).borrow_mut().logs.push((
        level.unwrap_or_else(|| "INFO".into()),
        text.unwrap_or_default(),
    ));
    // Logging in a loop is a moment to look at the memory too.
    native_mem(&JsValue::undefined(), &[], ctx)
}

fn native_timer(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let ms = args
        .first()
        .map(|v| v.to_number(ctx))
        .transpose()?
        .unwrap_or(1.0);
    let h = host(ctx);
    let mut h = h.borrow_mut();
    h.next_timer += 1;
    let id = h.next_timer;
    h.new_timers
        .push((id, if ms.is_finite() { ms.max(1.0) } else { 1.0 }));
    Ok(JsValue::from(id))
}

fn native_clear_timer(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let id = args
        .first()
        .map(|v| v.to_number(ctx))
        .transpose()?
        .unwrap_or(0.0) as u32;
    host(ctx).borrow_mut().cleared.push(id);
    Ok(JsValue::undefined())
}

fn native_call(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let action = args
        .first()
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_default();
    let params = args
        .get(1)
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_default();
    let h = host(ctx);
    let mut h = h.borrow_mut();
    h.next_call += 1;
    let id = h.next_call;
    h.calls.push((id, action, params));
    Ok(JsValue::from(id))
}

/// `hash(algorithm, base64 data)` → hex digest, for `crypto.createHash`.
fn native_hash(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    use sha2::Digest;
    let alg = args
        .first()
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_default();
    let data = args
        .get(1)
        .map(|v| v.to_string(ctx))
        .transpose()?
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_default();
    let bytes = crate::util::base64_decode(&data).unwrap_or_default();
    let digest: Vec<u8> = match alg.to_ascii_lowercase().as_str() {
        "sha256" => sha2::Sha256::digest(&bytes).to_vec(),
        "sha512" => sha2::Sha512::digest(&bytes).to_vec(),
        "sha384" => sha2::Sha384::digest(&bytes).to_vec(),
        "md5" => md5::Md5::digest(&bytes).to_vec(),
        "sha1" => sha1::Sha1::digest(&bytes).to_vec(),
        other => {
            return Err(JsNativeError::error()
                .with_message(format!("Digest method not supported: {other}"))
                .into());
        }
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(js_string!(hex).into())
}

fn native_random(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let h = host(ctx);
    let mut h = h.borrow_mut();
    let r = h.rng.as_mut().map(Rng::next_f64).unwrap_or(0.5);
    Ok(JsValue::from(r))
}

/// `__pg_native.mem(bytes)`: may the code allocate this much more? Past the limit the
/// environment is out of memory for good (the error thrown here ends the stretch;
/// catching it does not save the invocation).
/// `new Function(…, body)`: the body gets the ticks handler code gets (instrument.rs).
fn native_instrument(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let body = args
        .first()
        .cloned()
        .unwrap_or_default()
        .to_string(ctx)?
        .to_std_string_escaped();
    Ok(JsValue::from(boa_engine::JsString::from(
        super::instrument::cjs_body(&body).as_str(),
    )))
}

fn native_mem(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let need = args.first().and_then(JsValue::as_number).unwrap_or(0.0);
    let h = host(ctx);
    let mut h = h.borrow_mut();
    if h.oom || h.memory_in_use() as f64 + need > h.mem_limit as f64 {
        h.oom = true;
        return Err(JsNativeError::range()
            .with_message("JavaScript heap out of memory")
            .into());
    }
    Ok(JsValue::undefined())
}

fn native_now(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::from(host(ctx).borrow().now_ms))
}

/// Lambda's view of a limit-stopped run, or None for an ordinary JS error.
fn limit_kind(e: &JsError, jobs: &CountingJobs) -> Option<RuntimeLimitError> {
    if jobs.exhausted.replace(false) {
        return Some(RuntimeLimitError::LoopIteration);
    }
    match e.as_engine() {
        Some(EngineError::RuntimeLimit(k)) => Some(*k),
        _ => None,
    }
}

const STACK_OVERFLOW: &str = r#"{"errorType":"RangeError","errorMessage":"Maximum call stack size exceeded","trace":["RangeError: Maximum call stack size exceeded"]}"#;

impl JsEnv {
    pub fn new(seed: u64, env_vars: &[(String, String)], now_us: u64) -> Result<Self, String> {
        let clock = Rc::new(VirtualClock {
            now_us: Cell::new(now_us),
        });
        let jobs = Rc::new(CountingJobs::default());
        let mut ctx = Context::builder()
            .clock(clock.clone())
            .job_executor(jobs.clone())
            .module_loader(Rc::new(BuiltinModules))
            .build()
            .map_err(|e| e.to_string())?;
        ctx.runtime_limits_mut()
            .set_loop_iteration_limit(LOOP_ITERATION_LIMIT);
        ctx.runtime_limits_mut()
            .set_recursion_limit(RECURSION_LIMIT);
        let host: HostRef = Rc::new(RefCell::new(Host {
            rng: Some(Rng::new(seed)),
            now_ms: now_us as f64 / 1000.0,
            ..Host::default()
        }));
        ctx.insert_data(host.clone());
        let native = ObjectInitializer::new(&mut ctx)
            .function(
                NativeFunction::from_fn_ptr(native_log),
                js_string!("log"),
                2,
            )
            .function(
                NativeFunction::from_fn_ptr(native_timer),
                js_string!("timer"),
                1,
            )
            .function(
                NativeFunction::from_fn_ptr(native_clear_timer),
                js_string!("clearTimer"),
                1,
            )
            .function(
                NativeFunction::from_fn_ptr(native_random),
                js_string!("random"),
                0,
            )
            .function(
                NativeFunction::from_fn_ptr(native_now),
                js_string!("now"),
                0,
            )
            .function(
                NativeFunction::from_fn_ptr(native_hash),
                js_string!("hash"),
                2,
            )
            .function(
                NativeFunction::from_fn_ptr(native_call),
                js_string!("call"),
                2,
            )
            .function(
                NativeFunction::from_fn_ptr(native_mem),
                js_string!("mem"),
                1,
            )
            .function(
                NativeFunction::from_fn_ptr(native_instrument),
                js_string!("instrument"),
                1,
            )
            .build();
        ctx.register_global_property(js_string!("__pg_native"), native, Attribute::all())
            .map_err(|e| e.to_string())?;
        ctx.register_global_builtin_callable(
            js_string!("__pg_t"),
            0,
            NativeFunction::from_fn_ptr(native_tick),
        )
        .map_err(|e| e.to_string())?;
        ctx.eval(
            Source::from_bytes(RUNTIME_JS)
                .with_path(std::path::Path::new("file:///var/runtime/index.mjs")),
        )
        .map_err(|e| format!("runtime bootstrap failed: {e}"))?;
        let mut env = JsEnv {
            ctx,
            clock,
            jobs,
            host,
            handler: None,
            heap: 0,
        };
        env.host.borrow_mut().mem_limit = i64::MAX;
        let vars = serde_json::Value::Object(
            env_vars
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        );
        // `__PG_TMP_MB` (EphemeralStorage) configures /tmp and is not left in process.env.
        let set_env = format!("Object.assign(process.env, {vars}); __pg_tmp_limit(process.env.__PG_TMP_MB); delete process.env.__PG_TMP_MB;");
        env.ctx
            .eval(Source::from_bytes(set_env.as_bytes()))
            .map_err(|e| e.to_string())?;
        Ok(env)
    }

    /// The memory the function's code may hold: its MemorySize less the runtime's own.
    pub fn set_memory_limit(&mut self, memory_mb: u64) {
        let mb = memory_mb.saturating_sub(RUNTIME_BASELINE_MB).max(1) as i64;
        self.host.borrow_mut().mem_limit = mb * 1024 * 1024;
    }

    fn begin(&mut self) {
        let mut h = self.host.borrow_mut();
        h.mem_start = crate::memory::live_bytes();
        h.mem_heap = self.heap;
        TICKS_LEFT.set(TICK_BUDGET);
        let room = h.mem_limit.saturating_sub(h.mem_heap);
        MEM_CEILING.set(
            h.mem_start
                .saturating_add(isize::try_from(room).unwrap_or(isize::MAX)),
        );
    }

    /// Ends a stretch of JS: what it kept joins the heap; past the limit the
    /// environment is out of memory, whatever the code did meanwhile.
    fn end(&mut self, state: RunState) -> RunState {
        TICKS_LEFT.set(TICK_BUDGET);
        MEM_CEILING.set(isize::MAX);
        let h = self.host.borrow();
        self.heap = h.memory_in_use().max(0);
        if h.oom || self.heap > h.mem_limit {
            return RunState::OutOfMemory;
        }
        state
    }

    pub fn set_time(&mut self, now_us: u64) {
        self.clock.now_us.set(now_us);
        self.host.borrow_mut().now_ms = now_us as f64 / 1000.0;
    }

    /// Makes files (a layer's, under `/opt`) available to `require` and `import`.
    pub fn set_files(&mut self, files: &[(String, String)]) -> Result<(), InitError> {
        if files.is_empty() {
            return Ok(());
        }
        // Layer code runs through runtime.js's CommonJS wrapper: instrumented the same way.
        let map: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(k, v)| {
                let code = if k.ends_with(".js") || k.ends_with(".cjs") {
                    super::instrument::cjs_body(v)
                } else {
                    v.clone()
                };
                (k.clone(), serde_json::Value::from(code))
            })
            .collect();
        let json = serde_json::Value::Object(map).to_string();
        let script =
            format!("Object.defineProperty(globalThis, '__pg_files', {{ value: {json} }});");
        self.ctx
            .eval(Source::from_bytes(script.as_bytes()))
            .map(|_| ())
            .map_err(|e| self.init_error(e))
    }

    /// Loads the function's code and finds the exported handler (Init phase).
    pub fn init(&mut self, code: &str, handler_export: &str, esm: bool) -> Result<(), InitError> {
        self.begin();
        let r = self.load(code, handler_export, esm);
        match self.end(RunState::Pending) {
            RunState::OutOfMemory => Err(InitError {
                error_type: "Runtime.ExitError".into(),
                message: "Runtime exited with error: signal: killed".into(),
            }),
            _ => r,
        }
    }

    fn load(&mut self, code: &str, handler_export: &str, esm: bool) -> Result<(), InitError> {
        let syntax = |e: JsError| InitError {
            error_type: "Runtime.UserCodeSyntaxError".into(),
            message: format!("SyntaxError: {e}"),
        };
        // The handler runs instrumented (instrument.rs); the engine's own parse checks the
        // instrumented text, and the code as written is parsed if that fails.
        let exports: JsObject = if esm {
            let mut parse = |text: &str| {
                let source = Source::from_bytes(text.as_bytes())
                    .with_path(std::path::Path::new("/var/task/index.mjs"));
                Module::parse(source, None, &mut self.ctx)
            };
            let module = match super::instrument::ticked(code, true).map(|t| parse(&t)) {
                Some(Ok(m)) => m,
                _ => parse(code).map_err(syntax)?,
            };
            let promise = module.load_link_evaluate(&mut self.ctx);
            let _ = self.ctx.run_jobs();
            match promise.state() {
                boa_engine::builtins::promise::PromiseState::Rejected(e) => {
                    return Err(self.init_error(JsError::from_opaque(e)));
                }
                boa_engine::builtins::promise::PromiseState::Pending => {
                    return Err(InitError {
                        error_type: "Runtime.ImportModuleError".into(),
                        message: "Error: the module's top-level await did not finish".into(),
                    })
                }
                _ => {}
            }
            module.namespace(&mut self.ctx)
        } else {
            // Like Node's CommonJS wrapper, on the code's first line so line numbers match.
            // Evaluating the wrapper only makes the function, so a failed try is harmless.
            let wrapped = super::instrument::cjs_wrap(code);
            let mut make = |text: &str| {
                let source = Source::from_bytes(text.as_bytes())
                    .with_path(std::path::Path::new("/var/task/index.js"));
                self.ctx.eval(source)
            };
            let f = match super::instrument::ticked(&wrapped, false).map(|t| make(&t)) {
                Some(Ok(f)) => f,
                _ => make(&wrapped).map_err(syntax)?,
            };
            let setup = "(() => { const module = { exports: {} }; return module; })()";
            let module = self
                .ctx
                .eval(Source::from_bytes(setup))
                .map_err(|e| self.init_error(e))?;
            let module_obj = module.as_object().expect("module is an object");
            let exports = module_obj
                .get(js_string!("exports"), &mut self.ctx)
                .map_err(|e| self.init_error(e))?;
            let require = self
                .ctx
                .global_object()
                .get(js_string!("__pg_require"), &mut self.ctx)
                .map_err(|e| self.init_error(e))?;
            let func = f.as_callable().expect("wrapper is a function");
            func.call(
                &JsValue::undefined(),
                &[
                    exports,
                    require,
                    module,
                    js_string!("/var/task/index.js").into(),
                    js_string!("/var/task").into(),
                ],
                &mut self.ctx,
            )
            .map_err(|e| self.init_error(e))?;
            let _ = self.ctx.run_jobs();
            let exports = module_obj
                .get(js_string!("exports"), &mut self.ctx)
                .map_err(|e| self.init_error(e))?;
            exports.as_object().ok_or_else(|| InitError {
                error_type: "Runtime.HandlerNotFound".into(),
                message: format!("index.{handler_export} is undefined or not exported"),
            })?
        };
        let h = exports
            .get(boa_engine::JsString::from(handler_export), &mut self.ctx)
            .map_err(|e| self.init_error(e))?;
        match h.as_object() {
            Some(o) if o.is_callable() => {
                self.handler = Some(o.clone());
                Ok(())
            }
            _ => Err(InitError {
                error_type: "Runtime.HandlerNotFound".into(),
                message: format!("index.{handler_export} is undefined or not exported"),
            }),
        }
    }

    fn init_error(&mut self, e: JsError) -> InitError {
        if limit_kind(&e, &self.jobs).is_some() {
            return InitError {
                error_type: "Sandbox.Timedout".into(),
                message: "init stopped by a runtime limit".into(),
            };
        }
        let json = self.error_json(e);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let message = v["errorMessage"].as_str().unwrap_or("").to_string();
        // Node's runtime reports a module it cannot load during Init this way.
        if message.starts_with("Cannot find module '") {
            return InitError {
                error_type: "Runtime.ImportModuleError".into(),
                message: format!("Error: {message}\n- /var/runtime/index.mjs"),
            };
        }
        InitError {
            error_type: v["errorType"].as_str().unwrap_or("Error").to_string(),
            message,
        }
    }

    fn error_json(&mut self, e: JsError) -> String {
        let value = e
            .into_opaque(&mut self.ctx)
            .unwrap_or_else(|_| JsValue::undefined());
        let f = self
            .ctx
            .global_object()
            .get(js_string!("__pg_error_json"), &mut self.ctx);
        match f.ok().and_then(|f| f.as_callable()) {
            Some(f) => f
                .call(&JsValue::undefined(), &[value], &mut self.ctx)
                .ok()
                .and_then(|v| v.as_string().map(|s| s.to_std_string_escaped()))
                .unwrap_or_else(|| {
                    r#"{"errorType":"Error","errorMessage":"unknown error"}"#.into()
                }),
            None => r#"{"errorType":"Error","errorMessage":"unknown error"}"#.into(),
        }
    }

    /// A JS value built straight from JSON text, and `true`; or the text itself and
    /// `false` when serde_json refuses it (a lone surrogate escape, a number beyond f64),
    /// for runtime.js to hand to JSON.parse with its errors. boa's JSON.parse runs its full
    /// JavaScript parser: for a batch of SQS records it cost more than the rest of the
    /// invocation, so events take this way in.
    fn js_of_json(&mut self, text: &str) -> (JsValue, bool) {
        let built = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| JsValue::from_json(&v, &mut self.ctx).ok());
        match built {
            Some(v) => (v, true),
            None => (js_string!(text).into(), false),
        }
    }

    /// Starts one invocation of the handler.
    pub fn invoke(&mut self, event_json: &str, context: &serde_json::Value) -> RunState {
        self.begin();
        let state = self.start_handler(event_json, context);
        self.end(state)
    }

    fn start_handler(&mut self, event_json: &str, context: &serde_json::Value) -> RunState {
        let Some(handler) = self.handler.clone() else {
            return RunState::Done(Err(
                r#"{"errorType":"Runtime.HandlerNotFound","errorMessage":"no handler"}"#.into(),
            ));
        };
        let ctx_value = match JsValue::from_json(context, &mut self.ctx) {
            Ok(v) => v,
            Err(e) => return RunState::Done(Err(self.error_json(e))),
        };
        let invoke = self
            .ctx
            .global_object()
            .get(js_string!("__pg_invoke"), &mut self.ctx);
        let Some(invoke) = invoke.ok().and_then(|f| f.as_callable()) else {
            return RunState::Done(Err(r#"{"errorType":"Runtime.ExitError","errorMessage":"the runtime was destroyed by the function's code"}"#.into()));
        };
        let (event, is_built) = self.js_of_json(event_json);
        let r = invoke.call(
            &JsValue::undefined(),
            &[handler.into(), event, ctx_value, JsValue::from(is_built)],
            &mut self.ctx,
        );
        if let Err(e) = r {
            return self.stopped(e);
        }
        self.settle()
    }

    /// Fires a timer the kernel scheduled, then runs what it unblocked.
    pub fn fire_timer(&mut self, id: u32) -> RunState {
        self.begin();
        let state = self.run_timer(id);
        self.end(state)
    }

    fn run_timer(&mut self, id: u32) -> RunState {
        let fire = self
            .ctx
            .global_object()
            .get(js_string!("__pg_fire"), &mut self.ctx);
        if let Some(f) = fire.ok().and_then(|f| f.as_callable()) {
            if let Err(e) = f.call(&JsValue::undefined(), &[JsValue::from(id)], &mut self.ctx) {
                // An exception thrown in a timer callback is an uncaught exception in Node:
                // the process exits and Lambda reports Runtime.ExitError... unless the limit hit.
                if limit_kind(&e, &self.jobs).is_some() {
                    return RunState::Spinning;
                }
                let json = self.error_json(e);
                return RunState::Done(Err(json));
            }
        }
        self.settle()
    }

    fn stopped(&mut self, e: JsError) -> RunState {
        match limit_kind(&e, &self.jobs) {
            Some(RuntimeLimitError::Recursion) | Some(RuntimeLimitError::StackSize) => {
                RunState::Done(Err(STACK_OVERFLOW.into()))
            }
            Some(RuntimeLimitError::LoopIteration) => RunState::Spinning,
            None => RunState::Done(Err(self.error_json(e))),
        }
    }

    fn settle(&mut self) -> RunState {
        if let Err(e) = self.ctx.run_jobs() {
            return self.stopped(e);
        }
        let state = self
            .ctx
            .global_object()
            .get(js_string!("__pg_state"), &mut self.ctx);
        let Some(state) = state.ok().and_then(|s| s.as_object()) else {
            return RunState::Pending;
        };
        let field = |ctx: &mut Context, name: &str| -> Option<String> {
            state
                .get(boa_engine::JsString::from(name), ctx)
                .ok()
                .and_then(|v| v.as_string().map(|s| s.to_std_string_escaped()))
        };
        match field(&mut self.ctx, "status").as_deref() {
            Some("ok") => RunState::Done(Ok(
                field(&mut self.ctx, "payload").unwrap_or_else(|| "null".into())
            )),
            Some("error") => RunState::Done(Err(field(&mut self.ctx, "error").unwrap_or_default())),
            _ => RunState::Pending,
        }
    }

    pub fn drain_logs(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.host.borrow_mut().logs)
    }

    /// AWS calls the handler made since the last drain.
    pub fn drain_calls(&mut self) -> Vec<(u32, String, String)> {
        std::mem::take(&mut self.host.borrow_mut().calls)
    }

    /// Delivers an AWS call's answer to the handler's pending promise, then runs what it
    /// unblocked. `answer` is the response, or `{code, message, status}` for an error; it
    /// enters JS as an object built from the value (no JSON text in between).
    pub fn settle_call(&mut self, id: u32, ok: bool, answer: &serde_json::Value) -> RunState {
        self.begin();
        let state = self.deliver_call(id, ok, answer);
        self.end(state)
    }

    fn deliver_call(&mut self, id: u32, ok: bool, answer: &serde_json::Value) -> RunState {
        let settle = self
            .ctx
            .global_object()
            .get(js_string!("__pg_settle"), &mut self.ctx);
        if let Some(f) = settle.ok().and_then(|f| f.as_callable()) {
            let value = match JsValue::from_json(answer, &mut self.ctx) {
                Ok(v) => v,
                Err(e) => return self.stopped(e),
            };
            let args = [JsValue::from(id), JsValue::from(ok), value];
            if let Err(e) = f.call(&JsValue::undefined(), &args, &mut self.ctx) {
                return self.stopped(e);
            }
        }
        self.settle()
    }

    /// Timers set (and cleared) since the last call.
    pub fn drain_timers(&mut self) -> (Vec<(u32, f64)>, Vec<u32>) {
        let mut h = self.host.borrow_mut();
        (
            std::mem::take(&mut h.new_timers),
            std::mem::take(&mut h.cleared),
        )
    }
}
