//! Evaluating a JSONata syntax tree with jsonata.js's semantics: every path step maps
//! over the sequence before it and flattens one level; a sequence of one is its item;
//! predicates filter by position or truth; object constructors group; undefined (no
//! value) is not `null`. Evaluation is bounded — a nesting depth and a step budget — so a
//! runaway recursive function is an error, never a hung or crashed page.

use super::functions::{self, Builtin};
use super::value::{deep_equal, stringify, truthy, Lambda, Obj, CONS, KEEP, SEQ, V};
use super::{Error, Node, Step};
use crate::rng::Rng;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub type Env = Rc<Frame>;

#[derive(Default)]
pub struct Frame {
    vars: RefCell<HashMap<Rc<str>, V>>,
    parent: Option<Env>,
}

impl Frame {
    pub fn root(vars: HashMap<Rc<str>, V>) -> Env {
        Rc::new(Frame {
            vars: RefCell::new(vars),
            parent: None,
        })
    }
    fn child(parent: &Env) -> Env {
        Rc::new(Frame {
            vars: RefCell::default(),
            parent: Some(parent.clone()),
        })
    }
    fn lookup(&self, name: &str) -> Option<V> {
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref()?.lookup(name)
    }
    fn bind(&self, name: Rc<str>, v: V) {
        self.vars.borrow_mut().insert(name, v);
    }
}

/// Nested evaluations deeper than this fail with U1001 (a recursive function that never
/// ends), well before the host's stack would.
pub const MAX_DEPTH: usize = 1000;
/// Stack the evaluator may use, measured from where it started: unoptimised builds have
/// large frames and meet this before [`MAX_DEPTH`]; optimised ones (the CLI, the page)
/// meet the depth limit first, so both give the same answer.
const STACK_BUDGET: usize = 1 << 20;

fn stack_here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
/// Evaluation steps one expression may take: a loop over ten million items is an error.
pub const MAX_STEPS: u64 = 5_000_000;

pub struct Ctx<'a> {
    pub rng: &'a mut Rng,
    pub now_ms: u64,
    pub root: Option<V>,
    steps: u64,
    depth: usize,
    stack_base: usize,
}

pub type R = Result<Option<V>, Error>;

pub fn fail(code: &'static str, message: impl Into<String>) -> Error {
    Error {
        code,
        position: 0,
        message: message.into(),
    }
}

impl<'a> Ctx<'a> {
    pub fn new(rng: &'a mut Rng, now_ms: u64, root: Option<V>) -> Self {
        Ctx {
            rng,
            now_ms,
            root,
            steps: 0,
            depth: 0,
            stack_base: stack_here(),
        }
    }

    pub fn eval(&mut self, n: &Node, input: Option<&V>, env: &Env) -> R {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(fail(
                "U1002",
                format!("The expression took more than {MAX_STEPS} evaluation steps; the playground stopped it"),
            ));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH || self.stack_base.abs_diff(stack_here()) > STACK_BUDGET {
            self.depth -= 1;
            return Err(overflow());
        }
        let r = self.eval_node(n, input, env);
        self.depth -= 1;
        let mut r = r?;
        if let Some(V::Arr(a, f)) = &r {
            if f & SEQ != 0 {
                let keep = f & KEEP != 0
                    || matches!(
                        n,
                        Node::Path {
                            keep_array: true,
                            ..
                        }
                    );
                r = match a.len() {
                    0 => None,
                    1 if !keep => Some(a[0].clone()),
                    _ if keep => Some(V::Arr(a.clone(), f | KEEP)),
                    _ => r,
                };
            }
        }
        Ok(r)
    }

