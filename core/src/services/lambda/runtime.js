// The Node.js-style runtime inside each execution environment. It runs once, before the
// function's own code, with `__pg_native` (the engine's hooks: log, timers, random, now)
// on globalThis; it hides that object and installs what Lambda code expects:
// console, setTimeout/clearTimeout/setInterval, process, Buffer-free helpers, require.
(function () {
  'use strict';
  const N = globalThis.__pg_native;
  delete globalThis.__pg_native;

  // ---- Memory: the engine ends an environment whose code holds more than the
  // function's MemorySize (Lambda's out-of-memory kill). Builtins that allocate by a
  // size ask first; growing an array asks every 4,096 pushes. ----
  const askMemory = N.mem;

  // ---- `new Function(…, body)` builds code at run time: its body is instrumented as
  // handler code is (a tick per loop iteration and call), so it cannot outrun the
  // limits either. Same prototype, so `instanceof Function` and `.constructor` hold. ----
  {
    const Original = Function;
    const instrument = N.instrument;
    const Instrumented = function Function(...args) {
      if (args.length) args[args.length - 1] = instrument(String(args[args.length - 1]));
      return Original(...args);
    };
    Instrumented.prototype = Original.prototype;
    Object.defineProperty(Original.prototype, 'constructor', { value: Instrumented, writable: true, configurable: true });
    Object.defineProperty(globalThis, 'Function', { value: Instrumented, writable: true, configurable: true });
  }
  const num0 = (v) => (typeof v === 'number' && v > 0 ? v : 0);
  {
    const ask = askMemory;
    const wrap = (proto, name, bytes) => {
      const original = proto[name];
      Object.defineProperty(proto, name, {
        value: { [name](...args) { ask(bytes(this, args)); return original.apply(this, args); } }[name],
        writable: true, configurable: true,
      });
    };
    const num = (v) => (typeof v === 'number' && v > 0 ? v : 0);
    wrap(Array.prototype, 'fill', (a, [, start, end]) => 16 * (num(end === undefined ? a.length : end) - num(start)));
    wrap(Array.prototype, 'concat', (a, args) => 16 * args.reduce((n, x) => n + (Array.isArray(x) ? x.length : 1), a.length));
    wrap(String.prototype, 'repeat', (s, [count]) => String(s).length * num(count));
    // boa charges every repetition to the loop limit; Node repeats in one go. Large
    // counts are made of large chunks so they stay far below it.
    {
      const repeat = String.prototype.repeat;
      Object.defineProperty(String.prototype, 'repeat', {
        value: { repeat(count) {
          const n = Math.floor(Number(count));
          if (!(n > 65536) || n === Infinity) return repeat.call(this, count);
          const chunk = repeat.call(String(this), 65536);
          return repeat.call(chunk, Math.floor(n / 65536)) + repeat.call(String(this), n % 65536);
        } }.repeat,
        writable: true, configurable: true,
      });
    }
    wrap(String.prototype, 'padStart', (s, [len]) => num(len));
    wrap(String.prototype, 'padEnd', (s, [len]) => num(len));
    const from = Array.from;
    Array.from = { from(items, ...rest) {
      if (items && typeof items.length === 'number') ask(16 * num(items.length));
      return from.call(this, items, ...rest);
    } }.from;
    const push = Array.prototype.push;
    let pushes = 0;
    Object.defineProperty(Array.prototype, 'push', {
      value: { push(...items) {
        if ((pushes += items.length) >= 4096) { pushes = 0; ask(0); }
        return push.apply(this, items);
      } }.push,
      writable: true, configurable: true,
    });
  }

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

  // ---- /tmp: an in-memory file system per execution environment (EphemeralStorage) ----
  const files = new Map();
  const dirs = new Set(['/tmp']);
  let tmpLimit = 512 * 1024 * 1024;
  Object.defineProperty(globalThis, '__pg_tmp_limit', { value: (mb) => { if (mb) tmpLimit = Number(mb) * 1024 * 1024; } });
  const fsError = (code, syscall, p, what) => {
    const e = new Error(`${code}: ${what}, ${syscall} '${p}'`);
    e.code = code; e.syscall = syscall; e.path = p; e.errno = { ENOENT: -2, EROFS: -30, ENOSPC: -28, EEXIST: -17, EISDIR: -21 }[code];
    return e;
  };
  const norm = (p) => { const out = []; for (const part of String(p).split('/')) { if (part === '..') out.pop(); else if (part && part !== '.') out.push(part); } return '/' + out.join('/'); };
  const parent = (p) => p.slice(0, p.lastIndexOf('/')) || '/';
  const writable = (p) => p === '/tmp' || p.startsWith('/tmp/');
  const used = () => { let n = 0; for (const b of files.values()) n += b.length; return n; };
  const fs = {
    writeFileSync(p, data, opts) {
      p = norm(p);
      if (!writable(p)) throw fsError('EROFS', 'open', p, 'read-only file system');
      if (!dirs.has(parent(p))) throw fsError('ENOENT', 'open', p, 'no such file or directory');
      const enc = typeof opts === 'string' ? opts : opts && opts.encoding;
      const bytes = typeof data === 'string' ? Buffer.from(data, enc || 'utf8') : Buffer.from(data);
      if (used() - (files.get(p) || []).length + bytes.length > tmpLimit) throw fsError('ENOSPC', 'write', p, 'no space left on device');
      files.set(p, bytes);
    },
    appendFileSync(p, data, opts) { const old = files.get(norm(p)) || Buffer.alloc(0); const add = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data); fs.writeFileSync(p, Buffer.concat([old, add]), opts); },
    readFileSync(p, opts) {
      p = norm(p);
      const b = files.get(p);
      if (!b) throw fsError(dirs.has(p) ? 'EISDIR' : 'ENOENT', 'open', p, dirs.has(p) ? 'illegal operation on a directory' : 'no such file or directory');
      const enc = typeof opts === 'string' ? opts : opts && opts.encoding;
      return enc ? b.toString(enc) : Buffer.from(b);
    },
    existsSync: (p) => files.has(norm(p)) || dirs.has(norm(p)),
    mkdirSync(p, opts) {
      p = norm(p);
      if (!writable(p)) throw fsError('EROFS', 'mkdir', p, 'read-only file system');
      if (dirs.has(p)) { if (opts && opts.recursive) return undefined; throw fsError('EEXIST', 'mkdir', p, 'file already exists'); }
      if (!dirs.has(parent(p))) { if (!(opts && opts.recursive)) throw fsError('ENOENT', 'mkdir', p, 'no such file or directory'); fs.mkdirSync(parent(p), opts); }
      dirs.add(p);
      return opts && opts.recursive ? p : undefined;
    },
    readdirSync(p) {
      p = norm(p);
      if (!dirs.has(p)) throw fsError('ENOENT', 'scandir', p, 'no such file or directory');
      const names = new Set();
      for (const f of [...files.keys(), ...dirs]) if (f !== p && parent(f) === p) names.add(f.slice(p.length + 1));
      return [...names].sort();
    },
    unlinkSync(p) { p = norm(p); if (!files.delete(p)) throw fsError('ENOENT', 'unlink', p, 'no such file or directory'); },
    rmSync(p, opts) { p = norm(p); if (files.delete(p)) return; if (dirs.has(p) && opts && opts.recursive) { for (const f of [...files.keys()]) if (f.startsWith(p + '/')) files.delete(f); for (const d of [...dirs]) if (d === p || d.startsWith(p + '/')) dirs.delete(d); return; } if (!(opts && opts.force)) throw fsError('ENOENT', 'rm', p, 'no such file or directory'); },
    statSync(p) {
      p = norm(p);
      const b = files.get(p);
      if (!b && !dirs.has(p)) throw fsError('ENOENT', 'stat', p, 'no such file or directory');
      return { size: b ? b.length : 4096, isFile: () => !!b, isDirectory: () => !b, mtimeMs: N.now() };
    },
  };
  const promisified = {};
  for (const [name, f] of Object.entries(fs)) {
    if (name.endsWith('Sync')) promisified[name.slice(0, -4)] = (...a) => new Promise((res, rej) => { try { res(f(...a)); } catch (e) { rej(e); } });
  }
  fs.promises = promisified;
  const path = {
    sep: '/',
    join: (...p) => norm(p.join('/')).replace(/^\/(?=[^/])/, p[0] && String(p[0]).startsWith('/') ? '/' : ''),
    resolve: (...p) => norm(p.reduce((a, b) => (String(b).startsWith('/') ? b : a + '/' + b), '/var/task')),
    basename: (p, ext) => { const b = String(p).replace(/\/+$/, '').split('/').pop(); return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b; },
    dirname: (p) => { const s = String(p).replace(/\/+$/, ''); const i = s.lastIndexOf('/'); return i < 0 ? '.' : i === 0 ? '/' : s.slice(0, i); },
    extname: (p) => { const b = path.basename(p); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); },
  };

  // ---- URL and URLSearchParams (WHATWG subset: http(s) URLs, query strings) ----
  class URLSearchParams {
    constructor(init) {
      this.list = [];
      if (typeof init === 'string') {
        for (const part of init.replace(/^\?/, '').split('&').filter(Boolean)) {
          const [k, v = ''] = part.split('=');
          const d = (x) => decodeURIComponent(x.replace(/\+/g, ' '));
          this.list.push([d(k), d(v)]);
        }
      } else if (init && typeof init === 'object') {
        for (const [k, v] of Array.isArray(init) ? init : Object.entries(init)) this.list.push([String(k), String(v)]);
      }
    }
    get(k) { const e = this.list.find((x) => x[0] === k); return e ? e[1] : null; }
    getAll(k) { return this.list.filter((x) => x[0] === k).map((x) => x[1]); }
    has(k) { return this.list.some((x) => x[0] === k); }
    set(k, v) { this.delete(k); this.list.push([k, String(v)]); }
    append(k, v) { this.list.push([k, String(v)]); }
    delete(k) { this.list = this.list.filter((x) => x[0] !== k); }
    entries() { return this.list[Symbol.iterator](); }
    [Symbol.iterator]() { return this.list[Symbol.iterator](); }
    forEach(f) { this.list.forEach(([k, v]) => f(v, k, this)); }
    toString() { const e = (x) => encodeURIComponent(x).replace(/%20/g, '+'); return this.list.map(([k, v]) => `${e(k)}=${e(v)}`).join('&'); }
  }
  class URL {
    constructor(input, base) {
      let s = String(input);
      if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) {
        if (base === undefined) throw new TypeError(`Invalid URL: ${s}`);
        const b = new URL(base);
        s = s.startsWith('/') ? `${b.origin}${s}` : `${b.origin}${b.pathname.replace(/[^/]*$/, '')}${s}`;
      }
      const m = /^([a-z][a-z0-9+.-]*:)(?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::(\d+))?)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(s);
      if (!m) throw new TypeError(`Invalid URL: ${s}`);
      this.protocol = m[1].toLowerCase(); this.username = m[2] || ''; this.password = m[3] || '';
      this.hostname = (m[4] || '').toLowerCase(); this.port = m[5] || ''; this.pathname = m[6] || '/';
      this.searchParams = new URLSearchParams(m[7] || ''); this.hash = m[8] || '';
    }
    get host() { return this.port ? `${this.hostname}:${this.port}` : this.hostname; }
    get origin() { return `${this.protocol}//${this.host}`; }
    get search() { const q = this.searchParams.toString(); return q ? `?${q}` : ''; }
    get href() { return `${this.origin}${this.pathname}${this.search}${this.hash}`; }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }
  globalThis.URL = URL;
  globalThis.URLSearchParams = URLSearchParams;

  const builtins = {
    fs,
    'fs/promises': promisified,
    path,
    url: { URL, URLSearchParams },
    crypto: null,
    buffer: null,
    util: { format: (...a) => format(a), inspect: (v) => inspect(v), promisify: (f) => (...a) => new Promise((res, rej) => f(...a, (e, v) => (e ? rej(e) : res(v)))) },
    timers: { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, clearTimeout: clear, clearInterval: clear },
    'timers/promises': { setTimeout: (ms, v) => new Promise((r) => globalThis.setTimeout(() => r(v), ms)) },
  };
  // Layers: files under /opt (set by the engine as __pg_files), found as Node finds
  // them on Lambda: NODE_PATH is /opt/nodejs/nodeNN/node_modules, /opt/nodejs/node_modules,
  // then /var/task; relative paths from the requiring module's folder.
  const layerCache = {};
  function fileAt(p) {
    const f = globalThis.__pg_files;
    return f && Object.prototype.hasOwnProperty.call(f, p) ? f[p] : undefined;
  }
  function resolveFile(p) {
    for (const c of [p, p + '.js', p + '.cjs', p + '.json']) if (fileAt(c) !== undefined) return c;
    const pkg = fileAt(p + '/package.json');
    if (pkg !== undefined) {
      let main;
      try { main = JSON.parse(pkg).main; } catch (e) { main = undefined; }
      if (main) { const r = resolveFile(path.resolve(p, main)); if (r) return r; }
    }
    for (const c of [p + '/index.js', p + '/index.json']) if (fileAt(c) !== undefined) return c;
    return null;
  }
  function nodePath() {
    const m = /nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV || '');
    return [...(m ? ['/opt/nodejs/node' + m[1] + '/node_modules'] : []), '/opt/nodejs/node_modules', '/var/task'];
  }
  function loadFile(file) {
    if (layerCache[file]) return layerCache[file].exports;
    const module = { exports: {} };
    layerCache[file] = module;
    const src = fileAt(file);
    if (file.endsWith('.json')) { module.exports = JSON.parse(src); return module.exports; }
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    const fn = (0, eval)('(function (exports, require, module, __filename, __dirname) {' + src + '\n})');
    fn.call(module.exports, module.exports, (n) => requireFrom(dir, file, n), module, file, dir);
    return module.exports;
  }
  function requireFrom(dir, from, name) {
    const key = name.startsWith('node:') ? name.slice(5) : name;
    if (key === 'crypto') return cryptoModule;
    if (key === 'buffer') return { Buffer };
    if (name.startsWith('@aws-sdk/') && SDK[name.slice(9)]) return sdkModule(name.slice(9));
    if (Object.prototype.hasOwnProperty.call(builtins, key) && builtins[key]) return builtins[key];
    if (!name.startsWith('node:')) {
      const relative = name.startsWith('./') || name.startsWith('../') || name.startsWith('/');
      const candidates = relative ? [path.resolve(dir, name)] : nodePath().map((b) => b + '/' + name);
      for (const c of candidates) {
        const f = resolveFile(c);
        if (f) return loadFile(f);
      }
    }
    const e = new Error("Cannot find module '" + name + "'\nRequire stack:\n- " + from);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  function requireBuiltin(name) {
    return requireFrom('/var/task', '/var/task/index.js', name);
  }
  // An unbraced `for (x of xs) stmt` in handler code iterates `__pg_it(xs)`, which
  // ticks per item (see instrument.rs): the items, the order and the closing of the
  // underlying iterator are the same.
  const tick = globalThis.__pg_t;
  Object.defineProperty(globalThis, '__pg_it', {
    value: (iterable) => {
      const it = iterable[Symbol.iterator]();
      return {
        [Symbol.iterator]() { return this; },
        next(v) { tick(); return it.next(v); },
        return(v) { return typeof it.return === 'function' ? it.return(v) : { done: true, value: v }; },
      };
    },
  });
  Object.defineProperty(globalThis, '__pg_require', { value: requireBuiltin });
  Object.defineProperty(globalThis, '__pg_builtins', { value: builtins });
  // For `import … from '…'`: the names a module exports (throws like require if unknown).
  Object.defineProperty(globalThis, '__pg_module_names', { value: (name) => Object.keys(requireBuiltin(name)) });

  // ---- Text and bytes: TextEncoder/TextDecoder (UTF-8), a Buffer subset, base64 ----
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function utf8Encode(str) {
    const out = [];
    for (let i = 0; i < str.length; i++) {
      let c = str.codePointAt(i);
      if (c > 0xffff) i++;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i++];
      let c;
      if (b < 0x80) c = b;
      else if (b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63);
      else if (b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      else c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      s += String.fromCodePoint(c);
    }
    return s;
  }
  function b64Encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return s;
  }
  function b64Decode(str) {
    const clean = String(str).replace(/[^A-Za-z0-9+/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
    const out = [];
    for (let i = 0; i < clean.length; i += 4) {
      const n = (B64.indexOf(clean[i]) << 18) | (B64.indexOf(clean[i + 1]) << 12) | ((B64.indexOf(clean[i + 2]) & 63) << 6) | (B64.indexOf(clean[i + 3]) & 63);
      out.push((n >> 16) & 255);
      if (i + 2 < clean.length) out.push((n >> 8) & 255);
      if (i + 3 < clean.length) out.push(n & 255);
    }
    return new Uint8Array(out);
  }
  class TextEncoder { get encoding() { return 'utf-8'; } encode(s = '') { return utf8Encode(String(s)); } }
  class TextDecoder { get encoding() { return 'utf-8'; } decode(b) { return b ? utf8Decode(new Uint8Array(b.buffer ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b)) : ''; } }
  globalThis.TextEncoder = TextEncoder;
  globalThis.TextDecoder = TextDecoder;
  globalThis.btoa = (s) => b64Encode(Uint8Array.from(String(s), (c) => c.charCodeAt(0) & 255));
  globalThis.atob = (s) => String.fromCharCode(...b64Decode(s));
  class Buffer extends Uint8Array {
    static from(v, enc) {
      let bytes;
      if (typeof v === 'string') {
        if (enc === 'base64' || enc === 'base64url') bytes = b64Decode(v);
        else if (enc === 'hex') bytes = Uint8Array.from(v.match(/../g) || [], (h) => parseInt(h, 16));
        else if (enc === 'latin1' || enc === 'binary' || enc === 'ascii') bytes = Uint8Array.from(v, (c) => c.charCodeAt(0) & 255);
        else bytes = utf8Encode(v);
      } else if (v instanceof ArrayBuffer) bytes = new Uint8Array(v);
      else bytes = Uint8Array.from(v || []);
      const b = new Buffer(bytes.length);
      b.set(bytes);
      return b;
    }
    static alloc(n, fill) { askMemory(num0(n)); const b = new Buffer(n); if (fill !== undefined) b.fill(typeof fill === 'number' ? fill : 0); return b; }
    static isBuffer(v) { return v instanceof Buffer; }
    static byteLength(s, enc) { return typeof s === 'string' ? Buffer.from(s, enc).length : s.byteLength; }
    static concat(list) { const n = list.reduce((a, b) => a + b.length, 0); const out = new Buffer(n); let o = 0; for (const b of list) { out.set(b, o); o += b.length; } return out; }
    toString(enc) {
      if (enc === 'base64') return b64Encode(this);
      if (enc === 'base64url') return b64Encode(this).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      if (enc === 'hex') return Array.from(this, (x) => x.toString(16).padStart(2, '0')).join('');
      if (enc === 'latin1' || enc === 'binary' || enc === 'ascii') return String.fromCharCode(...this);
      return utf8Decode(this);
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(o) { return this.length === o.length && this.every((x, i) => x === o[i]); }
  }
  globalThis.Buffer = Buffer;
  const hex = (n) => Array.from({ length: n }, () => Math.floor(N.random() * 16).toString(16)).join('');
  const randomUUID = () => { const h = hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(N.random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`; };
  class Hash {
    constructor(alg) { this.alg = alg; this.parts = []; }
    update(data, enc) { this.parts.push(typeof data === 'string' ? Buffer.from(data, enc) : Buffer.from(data)); return this; }
    digest(enc) {
      const hex = N.hash(this.alg, b64Encode(Buffer.concat(this.parts)));
      const out = Buffer.from(hex, 'hex');
      return enc ? out.toString(enc) : out;
    }
  }
  // HMAC (RFC 2104) over the native digests: block size 64 bytes (128 for SHA-384/512).
  class Hmac {
    constructor(alg, key) {
      const block = /^sha(384|512)$/i.test(alg) ? 128 : 64;
      let k = typeof key === 'string' ? Buffer.from(key) : Buffer.from(key);
      if (k.length > block) k = new Hash(alg).update(k).digest();
      const pad = (x) => Buffer.from(Array.from({ length: block }, (_, i) => (k[i] || 0) ^ x));
      this.alg = alg; this.outer = pad(0x5c); this.inner = new Hash(alg).update(pad(0x36));
    }
    update(data, enc) { this.inner.update(data, enc); return this; }
    digest(enc) { return new Hash(this.alg).update(this.outer).update(this.inner.digest()).digest(enc); }
  }
  const cryptoModule = {
    createHash: (alg) => new Hash(alg),
    createHmac: (alg, key) => new Hmac(alg, key),
    randomUUID,
    randomBytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(N.random() * 256))),
    getRandomValues: (a) => { for (let i = 0; i < a.length; i++) a[i] = Math.floor(N.random() * 256); return a; },
  };
  globalThis.crypto = { randomUUID, getRandomValues: cryptoModule.getRandomValues };
  globalThis.structuredClone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

  // ---- The AWS SDK v3 shim: clients whose send() goes through the engine's API ----
  const pendingCalls = new Map();
  Object.defineProperty(globalThis, '__pg_settle', {
    // `v` is the response, or the error's {code, message, status, requestId}, as built
    // by the engine.
    value: (id, ok, v) => {
      const p = pendingCalls.get(id);
      if (!p) return;
      pendingCalls.delete(id);
      if (ok) {
        p.resolve(p.shape(v));
      } else {
        const e = new Error(v.message);
        e.name = v.code;
        e.Code = v.code;
        e.$fault = v.status >= 500 ? 'server' : 'client';
        e.$metadata = { httpStatusCode: v.status, requestId: v.requestId, attempts: 1, totalRetryDelay: 0 };
        p.reject(e);
      }
    },
  });
  function awsCall(action, input, shape) {
    return new Promise((resolve, reject) => {
      const id = N.call(action, JSON.stringify(input === undefined ? {} : input));
      pendingCalls.set(id, { resolve, reject, shape });
    });
  }
  const bytesIn = (v) => (v instanceof Uint8Array ? utf8Decode(v) : v);
  // Per-action adjustments where the SDK's types are bytes, not strings.
  const inputShapes = {
    'lambda:Invoke': (i) => Object.assign({}, i, i.Payload !== undefined ? { Payload: bytesIn(i.Payload) } : {}),
    's3:PutObject': (i) => Object.assign({}, i, i.Body !== undefined ? { Body: bytesIn(i.Body) } : {}),
    // The deployment package is bytes in the SDK and base64 on the wire.
    'lambda:CreateFunction': (i) => Object.assign({}, i, i.Code && i.Code.ZipFile instanceof Uint8Array
      ? { Code: Object.assign({}, i.Code, { ZipFile: b64Encode(i.Code.ZipFile) }) } : {}),
  };
  // GetObject's Body is a stream in SDK v3: read it with transformToString().
  const bodyStream = (text) => ({
    transformToString: async () => text,
    transformToByteArray: async () => utf8Encode(text),
  });
  const outputShapes = {
    'lambda:Invoke': (o) => Object.assign({}, o, o.Payload !== undefined ? { Payload: utf8Encode(o.Payload) } : {}),
    's3:GetObject': (o) => Object.assign({}, o, o.Body !== undefined ? { Body: bodyStream(o.Body) } : {}),
  };
  const SDK = {
    'client-sqs': ['sqs', 'SQS', ['SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'GetQueueAttributes', 'SetQueueAttributes', 'GetQueueUrl', 'ListQueues', 'PurgeQueue', 'CreateQueue', 'DeleteQueue', 'TagQueue', 'ListQueueTags']],
    'client-lambda': ['lambda', 'Lambda', ['Invoke', 'GetFunction', 'GetFunctionConfiguration', 'ListFunctions', 'ListEventSourceMappings', 'PublishVersion', 'UpdateFunctionConfiguration', 'PutFunctionConcurrency', 'GetFunctionConcurrency', 'DeleteFunctionConcurrency', 'CreateFunction', 'DeleteFunction', 'ListVersionsByFunction', 'CreateAlias', 'UpdateAlias', 'GetAlias', 'ListAliases']],
    'client-sns': ['sns', 'SNS', ['Publish', 'PublishBatch', 'Subscribe', 'Unsubscribe', 'ListTopics', 'ListSubscriptions', 'CreateTopic']],
    'client-sfn': ['states', 'SFN', ['StartExecution', 'StartSyncExecution', 'DescribeExecution', 'StopExecution', 'SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat', 'ListExecutions', 'GetExecutionHistory', 'GetActivityTask', 'CreateActivity', 'DescribeActivity', 'ListActivities', 'DeleteActivity']],
    'client-eventbridge': ['events', 'EventBridge', ['PutEvents', 'ListRules', 'DescribeRule', 'TestEventPattern', 'CreateArchive', 'DescribeArchive', 'ListArchives', 'DeleteArchive', 'StartReplay', 'DescribeReplay', 'ListReplays', 'CancelReplay']],
    'client-dynamodb': ['dynamodb', 'DynamoDB', ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems', 'DescribeTable']],
    'client-s3': ['s3', 'S3', ['GetObject', 'PutObject', 'HeadObject', 'DeleteObject', 'CopyObject', 'ListObjectsV2', 'ListBuckets', 'PutBucketVersioning', 'GetBucketVersioning', 'ListObjectVersions']],
    'client-kinesis': ['kinesis', 'Kinesis', ['PutRecord', 'PutRecords', 'GetRecords', 'GetShardIterator', 'DescribeStream', 'ListShards']],
    'client-firehose': ['firehose', 'Firehose', ['PutRecord', 'PutRecordBatch', 'DescribeDeliveryStream']],
    'client-codedeploy': ['codedeploy', 'CodeDeploy', ['PutLifecycleEventHookExecutionStatus', 'GetDeployment']],
  };
  const sdkModules = {};
  function sdkModule(pkg) {
    if (sdkModules[pkg]) return sdkModules[pkg];
    const [service, prefix, actions] = SDK[pkg];
    const m = {};
    class ServiceException extends Error {}
    m[`${prefix}ServiceException`] = ServiceException;
    m[`${prefix}Client`] = class {
      constructor(config) { this.config = Object.assign({ region: process.env.AWS_REGION }, config || {}); }
      send(command) {
        if (!command || !command.__action) return Promise.reject(new TypeError('send() needs a Command, e.g. new SendMessageCommand({...})'));
        const action = `${service}:${command.__action}`;
        const input = (inputShapes[action] || ((x) => x))(command.input || {});
        return awsCall(action, input, (out) => Object.assign((outputShapes[action] || ((x) => x))(out), {
          $metadata: { httpStatusCode: 200, requestId: out.__requestId, attempts: 1, totalRetryDelay: 0 },
        })).then((o) => { delete o.__requestId; return o; });
      }
      destroy() {}
      middlewareStack = { add() {}, use() {} };
    };
    for (const a of actions) {
      m[`${a}Command`] = class { constructor(input) { this.input = input || {}; this.__action = a; } };
    }
    sdkModules[pkg] = m;
    return m;
  }

  function errorOf(e) {
    if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
      // Node's runtime reports error.name: a subclass that does not set it is an "Error".
      const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
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
    // `event` is the event already built by the engine (`built`), or its JSON text.
    value: (handler, event, ctx, built) => {
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
        if (!built) event = JSON.parse(event);
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
