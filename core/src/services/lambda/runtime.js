// The Node.js-style runtime inside each execution environment. It runs once, before the
// function's own code, with `__pg_native` (the engine's hooks: log, timers, random, now)
// on globalThis; it hides that object and installs what Lambda code expects:
// console, setTimeout/clearTimeout/setInterval, process, Buffer-free helpers, require.
(function () {
  'use strict';
  const N = globalThis.__pg_native;
  delete globalThis.__pg_native;

  function inspect(v, depth, seen) {
    depth = depth === undefined ? 2 : depth;
    seen = seen || [];
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    const t = typeof v;
    if (t === 'string') return seen.length ? "'" + v.replace(/'/g, "\\'") + "'" : v;
    if (t === 'number' || t === 'boolean' || t === 'bigint') return String(v);
    if (t === 'symbol') return v.toString();
    if (t === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']';
    if (v instanceof Error) return v.stack || (v.name + ': ' + v.message);
    if (seen.indexOf(v) >= 0) return '[Circular *1]';
    if (depth < 0) return Array.isArray(v) ? '[Array]' : '[Object]';
    const next = seen.concat([v]);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[ ' + v.map((x) => inspect(x, depth - 1, next)).join(', ') + ' ]';
    }
    if (v instanceof Date) return v.toISOString();
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'";
      return key + ': ' + inspect(v[k], depth - 1, next);
    });
    return '{ ' + body.join(', ') + ' }';
  }

  function format(args) {
    if (args.length === 0) return '';
    let first = args[0];
    let rest = 1;
    let out;
    if (typeof first === 'string' && first.indexOf('%') >= 0) {
      out = first.replace(/%([sdifjoO%])/g, (m, c) => {
        if (c === '%') return '%';
        if (rest >= args.length) return m;
        const a = args[rest++];
        switch (c) {
          case 's': return typeof a === 'string' ? a : inspect(a, 1, []);
          case 'd': case 'i': return String(c === 'i' ? parseInt(a) : Number(a));
          case 'f': return String(parseFloat(a));
          case 'j': try { return JSON.stringify(a); } catch (e) { return '[Circular]'; }
          default: return inspect(a, 2, [{}]);
        }
      });
    } else {
      out = inspect(first);
    }
    for (; rest < args.length; rest++) out += ' ' + inspect(args[rest]);
    return out;
  }

  const log = (level) => function () { N.log(level, format(Array.prototype.slice.call(arguments))); };
  globalThis.console = {
    log: log('INFO'), info: log('INFO'), warn: log('WARN'), error: log('ERROR'),
    debug: log('DEBUG'), trace: log('TRACE'),
  };

  const timers = new Map();
  class Timeout {
    constructor(id) { this.id = id; }
    ref() { return this; } unref() { return this; } hasRef() { return true; }
    [Symbol.toPrimitive]() { return this.id; }
  }
  globalThis.setTimeout = function (cb, ms, ...args) {
    if (typeof cb !== 'function') throw new TypeError('The "callback" argument must be of type function. Received ' + inspect(cb));
    const id = N.timer(Math.max(1, Number(ms) || 1));
    timers.set(id, { cb, args, every: 0 });
    return new Timeout(id);
  };
  globalThis.setInterval = function (cb, ms, ...args) {
    const every = Math.max(1, Number(ms) || 1);
    const id = N.timer(every);
    timers.set(id, { cb, args, every });
    return new Timeout(id);
  };
  globalThis.setImmediate = (cb, ...args) => globalThis.setTimeout(cb, 0, ...args);
  const clear = (t) => {
    const id = t instanceof Timeout ? t.id : Number(t);
    timers.delete(id);
    N.clearTimer(id);
  };
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;
  globalThis.clearImmediate = clear;
  Object.defineProperty(globalThis, '__pg_fire', {
    value: (id) => {
      const t = timers.get(id);
      if (!t) return;
      if (t.every) {
        const again = N.timer(t.every);
        timers.delete(id);
        timers.set(again, t);
      } else {
        timers.delete(id);
      }
      t.cb.apply(undefined, t.args);
    },
  });

  Math.random = () => N.random();
  globalThis.process = {
    env: {}, argv: ['/var/lang/bin/node'], platform: 'linux', arch: 'x64',
    version: 'v22.11.0', versions: { node: '22.11.0' }, pid: 1,
    nextTick: (f, ...a) => { Promise.resolve().then(() => f(...a)); },
    hrtime: Object.assign((prev) => {
      const ms = N.now(); const s = Math.floor(ms / 1000); const ns = Math.round((ms % 1000) * 1e6);
      return prev ? [s - prev[0], ns - prev[1]] : [s, ns];
    }, { bigint: () => BigInt(Math.round(N.now() * 1e6)) }),
    uptime: () => N.now() / 1000,
    memoryUsage: () => ({ rss: 60000000, heapTotal: 20000000, heapUsed: 10000000, external: 1000000 }),
    cwd: () => '/var/task',
    exit: (code) => { throw new Error('process.exit(' + (code || 0) + ') called'); },
    on: () => globalThis.process,
  };
  globalThis.global = globalThis;

  const builtins = {
    util: { format: (...a) => format(a), inspect: (v) => inspect(v), promisify: (f) => (...a) => new Promise((res, rej) => f(...a, (e, v) => (e ? rej(e) : res(v)))) },
    timers: { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, clearTimeout: clear, clearInterval: clear },
    'timers/promises': { setTimeout: (ms, v) => new Promise((r) => globalThis.setTimeout(() => r(v), ms)) },
  };
  function requireBuiltin(name) {
    const key = name.startsWith('node:') ? name.slice(5) : name;
    if (Object.prototype.hasOwnProperty.call(builtins, key)) return builtins[key];
    const e = new Error("Cannot find module '" + name + "'\nRequire stack:\n- /var/task/index.js");
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  Object.defineProperty(globalThis, '__pg_require', { value: requireBuiltin });
  Object.defineProperty(globalThis, '__pg_builtins', { value: builtins });

  function errorOf(e) {
    if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
      const name = (e.constructor && e.constructor.name && e.constructor.name !== 'Object') ? e.constructor.name : (e.name || 'Error');
      const head = (e.name || name) + ': ' + e.message;
      // boa's frames read "at fn (path at :line:col)"; Node's read "at fn (path:line:col)".
      let stack = typeof e.stack === 'string' && e.stack.length ? e.stack.split('\n') : [head];
      stack = stack
        .filter((l) => l.trim().length && l.indexOf('/var/runtime/') < 0)
        .map((l) => l.replace(/ at :(\d+):(\d+)\)$/, ':$1:$2)').replace('at <main> (', 'at Runtime.handler ('));
      if (stack[0] !== head) stack.unshift(head);
      return { errorType: name, errorMessage: String(e.message), trace: stack };
    }
    return { errorType: typeof e, errorMessage: String(e), trace: [] };
  }

  // One invocation: call the handler, settle into __pg_state as Lambda's runtime would.
  Object.defineProperty(globalThis, '__pg_invoke', {
    value: (handler, eventJson, ctx) => {
      const state = { status: 'pending' };
      Object.defineProperty(globalThis, '__pg_state', { value: state, configurable: true });
      const done = (err, value) => {
        if (state.status !== 'pending') return;
        if (err !== null && err !== undefined) {
          state.status = 'error';
          state.error = JSON.stringify(errorOf(err));
        } else {
          state.status = 'ok';
          try {
            state.payload = JSON.stringify(value === undefined ? null : value);
          } catch (e) {
            state.status = 'error';
            state.error = JSON.stringify(errorOf(e));
          }
        }
      };
      const deadline = ctx.deadlineMs;
      const context = {
        callbackWaitsForEmptyEventLoop: true,
        functionName: ctx.functionName,
        functionVersion: ctx.functionVersion,
        invokedFunctionArn: ctx.invokedFunctionArn,
        memoryLimitInMB: ctx.memoryLimitInMB,
        awsRequestId: ctx.awsRequestId,
        logGroupName: ctx.logGroupName,
        logStreamName: ctx.logStreamName,
        getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - N.now())),
        done: (e, v) => done(e, v), succeed: (v) => done(null, v), fail: (e) => done(e),
      };
      let result;
      try {
        const event = JSON.parse(eventJson);
        if (handler.length >= 3) {
          result = handler(event, context, (e, v) => done(e, v));
        } else {
          result = handler(event, context);
        }
      } catch (e) {
        done(e);
        return;
      }
      if (handler.length < 3 || (result && typeof result.then === 'function')) {
        Promise.resolve(result).then((v) => done(null, v), (e) => done(e === undefined ? new Error('undefined') : e));
      }
    },
  });
  Object.defineProperty(globalThis, '__pg_error_json', { value: (e) => JSON.stringify(errorOf(e)) });
})();