    fn eval_node(&mut self, n: &Node, input: Option<&V>, env: &Env) -> R {
        Ok(match n {
            Node::Num(x) => Some(V::Num(*x)),
            Node::Str(s) => Some(V::Str(s.clone())),
            Node::Bool(b) => Some(V::Bool(*b)),
            Node::Null => Some(V::Null),
            Node::Regex(p, f) => Some(V::Regex(compile_regex(p, f)?)),
            Node::Name(k) => lookup(input, k),
            Node::Var(name) => match &**name {
                "" => input.cloned(),
                "$" => self.root.clone(),
                _ => env
                    .lookup(name)
                    .or_else(|| functions::get(name).map(V::Builtin)),
            },
            Node::Wildcard => Some(wildcard(input)),
            // Outside a path that tracks it, `%` refers to the parent bound by the path
            // this expression is a step of (see `tuple_path`).
            Node::Parent => match env.lookup(PARENTS).as_ref().and_then(V::as_array) {
                Some(stack) if !stack.is_empty() => Some(stack[stack.len() - 1].clone()),
                _ => return Err(no_parent()),
            },
            Node::Descendants => {
                let mut out = Vec::new();
                if let Some(v) = input {
                    descend(v, &mut out);
                }
                Some(V::seq(out))
            }
            Node::Path { steps, keep_array } => self.path(steps, *keep_array, input, env)?,
            Node::Neg(e) => match self.eval(e, input, env)? {
                None => None,
                Some(V::Num(x)) => Some(V::Num(-x)),
                Some(_) => return Err(fail("D1002", "Cannot negate a non-numeric value")),
            },
            Node::Binary { op, left, right } => self.binary(op, left, right, input, env)?,
            Node::Array { items, cons } => Some(self.array(items, *cons, input, env)?),
            Node::Object { input: src, pairs } => {
                let data = match src {
                    Some(e) => match self.eval(e, input, env)? {
                        None => return Ok(None),
                        d => d,
                    },
                    None => input.cloned(),
                };
                Some(self.group(pairs, data.as_ref(), env)?)
            }
            Node::Filter { input: e, preds } => {
                let mut v = self.eval(e, input, env)?;
                for p in preds {
                    v = Some(self.filter(p, v, env)?);
                }
                v
            }
            Node::Sort(terms) => Some(self.sort(terms, input.cloned(), env)?),
            Node::Cond {
                test,
                then,
                otherwise,
            } => {
                let t = self.eval(test, input, env)?;
                if truthy(t.as_ref()) {
                    self.eval(then, input, env)?
                } else if let Some(o) = otherwise {
                    self.eval(o, input, env)?
                } else {
                    None
                }
            }
            Node::Block(items) => {
                let frame = Frame::child(env);
                let mut last = None;
                for item in items {
                    last = self.eval(item, input, &frame)?;
                }
                last
            }
            Node::Bind { name, value } => {
                let v = self.eval(value, input, env)?;
                if let Some(v) = &v {
                    env.bind(name.clone(), v.clone());
                }
                v
            }
            Node::Lambda { params, body } => Some(V::Lambda(Rc::new(Lambda {
                params: params.clone(),
                body: body.clone(),
                env: env.clone(),
                input: input.cloned(),
            }))),
            Node::Call { func, args } => self.call(func, args, input, env)?,
            Node::Partial { func, args } => Some(self.partial(func, args, input, env)?),
            Node::Transform(t) => Some(V::Lambda(Rc::new(Lambda {
                params: Rc::from(vec![Rc::<str>::from(" t")]),
                body: Rc::new(Node::TransformRun(t.clone())),
                env: env.clone(),
                input: input.cloned(),
            }))),
            Node::TransformRun(t) => match env.lookup(" t") {
                None => None,
                Some(obj) => Some(self.transform(t, obj, env)?),
            },
        })
    }

    /// `$f(a, ?, c)`: a function whose parameters fill the placeholders, in order.
    fn partial(
        &mut self,
        func: &Node,
        args: &[Option<Node>],
        input: Option<&V>,
        env: &Env,
    ) -> Result<V, Error> {
        let f = match self.eval(func, input, env)? {
            Some(f) if f.is_function() => f,
            _ => return Err(fail("T1008", "Attempted to partially apply a non-function")),
        };
        let frame = Frame::child(env);
        frame.bind(" pf".into(), f);
        let (mut params, mut call_args) = (Vec::new(), Vec::new());
        for (i, a) in args.iter().enumerate() {
            match a {
                Some(node) => {
                    let name: Rc<str> = format!(" a{i}").into();
                    if let Some(v) = self.eval(node, input, env)? {
                        frame.bind(name.clone(), v);
                    }
                    call_args.push(Node::Var(name));
                }
                None => {
                    let name: Rc<str> = format!(" p{i}").into();
                    params.push(name.clone());
                    call_args.push(Node::Var(name));
                }
            }
        }
        Ok(V::Lambda(Rc::new(Lambda {
            params: params.into(),
            body: Rc::new(Node::Call {
                func: Box::new(Node::Var(" pf".into())),
                args: call_args,
            }),
            env: frame,
            input: input.cloned(),
        })))
    }

