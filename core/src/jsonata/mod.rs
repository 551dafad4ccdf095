//! JSONata 2.0, the query language Step Functions runs inside `{% … %}` (written here
//! because no Rust crate is complete and deterministic: the one there is lacks regular
//! expressions and reads the wall clock and ambient randomness). [`compile`] parses an
//! expression once; [`Expression::evaluate`] runs it against JSON input with variable
//! bindings, the virtual clock and the seeded generator. Transforms (`| … | … |`, applied
//! by rebuilding what the pattern selects, found by identity) and partial application
//! (`$f(?, x)`), positional and context bindings (`#$i`, `@$v`) and the parent operator
//! `%` (a path with them runs as a stream of (context, bindings, ancestors) tuples) and
//! `$formatInteger`/`$parseInteger` (`integer.rs`) and `$toMillis` with a picture
//! (`datetime.rs`) run.

mod datetime;
pub mod eval;
pub mod functions;
mod integer;
mod parse;
pub mod value;

use crate::rng::Rng;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use value::V;

/// A JSONata error: its code (`T2001`, `S0202`, …), where in the expression it was found
/// (a character offset; 0 at run time) and jsonata.js's message.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: &'static str,
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

pub struct Step {
    pub node: Node,
    /// Predicates applied to each result of this step.
    pub stages: Vec<Node>,
    /// `step@$v`: each result is bound to `$v` and the path goes on from the context
    /// before this step.
    pub focus: Option<Rc<str>>,
    /// `step#$i`: each result's position is bound to `$i`.
    pub index: Option<Rc<str>>,
}

impl Step {
    fn new(node: Node) -> Self {
        Step {
            node,
            stages: Vec::new(),
            focus: None,
            index: None,
        }
    }
}

pub struct SortTerm {
    pub expr: Node,
    pub descending: bool,
}

pub enum Node {
    Num(f64),
    Str(Rc<str>),
    Bool(bool),
    Null,
    /// A regular expression literal: its pattern and flags, compiled when evaluated
    /// (so a page that only validates definitions carries no regex engine).
    Regex(Rc<str>, Rc<str>),
    Name(Rc<str>),
    /// `$name`; `$` (the context) is the empty name, `$$` (the root) is `$`.
    Var(Rc<str>),
    Wildcard,
    Descendants,
    /// `%`: the parent of the context item, in the path that reached it.
    Parent,
    Path {
        steps: Vec<Step>,
        keep_array: bool,
    },
    Neg(Box<Node>),
    Binary {
        op: &'static str,
        left: Box<Node>,
        right: Box<Node>,
    },
    Array {
        items: Vec<Node>,
        cons: bool,
    },
    /// An object constructor; after an expression (`Orders{…}`) it groups that
    /// expression's results.
    Object {
        input: Option<Box<Node>>,
        pairs: Vec<(Node, Node)>,
    },
    Filter {
        input: Box<Node>,
        preds: Vec<Node>,
    },
    /// A path step ordering the whole sequence before it (`Orders^(>Price)`).
    Sort(Vec<SortTerm>),
    Cond {
        test: Box<Node>,
        then: Box<Node>,
        otherwise: Option<Box<Node>>,
    },
    Block(Vec<Node>),
    Bind {
        name: Rc<str>,
        value: Box<Node>,
    },
    Lambda {
        params: Rc<[Rc<str>]>,
        body: Rc<Node>,
    },
    Call {
        func: Box<Node>,
        args: Vec<Node>,
    },
    /// A call with `?` placeholders (`$substring(?, 0, 3)`): a function of the rest.
    Partial {
        func: Box<Node>,
        args: Vec<Option<Node>>,
    },
    /// `| pattern | update [, delete] |`: a function copying its argument with the
    /// objects the pattern selects updated (and keys deleted).
    Transform(Rc<Transform>),
    /// The body of a transform's function: the transform applied to its argument.
    TransformRun(Rc<Transform>),
}

pub struct Transform {
    pub pattern: Node,
    pub update: Node,
    pub delete: Option<Node>,
}

/// A parsed expression, ready to run any number of times.
pub struct Expression {
    root: Node,
    pub text: String,
    vars: BTreeSet<String>,
}

fn collect_vars(n: &Node, out: &mut BTreeSet<String>) {
    let mut go = |x: &Node| collect_vars(x, out);
    match n {
        Node::Var(v) if !v.is_empty() && &**v != "$" => {
            out.insert(v.to_string());
        }
        Node::Path { steps, .. } => {
            for s in steps {
                collect_vars(&s.node, out);
                s.stages.iter().for_each(|x| collect_vars(x, out));
            }
        }
        Node::Neg(e) => go(e),
        Node::Binary { left, right, .. } => {
            go(left);
            go(right);
        }
        Node::Array { items, .. } | Node::Block(items) => items.iter().for_each(go),
        Node::Object { input, pairs } => {
            if let Some(i) = input {
                collect_vars(i, out);
            }
            for (k, v) in pairs {
                collect_vars(k, out);
                collect_vars(v, out);
            }
        }
        Node::Filter { input, preds } => {
            collect_vars(input, out);
            preds.iter().for_each(|x| collect_vars(x, out));
        }
        Node::Sort(terms) => terms.iter().for_each(|t| collect_vars(&t.expr, out)),
        Node::Cond {
            test,
            then,
            otherwise,
        } => {
            go(test);
            go(then);
            if let Some(o) = otherwise {
                collect_vars(o, out);
            }
        }
        Node::Bind { value, .. } => go(value),
        Node::Lambda { body, .. } => go(body),
        Node::Call { func, args } => {
            go(func);
            args.iter().for_each(go);
        }
        Node::Partial { func, args } => {
            go(func);
            args.iter().flatten().for_each(go);
        }
        Node::Transform(t) | Node::TransformRun(t) => {
            go(&t.pattern);
            go(&t.update);
            if let Some(d) = &t.delete {
                collect_vars(d, out);
            }
        }
        _ => {}
    }
}

pub fn compile(text: &str) -> Result<Expression, Error> {
    let root = parse::parse(text)?;
    let mut vars = BTreeSet::new();
    collect_vars(&root, &mut vars);
    Ok(Expression {
        root,
        text: text.to_string(),
        vars,
    })
}

impl Expression {
    /// The `$names` the expression reads (bound inside it or not): what a caller may
    /// need to supply.
    pub fn variables(&self) -> &BTreeSet<String> {
        &self.vars
    }

    /// Runs the expression on `input` (`None`: no input). `bind` supplies a variable's
    /// value by name; `Ok(None)` is JSONata's undefined.
    pub fn evaluate(
        &self,
        input: Option<&Value>,
        bind: &dyn Fn(&str) -> Option<Value>,
        rng: &mut Rng,
        now_ms: u64,
    ) -> Result<Option<Value>, Error> {
        let mut vars = HashMap::new();
        for name in &self.vars {
            if let Some(v) = bind(name) {
                vars.insert(Rc::from(name.as_str()), V::from_json(&v));
            }
        }
        let env = eval::Frame::root(vars);
        let input = input.map(V::from_json);
        let mut ctx = eval::Ctx::new(rng, now_ms, input.clone());
        let r = ctx.eval(&self.root, input.as_ref(), &env)?;
        Ok(r.and_then(|v| v.to_json()))
    }
}

/// Evaluates `text` once (tests and one-off uses).
pub fn evaluate(text: &str, input: &Value) -> Result<Option<Value>, Error> {
    let mut rng = Rng::new(1);
    compile(text)?.evaluate(Some(input), &|_| None, &mut rng, 0)
}
