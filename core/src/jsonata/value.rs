//! JSONata's values: JSON plus functions, with arrays that remember whether they are a
//! *sequence* (a path's results, unwrapped when they hold one item), an array built by a
//! constructor inside a path (`cons`, never flattened) or a sequence that must stay an
//! array (`[]`). Also the conversions JSONata applies everywhere: `$boolean`, `$string`
//! (numbers to 15 significant digits, as JavaScript prints them) and deep equality.

use super::Node;
use indexmap::IndexMap;
use serde_json::Value;
use std::rc::Rc;

pub const SEQ: u8 = 1;
pub const CONS: u8 = 2;
pub const KEEP: u8 = 4;

pub type Obj = IndexMap<Rc<str>, V>;

#[derive(Clone)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<V>>, u8),
    Obj(Rc<Obj>),
    Lambda(Rc<Lambda>),
    Builtin(&'static super::functions::Builtin),
    Regex(Rc<regress::Regex>),
}

pub struct Lambda {
    pub params: Rc<[Rc<str>]>,
    pub body: Rc<Node>,
    pub env: super::eval::Env,
    pub input: Option<V>,
}

impl V {
    pub fn seq(items: Vec<V>) -> V {
        V::Arr(Rc::new(items), SEQ)
    }
    pub fn arr(items: Vec<V>) -> V {
        V::Arr(Rc::new(items), 0)
    }
    pub fn str(s: impl Into<Rc<str>>) -> V {
        V::Str(s.into())
    }
    pub fn is_seq(&self) -> bool {
        matches!(self, V::Arr(_, f) if f & SEQ != 0)
    }
    pub fn is_function(&self) -> bool {
        matches!(self, V::Lambda(_) | V::Builtin(_))
    }
    pub fn as_array(&self) -> Option<&[V]> {
        match self {
            V::Arr(a, _) => Some(a),
            _ => None,
        }
    }
    pub fn with_flags(self, add: u8) -> V {
        match self {
            V::Arr(a, f) => V::Arr(a, f | add),
            other => other,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "boolean",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::Arr(..) => "array",
            V::Obj(_) => "object",
            V::Lambda(_) | V::Builtin(_) | V::Regex(_) => "function",
        }
    }

    pub fn from_json(v: &Value) -> V {
        match v {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => V::Str(s.as_str().into()),
            Value::Array(a) => V::arr(a.iter().map(V::from_json).collect()),
            Value::Object(o) => V::Obj(Rc::new(
                o.iter()
                    .map(|(k, v)| (Rc::from(k.as_str()), V::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// The JSON a result becomes. Functions have no JSON form: `None`.
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Num(n) => number_json(*n),
            V::Str(s) => Value::String(s.to_string()),
            V::Arr(a, _) => Value::Array(a.iter().filter_map(V::to_json).collect()),
            V::Obj(o) => Value::Object(
                o.iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v.to_json()?)))
                    .collect(),
            ),
            V::Lambda(_) | V::Builtin(_) | V::Regex(_) => return None,
        })
    }
}

/// A number as JSON: integers without a fraction, as JavaScript's JSON prints them.
pub fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// JavaScript's `String(n)`: shortest round-trip digits, exponent form outside 1e-7..1e21.
pub fn number_text(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    if !n.is_finite() {
        return if n.is_nan() {
            "NaN".into()
        } else if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let a = n.abs();
    if (1e-7..1e21).contains(&a) {
        return format!("{n}");
    }
    let e = format!("{n:e}");
    match e.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        Some((m, x)) => format!("{m}e{x}"),
        None => e,
    }
}

/// `Number(n.toPrecision(15))`: how JSONata's `$string` rounds numbers.
pub fn precision15(n: f64) -> f64 {
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// JSONata's `$string` for a non-string value: JSON with 15-digit numbers.
pub fn stringify(v: &V, pretty: bool) -> String {
    fn num(n: f64) -> Value {
        number_json(precision15(n))
    }
    fn conv(v: &V) -> Value {
        match v {
            V::Num(n) => num(*n),
            V::Arr(a, _) => Value::Array(a.iter().map(conv).collect()),
            V::Obj(o) => Value::Object(o.iter().map(|(k, v)| (k.to_string(), conv(v))).collect()),
            V::Lambda(_) | V::Builtin(_) | V::Regex(_) => Value::String(String::new()),
            other => other.to_json().unwrap_or(Value::Null),
        }
    }
    match v {
        V::Str(s) => s.to_string(),
        V::Num(n) => number_text(precision15(*n)),
        V::Lambda(_) | V::Builtin(_) | V::Regex(_) => String::new(),
        other => {
            let j = conv(other);
            if pretty {
                serde_json::to_string_pretty(&j).unwrap_or_default()
            } else {
                j.to_string()
            }
        }
    }
}

/// JSONata's truthiness (`$boolean`).
pub fn truthy(v: Option<&V>) -> bool {
    match v {
        None | Some(V::Null) => false,
        Some(V::Bool(b)) => *b,
        Some(V::Num(n)) => *n != 0.0,
        Some(V::Str(s)) => !s.is_empty(),
        Some(V::Arr(a, _)) => match a.len() {
            0 => false,
            1 => truthy(Some(&a[0])),
            _ => a.iter().any(|x| truthy(Some(x))),
        },
        Some(V::Obj(o)) => !o.is_empty(),
        Some(V::Lambda(_) | V::Builtin(_) | V::Regex(_)) => false,
    }
}

pub fn deep_equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Arr(x, _), V::Arr(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (V::Obj(x), V::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (V::Lambda(x), V::Lambda(y)) => Rc::ptr_eq(x, y),
        (V::Builtin(x), V::Builtin(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}