    /// A transform applied to `obj`: the objects the pattern selects (found by identity
    /// in `obj`) get the update's keys and lose the deleted ones; the rest is shared.
    fn transform(&mut self, t: &super::Transform, obj: V, env: &Env) -> Result<V, Error> {
        let matches = match self.eval(&t.pattern, Some(&obj), env)? {
            None => return Ok(obj),
            Some(V::Arr(a, _)) => a.to_vec(),
            Some(v) => vec![v],
        };
        let mut replaced: HashMap<usize, Rc<Obj>> = HashMap::new();
        for m in matches {
            let V::Obj(o) = &m else { continue };
            let key = Rc::as_ptr(o) as usize;
            let mut new: Obj = match replaced.get(&key) {
                Some(r) => (**r).clone(),
                None => (**o).clone(),
            };
            let current = V::Obj(Rc::new(new.clone()));
            match self.eval(&t.update, Some(&current), env)? {
                None => {}
                Some(V::Obj(u)) => {
                    for (k, v) in u.iter() {
                        new.insert(k.clone(), v.clone());
                    }
                }
                Some(_) => {
                    return Err(fail(
                        "T2011",
                        "The insert/update clause of the transform expression must evaluate to an object",
                    ))
                }
            }
            if let Some(d) = &t.delete {
                let names = match self.eval(d, Some(&current), env)? {
                    None => Vec::new(),
                    Some(V::Str(s)) => vec![s],
                    Some(V::Arr(a, _)) if a.iter().all(|x| matches!(x, V::Str(_))) => a
                        .iter()
                        .filter_map(|x| match x {
                            V::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                    Some(_) => {
                        return Err(fail(
                            "T2012",
                            "The delete clause of the transform expression must evaluate to a string or array of strings",
                        ))
                    }
                };
                for n in names {
                    new.shift_remove(&n);
                }
            }
            replaced.insert(key, Rc::new(new));
        }
        Ok(rebuild(&obj, &replaced))
    }

    #[inline(never)]
    fn sort(&mut self, terms: &[super::SortTerm], v: Option<V>, env: &Env) -> Result<V, Error> {
        let items: Vec<V> = match v {
            Some(V::Arr(a, _)) => a.to_vec(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let mut keys = Vec::with_capacity(items.len());
        for item in &items {
            let mut k = Vec::with_capacity(terms.len());
            for t in terms {
                let v = self.eval(&t.expr, Some(item), env)?;
                if !matches!(v, None | Some(V::Num(_)) | Some(V::Str(_))) {
                    return Err(fail("T2008", "The expressions within an order-by clause must evaluate to numeric or string values"));
                }
                k.push(v);
            }
            keys.push(k);
        }
        let mut idx: Vec<usize> = (0..items.len()).collect();
        let mut bad = false;
        idx.sort_by(|&a, &b| {
            for (t, term) in terms.iter().enumerate() {
                let o = match (&keys[a][t], &keys[b][t]) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, _) => return std::cmp::Ordering::Greater,
                    (_, None) => return std::cmp::Ordering::Less,
                    (Some(V::Num(x)), Some(V::Num(y))) => {
                        x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal)
                    }
                    (Some(V::Str(x)), Some(V::Str(y))) => x.cmp(y),
                    _ => {
                        bad = true;
                        std::cmp::Ordering::Equal
                    }
                };
                let o = if term.descending { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
        if bad {
            return Err(fail(
                "T2007",
                "Type mismatch when comparing values in order-by clause",
            ));
        }
        Ok(V::seq(idx.into_iter().map(|i| items[i].clone()).collect()))
    }

    #[inline(never)]
    fn array(
        &mut self,
        items: &[Node],
        cons: bool,
        input: Option<&V>,
        env: &Env,
    ) -> Result<V, Error> {
        let mut out = Vec::new();
        for item in items {
            if let Some(v) = self.eval(item, input, env)? {
                match (item, v) {
                    (Node::Array { .. }, v) => out.push(v),
                    (_, V::Arr(a, _)) => out.extend(a.iter().cloned()),
                    (_, v) => out.push(v),
                }
            }
        }
        Ok(V::Arr(Rc::new(out), if cons { CONS } else { 0 }))
    }

    #[inline(never)]
    fn call(&mut self, func: &Node, args: &[Node], input: Option<&V>, env: &Env) -> R {
        let f = self.eval(func, input, env)?;
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a, input, env)?);
        }
        self.call_value(f, func, vals, input)
    }

    #[inline(never)]
    fn call_value(
        &mut self,
        f: Option<V>,
        func: &Node,
        args: Vec<Option<V>>,
        input: Option<&V>,
    ) -> R {
        match f {
            Some(f) if f.is_function() => self.apply(&f, args, input),
            _ => {
                let name = match func {
                    Node::Path { steps, .. } => match steps.first().map(|s| &s.node) {
                        Some(Node::Name(n)) => Some(n.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                Err(match (name, func) {
                    (Some(n), _) => fail(
                        "T1005",
                        format!("Attempted to invoke a non-function. Did you mean ${n}?"),
                    ),
                    (None, Node::Var(v)) if functions::get(v).is_none() => fail(
                        "T1006",
                        format!("Attempted to invoke a non-function: ${v} is not defined"),
                    ),
                    _ => fail("T1006", "Attempted to invoke a non-function"),
                })
            }
        }
    }

    /// Calls a function value with evaluated arguments; `context` is what a built-in takes
    /// for a missing first argument (`name.$uppercase()`).
    #[inline(never)]
    pub fn apply(&mut self, f: &V, mut args: Vec<Option<V>>, context: Option<&V>) -> R {
        match f {
            V::Lambda(l) => {
                let frame = Frame::child(&l.env);
                for (i, p) in l.params.iter().enumerate() {
                    if let Some(Some(v)) = args.get(i) {
                        frame.bind(p.clone(), v.clone());
                    }
                }
                self.eval(&l.body, l.input.as_ref(), &frame)
            }
            V::Builtin(b) => {
                if b.context && args.len() < b.min {
                    args.insert(0, context.cloned());
                }
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.depth -= 1;
                    return Err(overflow());
                }
                let r = (b.call)(self, args).map_err(|e| named(e, b));
                self.depth -= 1;
                r
            }
            _ => Err(fail("T1006", "Attempted to invoke a non-function")),
        }
    }

    /// How many arguments a higher-order function passes to `f` (value, index, array…).
    pub fn arity(f: &V) -> usize {
        match f {
            V::Lambda(l) => l.params.len(),
            V::Builtin(b) => b.arity,
            _ => 0,
        }
    }

    #[inline(never)]
    fn path(&mut self, steps: &[Step], keep: bool, input: Option<&V>, env: &Env) -> R {
        if steps
            .iter()
            .any(|s| s.focus.is_some() || s.index.is_some() || mentions_parent(s))
        {
            return self.tuple_path(steps, keep, input, env);
        }
        let first_var = matches!(steps.first().map(|s| &s.node), Some(Node::Var(_)));
        let mut seq: Vec<Option<V>> = match input {
            Some(V::Arr(a, _)) if !first_var => a.iter().cloned().map(Some).collect(),
            other => vec![other.cloned()],
        };
        let mut result = V::seq(Vec::new());
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            result = self.step(step, &seq, env, last)?;
            match &result {
                V::Arr(a, f) if f & SEQ != 0 => {
                    if a.is_empty() {
                        break;
                    }
                    if !last {
                        seq = a.iter().cloned().map(Some).collect();
                    }
                }
                _ => {}
            }
        }
        if keep {
            result = match result {
                V::Arr(a, f) if f & CONS != 0 && f & SEQ == 0 => {
                    V::Arr(Rc::new(vec![V::Arr(a, f)]), SEQ | KEEP)
                }
                V::Arr(a, f) => V::Arr(a, f | KEEP),
                other => V::Arr(Rc::new(vec![other]), SEQ | KEEP),
            };
        }
        Ok(Some(result))
    }

    /// A path with `@` or `#` bindings, as jsonata.js evaluates it: a stream of
    /// (context, bindings) tuples, each step evaluated once per tuple with its bindings.
    fn tuple_path(&mut self, steps: &[Step], keep: bool, input: Option<&V>, env: &Env) -> R {
        let first_var = matches!(steps.first().map(|s| &s.node), Some(Node::Var(_)));
        // Each tuple carries the ancestors of its context (for `%`), outermost first,
        // starting from those of the expression this path is part of.
        let outer: Vec<V> = env
            .lookup(PARENTS)
            .and_then(|v| v.as_array().map(<[V]>::to_vec))
            .unwrap_or_default();
        let mut tuples: Vec<(Option<V>, Env, Vec<V>)> = match input {
            Some(V::Arr(a, _)) if !first_var => a
                .iter()
                .map(|x| (Some(x.clone()), env.clone(), outer.clone()))
                .collect(),
            other => vec![(other.cloned(), env.clone(), outer.clone())],
        };
        for step in steps {
            let binds = step.focus.is_some() || step.index.is_some();
            let mut next = Vec::new();
            for (ctx, tenv, parents) in &tuples {
                if matches!(step.node, Node::Parent) {
                    // `%` as a step: up one level (`%.%` is the grandparent).
                    let mut up = parents.clone();
                    let Some(p) = up.pop() else {
                        return Err(no_parent());
                    };
                    let frame = Frame::child(tenv);
                    frame.bind(PARENTS.into(), V::arr(up.clone()));
                    next.push((Some(p), frame, up));
                    continue;
                }
                // What this step's expressions see as `%`: the ancestors of its input.
                let tenv = &if mentions_parent(step) {
                    let frame = Frame::child(tenv);
                    frame.bind(PARENTS.into(), V::arr(parents.clone()));
                    frame
                } else {
                    tenv.clone()
                };
                let mut r = self.eval(&step.node, ctx.as_ref(), tenv)?;
                // The items' parent is this step's context (a focus keeps the context).
                let mut up = parents.clone();
                if step.focus.is_none() {
                    if let Some(c) = ctx {
                        up.push(c.clone());
                    }
                }
                if !binds {
                    // Predicates run on the items: their `%` is this step's context.
                    let stage_env = Frame::child(tenv);
                    stage_env.bind(PARENTS.into(), V::arr(up.clone()));
                    for stage in &step.stages {
                        r = Some(self.filter(stage, r, &stage_env)?);
                    }
                }
                let items: Vec<V> = match r {
                    None => Vec::new(),
                    Some(V::Arr(a, f)) if f & CONS == 0 => a.to_vec(),
                    Some(v) => vec![v],
                };
                let n = items.len() as i64;
                let frame_for = |tenv: &Env| {
                    let f = Frame::child(tenv);
                    f.bind(PARENTS.into(), V::arr(up.clone()));
                    f
                };
                for (i, item) in items.into_iter().enumerate() {
                    if !binds {
                        next.push((Some(item), frame_for(tenv), up.clone()));
                        continue;
                    }
                    let frame = frame_for(tenv);
                    if let Some(v) = &step.focus {
                        frame.bind(v.clone(), item.clone());
                    }
                    if let Some(v) = &step.index {
                        frame.bind(v.clone(), V::Num(i as f64));
                    }
                    // With a focus the path goes on from the context before the step.
                    let here = if step.focus.is_some() {
                        ctx.clone()
                    } else {
                        Some(item)
                    };
                    // Predicates see this tuple's own bindings.
                    let mut kept = true;
                    for stage in &step.stages {
                        kept = match self.eval(stage, here.as_ref(), &frame)? {
                            Some(V::Num(x)) => {
                                let at = x.floor() as i64;
                                (if at < 0 { at + n } else { at }) == i as i64
                            }
                            v => truthy(v.as_ref()),
                        };
                        if !kept {
                            break;
                        }
                    }
                    if kept {
                        next.push((here, frame, up.clone()));
                    }
                }
            }
            tuples = next;
            if tuples.is_empty() {
                break;
            }
        }
        let out: Vec<V> = tuples.into_iter().filter_map(|(c, _, _)| c).collect();
        let result = if keep {
            V::Arr(Rc::new(out), SEQ | KEEP)
        } else {
            V::seq(out)
        };
        Ok(Some(result))
    }

    fn step(&mut self, step: &Step, seq: &[Option<V>], env: &Env, last: bool) -> Result<V, Error> {
        if let Node::Sort(terms) = &step.node {
            let all = V::seq(seq.iter().flatten().cloned().collect());
            let mut r = Some(self.sort(terms, Some(all), env)?);
            for stage in &step.stages {
                r = Some(self.filter(stage, r, env)?);
            }
            return Ok(r.unwrap_or_else(|| V::seq(Vec::new())));
        }
        let mut results = Vec::new();
        for item in seq {
            let mut r = self.eval(&step.node, item.as_ref(), env)?;
            for stage in &step.stages {
                r = Some(self.filter(stage, r, env)?);
            }
            if let Some(r) = r {
                results.push(r);
            }
        }
        if last && results.len() == 1 && matches!(&results[0], V::Arr(_, f) if f & SEQ == 0) {
            return Ok(results.pop().unwrap_or(V::Null));
        }
        let mut out = Vec::new();
        for r in results {
            match r {
                V::Arr(a, f) if f & CONS == 0 => out.extend(a.iter().cloned()),
                other => out.push(other),
            }
        }
        Ok(V::seq(out))
    }

    fn filter(&mut self, pred: &Node, v: Option<V>, env: &Env) -> Result<V, Error> {
        let items: Vec<V> = match v {
            Some(V::Arr(a, _)) => a.to_vec(),
            Some(x) => vec![x],
            None => Vec::new(),
        };
        let n = items.len() as i64;
        let index = |x: f64| {
            let i = x.floor() as i64;
            if i < 0 {
                i + n
            } else {
                i
            }
        };
        if let Node::Num(x) = pred {
            let i = index(*x);
            return Ok(match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                Some(V::Arr(a, f)) => V::Arr(a.clone(), *f),
                Some(item) => V::seq(vec![item.clone()]),
                None => V::seq(Vec::new()),
            });
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let r = self.eval(pred, Some(item), env)?;
            let numbers: Option<Vec<f64>> = match &r {
                Some(V::Num(x)) => Some(vec![*x]),
                Some(V::Arr(a, _)) if !a.is_empty() && a.iter().all(|x| matches!(x, V::Num(_))) => {
                    Some(
                        a.iter()
                            .filter_map(|x| if let V::Num(n) = x { Some(*n) } else { None })
                            .collect(),
                    )
                }
                _ => None,
            };
            let keep = match numbers {
                Some(ns) => ns.iter().any(|x| index(*x) == i as i64),
                None => truthy(r.as_ref()),
            };
            if keep {
                out.push(item.clone());
            }
        }
        Ok(V::seq(out))
    }

    fn group(&mut self, pairs: &[(Node, Node)], data: Option<&V>, env: &Env) -> Result<V, Error> {
        let items: Vec<Option<V>> = match data {
            Some(V::Arr(a, _)) if a.is_empty() => vec![None],
            Some(V::Arr(a, _)) => a.iter().cloned().map(Some).collect(),
            other => vec![other.cloned()],
        };
        let mut groups: indexmap::IndexMap<Rc<str>, (Vec<Option<V>>, usize)> =
            indexmap::IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = match self.eval(k, item.as_ref(), env)? {
                    None => continue,
                    Some(V::Str(s)) => s,
                    Some(other) => {
                        return Err(fail(
                            "T1003",
                            format!(
                                "Key in object structure must evaluate to a string; got: {}",
                                stringify(&other, false)
                            ),
                        ))
                    }
                };
                match groups.get_mut(&key) {
                    Some((d, p)) => {
                        if *p != pi {
                            return Err(fail(
                                "D1009",
                                format!("Multiple key definitions evaluate to same key: {key}"),
                            ));
                        }
                        d.push(item.clone());
                    }
                    None => {
                        groups.insert(key, (vec![item.clone()], pi));
                    }
                }
            }
        }
        let mut out = Obj::new();
        for (key, (d, pi)) in groups {
            let context = if d.len() == 1 {
                d.into_iter().next().flatten()
            } else {
                let mut all = Vec::new();
                for x in d.into_iter().flatten() {
                    match x {
                        V::Arr(a, _) => all.extend(a.iter().cloned()),
                        other => all.push(other),
                    }
                }
                Some(V::seq(all))
            };
            if let Some(v) = self.eval(&pairs[pi].1, context.as_ref(), env)? {
                out.insert(key, v);
            }
        }
        Ok(V::Obj(Rc::new(out)))
    }

    #[inline(never)]
    fn binary(&mut self, op: &str, left: &Node, right: &Node, input: Option<&V>, env: &Env) -> R {
        match op {
            "and" => {
                let l = self.eval(left, input, env)?;
                if !truthy(l.as_ref()) {
                    return Ok(Some(V::Bool(false)));
                }
                let r = self.eval(right, input, env)?;
                return Ok(Some(V::Bool(truthy(r.as_ref()))));
            }
            "or" => {
                let l = self.eval(left, input, env)?;
                if truthy(l.as_ref()) {
                    return Ok(Some(V::Bool(true)));
                }
                let r = self.eval(right, input, env)?;
                return Ok(Some(V::Bool(truthy(r.as_ref()))));
            }
            "~>" => {
                let l = self.eval(left, input, env)?;
                if let Node::Call { func, args } = right {
                    let f = self.eval(func, input, env)?;
                    let mut vals = vec![l];
                    for a in args {
                        vals.push(self.eval(a, input, env)?);
                    }
                    return self.call_value(f, func, vals, input);
                }
                let f = self.eval(right, input, env)?;
                return match f {
                    Some(f) if f.is_function() => self.apply(&f, vec![l], input),
                    _ => Err(fail(
                        "T2006",
                        "The right side of the function application operator ~> must be a function",
                    )),
                };
            }
            _ => {}
        }
        let l = self.eval(left, input, env)?;
        let r = self.eval(right, input, env)?;
        match op {
            "+" | "-" | "*" | "/" | "%" => {
                if l.as_ref().is_some_and(|v| !matches!(v, V::Num(_))) {
                    return Err(fail(
                        "T2001",
                        format!("The left side of the {op} operator must evaluate to a number"),
                    ));
                }
                if r.as_ref().is_some_and(|v| !matches!(v, V::Num(_))) {
                    return Err(fail(
                        "T2002",
                        format!("The right side of the {op} operator must evaluate to a number"),
                    ));
                }
                let (Some(V::Num(a)), Some(V::Num(b))) = (l, r) else {
                    return Ok(None);
                };
                let x = match op {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    "/" => a / b,
                    _ => a % b,
                };
                if !x.is_finite() {
                    return Err(fail(
                        "D1001",
                        format!("Number out of range: {}", super::value::number_text(x)),
                    ));
                }
                Ok(Some(V::Num(x)))
            }
            "=" | "!=" => {
                let (Some(a), Some(b)) = (l, r) else {
                    return Ok(Some(V::Bool(false)));
                };
                let eq = deep_equal(&a, &b);
                Ok(Some(V::Bool(if op == "=" { eq } else { !eq })))
            }
            "<" | "<=" | ">" | ">=" => {
                let comparable =
                    |v: &Option<V>| matches!(v, None | Some(V::Num(_)) | Some(V::Str(_)));
                if !comparable(&l) || !comparable(&r) {
                    return Err(fail("T2010", format!("The expressions either side of operator \"{op}\" must evaluate to numeric or string values")));
                }
                let o = match (&l, &r) {
                    (None, _) | (_, None) => return Ok(None),
                    (Some(V::Num(a)), Some(V::Num(b))) => a.partial_cmp(b),
                    (Some(V::Str(a)), Some(V::Str(b))) => Some(a.cmp(b)),
                    (Some(a), Some(b)) => {
                        return Err(fail(
                            "T2009",
                            format!(
                                "The values {} and {} either side of operator \"{op}\" must be of the same data type",
                                stringify(a, false),
                                stringify(b, false)
                            ),
                        ))
                    }
                };
                let Some(o) = o else {
                    return Ok(Some(V::Bool(false)));
                };
                use std::cmp::Ordering::*;
                Ok(Some(V::Bool(match op {
                    "<" => o == Less,
                    "<=" => o != Greater,
                    ">" => o == Greater,
                    _ => o != Less,
                })))
            }
            "&" => {
                let s = |v: &Option<V>| v.as_ref().map(|v| stringify(v, false)).unwrap_or_default();
                Ok(Some(V::str(format!("{}{}", s(&l), s(&r)))))
            }
            "in" => {
                let Some(l) = l else {
                    return Ok(Some(V::Bool(false)));
                };
                let found = match &r {
                    Some(V::Arr(a, _)) => a.iter().any(|x| deep_equal(x, &l)),
                    Some(x) => deep_equal(x, &l),
                    None => false,
                };
                Ok(Some(V::Bool(found)))
            }
            ".." => {
                let int = |v: &Option<V>| match v {
                    Some(V::Num(x)) if x.fract() == 0.0 => Ok(Some(*x as i64)),
                    None => Ok(None),
                    _ => Err(()),
                };
                let a = int(&l).map_err(|_| {
                    fail(
                        "T2003",
                        "The left side of the range operator (..) must evaluate to an integer",
                    )
                })?;
                let b = int(&r).map_err(|_| {
                    fail(
                        "T2004",
                        "The right side of the range operator (..) must evaluate to an integer",
                    )
                })?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                if a > b {
                    return Ok(None);
                }
                let size = b - a + 1;
                if size > 10_000_000 {
                    return Err(fail("D2014", format!("The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {size}.")));
                }
                self.steps += size as u64 / 8;
                Ok(Some(V::arr((a..=b).map(|i| V::Num(i as f64)).collect())))
            }
            _ => Err(fail("S0204", format!("Unknown operator: {op}"))),
        }
    }
}

fn named(mut e: Error, b: &Builtin) -> Error {
    if e.message.contains("{fn}") {
        e.message = e.message.replace("{fn}", b.name);
    }
    e
}

/// A field of an object, or of every object in an array (flattened one level).
/// The variable a path's tuples keep their context's ancestors in (not a JSONata name).
const PARENTS: &str = " %";

fn no_parent() -> Error {
    fail(
        "S0217",
        "The object representing the 'parent' cannot be derived from this expression",
    )
}

/// Whether `%` appears in a step (its node or predicates), outside nested paths'
/// own steps (a nested path starting with `%` reads the ancestors of this one).
fn mentions_parent(step: &Step) -> bool {
    fn go(n: &Node) -> bool {
        match n {
            Node::Parent => true,
            Node::Path { steps, .. } => steps.first().is_some_and(|s| go(&s.node)),
            Node::Neg(e) => go(e),
            Node::Binary { left, right, .. } => go(left) || go(right),
            Node::Array { items, .. } | Node::Block(items) => items.iter().any(go),
            Node::Object { input, pairs } => {
                input.as_deref().is_some_and(go) || pairs.iter().any(|(k, v)| go(k) || go(v))
            }
            Node::Filter { input, preds } => go(input) || preds.iter().any(go),
            Node::Cond {
                test,
                then,
                otherwise,
            } => go(test) || go(then) || otherwise.as_deref().is_some_and(go),
            Node::Bind { value, .. } => go(value),
            Node::Call { func, args } => go(func) || args.iter().any(go),
            _ => false,
        }
    }
    go(&step.node) || step.stages.iter().any(go)
}

/// `v` with the objects `replaced` names (by address) swapped for their new versions;
/// what holds none of them is shared, not copied.
fn rebuild(v: &V, replaced: &HashMap<usize, Rc<Obj>>) -> V {
    match v {
        V::Obj(o) => {
            let base = replaced.get(&(Rc::as_ptr(o) as usize)).unwrap_or(o);
            let mut changed = !Rc::ptr_eq(base, o);
            let mut out = Obj::with_capacity(base.len());
            for (k, x) in base.iter() {
                let y = rebuild(x, replaced);
                changed |= !same(x, &y);
                out.insert(k.clone(), y);
            }
            if changed {
                V::Obj(Rc::new(out))
            } else {
                v.clone()
            }
        }
        V::Arr(a, f) => {
            let items: Vec<V> = a.iter().map(|x| rebuild(x, replaced)).collect();
            if items.iter().zip(a.iter()).all(|(x, y)| same(x, y)) {
                v.clone()
            } else {
                V::Arr(Rc::new(items), *f)
            }
        }
        other => other.clone(),
    }
}

/// The same value by address (objects and arrays) or trivially equal (the rest).
fn same(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Obj(x), V::Obj(y)) => Rc::ptr_eq(x, y),
        (V::Arr(x, _), V::Arr(y, _)) => Rc::ptr_eq(x, y),
        _ => true,
    }
}

pub fn lookup(input: Option<&V>, key: &str) -> Option<V> {
    match input {
        Some(V::Arr(a, _)) => {
            let mut out = Vec::new();
            for x in a.iter() {
                match lookup(Some(x), key) {
                    Some(V::Arr(b, _)) => out.extend(b.iter().cloned()),
                    Some(v) => out.push(v),
                    None => {}
                }
            }
            Some(V::seq(out))
        }
        Some(V::Obj(o)) => o.get(key).cloned(),
        _ => None,
    }
}

pub fn flatten_into(v: &V, out: &mut Vec<V>) {
    match v {
        V::Arr(a, _) => a.iter().for_each(|x| flatten_into(x, out)),
        other => out.push(other.clone()),
    }
}

fn descend(v: &V, out: &mut Vec<V>) {
    match v {
        V::Arr(a, _) => a.iter().for_each(|x| descend(x, out)),
        V::Obj(o) => {
            out.push(v.clone());
            o.values().for_each(|x| descend(x, out));
        }
        other => out.push(other.clone()),
    }
}

fn wildcard(input: Option<&V>) -> V {
    let mut out = Vec::new();
    match input {
        Some(V::Obj(o)) => {
            for v in o.values() {
                match v {
                    V::Arr(..) => flatten_into(v, &mut out),
                    other => out.push(other.clone()),
                }
            }
        }
        Some(v @ V::Arr(..)) => flatten_into(v, &mut out),
        _ => {}
    }
    V::seq(out)
}

fn overflow() -> Error {
    fail(
        "U1001",
        "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
    )
}

/// Compiled regex literals by (pattern, flags).
type RegexCache = HashMap<(Rc<str>, Rc<str>), Rc<regress::Regex>>;

thread_local! {
    static REGEXES: std::cell::RefCell<RegexCache> = std::cell::RefCell::new(HashMap::new());
}

/// A regex literal compiled (once per thread) with JavaScript's semantics.
fn compile_regex(pattern: &Rc<str>, flags: &Rc<str>) -> Result<Rc<regress::Regex>, Error> {
    let key = (pattern.clone(), flags.clone());
    if let Some(re) = REGEXES.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(re);
    }
    let mut all = flags.to_string();
    all.push('u');
    let re = Rc::new(
        regress::Regex::with_flags(pattern, all.as_str()).map_err(|e| {
            fail(
                "S0303",
                format!("Invalid regular expression /{pattern}/: {e}"),
            )
        })?,
    );
    REGEXES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 500 {
            c.clear();
        }
        c.insert(key, re.clone());
    });
    Ok(re)
}
