//! JSONPath as Step Functions reads it (the Jayway dialect): `$` the state input, `$$`
//! the context object, `$name` a workflow variable; then `.field`, `['field']`, `[2]`,
//! `[-1]`, `[*]`, `.*`, `[0,2]`, `[1:3]`, `..field` and filters such as
//! `[?(@.price < 10 && @.tag)]`. A *definite* path (no wildcard, slice, union, filter or
//! descent) selects one value; any other path selects a list, which is returned as an
//! array, empty when nothing matches. *Reference paths* (ResultPath, a Choice rule's
//! `Variable`) may only name one node: fields and indices.

use serde_json::{Map, Value};

/// What a path starts from.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    Input,
    Context,
    Variable(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Field(String),
    Index(i64),
    Wildcard,
    Union(Vec<Value>),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    Descent(Box<Seg>),
    Filter(Filter),
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Current(Vec<Seg>),
    Literal(Value),
}

#[derive(Clone, Debug, PartialEq)]
enum Filter {
    Exists(Vec<Seg>),
    Compare(Operand, String, Operand),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub root: Root,
    segs: Vec<Seg>,
    pub text: String,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
            text,
        };
        let root = p.root()?;
        let segs = p.segments(false)?;
        if p.i != p.s.len() {
            return Err(p.err("unexpected character"));
        }
        Ok(Path {
            root,
            segs,
            text: text.to_string(),
        })
    }

    /// Parses through a per-thread cache: definitions repeat the same few paths on
    /// every state they enter, and parsing allocates.
    pub fn cached(text: &str) -> Result<std::rc::Rc<Path>, String> {
        thread_local! {
            static CACHE: std::cell::RefCell<std::collections::BTreeMap<String, std::rc::Rc<Path>>> =
                const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
        }
        CACHE.with(|c| {
            if let Some(p) = c.borrow().get(text) {
                return Ok(p.clone());
            }
            let p = std::rc::Rc::new(Path::parse(text)?);
            let mut c = c.borrow_mut();
            if c.len() > 4096 {
                c.clear();
            }
            c.insert(text.to_string(), p.clone());
            Ok(p)
        })
    }

    /// True when the path selects at most one node.
    pub fn is_definite(&self) -> bool {
        self.segs
            .iter()
            .all(|s| matches!(s, Seg::Field(_) | Seg::Index(_)))
    }

    /// A reference path: only fields and indices, from the input or a variable.
    pub fn parse_reference(text: &str) -> Result<Path, String> {
        let p = Path::parse(text)?;
        if !p.is_definite() {
            return Err(format!(
                "'{text}' is not a reference path: only fields and indices are allowed"
            ));
        }
        Ok(p)
    }

    /// The nodes the path selects. A definite path gives `Some(value)` or `None` when
    /// it does not exist; an indefinite one always gives an array.
    pub fn select(&self, root: &Value) -> Option<Value> {
        if self.is_definite() {
            let mut cur = root;
            for s in &self.segs {
                cur = match s {
                    Seg::Field(f) => cur.as_object()?.get(f)?,
                    Seg::Index(i) => {
                        let a = cur.as_array()?;
                        let i = if *i < 0 { a.len() as i64 + i } else { *i };
                        a.get(usize::try_from(i).ok()?)?
                    }
                    _ => unreachable!("definite paths hold fields and indices"),
                };
            }
            return Some(cur.clone());
        }
        let mut out = Vec::new();
        walk(root, &self.segs, &mut out);
        Some(Value::Array(out.into_iter().cloned().collect()))
    }

    /// Writes `v` at this reference path inside `target`, creating objects on the way,
    /// as ResultPath does. Fails when a node on the way is not an object (or array).
    pub fn set(&self, target: &mut Value, v: Value) -> Result<(), String> {
        if self.segs.is_empty() {
            *target = v;
            return Ok(());
        }
        let mut cur = target;
        for (n, s) in self.segs.iter().enumerate() {
            let last = n + 1 == self.segs.len();
            cur = match s {
                Seg::Field(f) => {
                    if cur.is_null() {
                        *cur = Value::Object(Map::new());
                    }
                    let Some(o) = cur.as_object_mut() else {
                        return Err(format!("the node before '{f}' is not an object"));
                    };
                    if last {
                        o.insert(f.clone(), v);
                        return Ok(());
                    }
                    o.entry(f.clone()).or_insert(Value::Object(Map::new()))
                }
                Seg::Index(i) => {
                    let Some(a) = cur.as_array_mut() else {
                        return Err(format!("the node before [{i}] is not an array"));
                    };
                    let i = if *i < 0 { a.len() as i64 + i } else { *i };
                    let Some(slot) = usize::try_from(i).ok().and_then(|i| a.get_mut(i)) else {
                        return Err(format!("index {i} is outside the array"));
                    };
                    if last {
                        *slot = v;
                        return Ok(());
                    }
                    slot
                }
                _ => return Err("not a reference path".into()),
            };
        }
        Ok(())
    }
}

fn walk<'a>(v: &'a Value, segs: &[Seg], out: &mut Vec<&'a Value>) {
    let Some((s, rest)) = segs.split_first() else {
        out.push(v);
        return;
    };
    match s {
        Seg::Field(f) => {
            if let Some(c) = v.as_object().and_then(|o| o.get(f)) {
                walk(c, rest, out)
            }
        }
        Seg::Index(i) => {
            if let Some(a) = v.as_array() {
                let i = if *i < 0 { a.len() as i64 + i } else { *i };
                if let Some(c) = usize::try_from(i).ok().and_then(|i| a.get(i)) {
                    walk(c, rest, out)
                }
            }
        }
        Seg::Wildcard => children(v).into_iter().for_each(|c| walk(c, rest, out)),
        Seg::Union(keys) => {
            for k in keys {
                let c = match (k, v) {
                    (Value::String(f), Value::Object(o)) => o.get(f),
                    (Value::Number(n), Value::Array(a)) => {
                        let i = n.as_i64().unwrap_or(0);
                        let i = if i < 0 { a.len() as i64 + i } else { i };
                        usize::try_from(i).ok().and_then(|i| a.get(i))
                    }
                    _ => None,
                };
                if let Some(c) = c {
                    walk(c, rest, out)
                }
            }
        }
        Seg::Slice(start, end, step) => {
            if let Some(a) = v.as_array() {
                let len = a.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let step = step.unwrap_or(1).max(1);
                let mut i = norm(start.unwrap_or(0));
                let end = norm(end.unwrap_or(len));
                while i < end {
                    walk(&a[i as usize], rest, out);
                    i += step;
                }
            }
        }
        Seg::Descent(inner) => {
            let mut here = Vec::new();
            walk(v, std::slice::from_ref(inner), &mut here);
            for c in here {
                walk(c, rest, out);
            }
            for c in children(v) {
                walk(c, segs, out);
            }
        }
        Seg::Filter(f) => {
            for c in children(v) {
                if filter_holds(f, c) {
                    walk(c, rest, out)
                }
            }
        }
    }
}

fn children(v: &Value) -> Vec<&Value> {
    match v {
        Value::Object(o) => o.values().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn current(v: &Value, segs: &[Seg]) -> Option<Value> {
    let mut out = Vec::new();
    walk(v, segs, &mut out);
    out.first().map(|x| (*x).clone())
}

fn filter_holds(f: &Filter, item: &Value) -> bool {
    match f {
        Filter::Exists(segs) => current(item, segs).is_some(),
        Filter::And(a, b) => filter_holds(a, item) && filter_holds(b, item),
        Filter::Or(a, b) => filter_holds(a, item) || filter_holds(b, item),
        Filter::Not(a) => !filter_holds(a, item),
        Filter::Compare(l, op, r) => {
            let get = |o: &Operand| match o {
                Operand::Current(s) => current(item, s),
                Operand::Literal(v) => Some(v.clone()),
            };
            let (Some(l), Some(r)) = (get(l), get(r)) else {
                return false;
            };
            let ord = match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => a
                    .as_f64()
                    .partial_cmp(&b.as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal),
                (Value::String(a), Value::String(b)) => a.cmp(b),
                _ => {
                    return match op.as_str() {
                        "==" => l == r,
                        "!=" => l != r,
                        _ => false,
                    }
                }
            };
            use std::cmp::Ordering::*;
            match op.as_str() {
                "==" => ord == Equal,
                "!=" => ord != Equal,
                "<" => ord == Less,
                "<=" => ord != Greater,
                ">" => ord == Greater,
                ">=" => ord != Less,
                _ => false,
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        format!("{what} at position {} of the path '{}'", self.i, self.text)
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn root(&mut self) -> Result<Root, String> {
        if !self.eat(b'$') {
            return Err(self.err("a path must start with '$'"));
        }
        if self.eat(b'$') {
            return Ok(Root::Context);
        }
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => Ok(Root::Variable(self.name()?)),
            _ => Ok(Root::Input),
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(
                c,
                b'.' | b'[' | b' ' | b')' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b','
            ) {
                break;
            }
            self.i += 1;
        }
        if start == self.i {
            return Err(self.err("expected a field name"));
        }
        Ok(self.text[start..self.i].to_string())
    }

    /// Segments until the end (or, inside a filter, until an operator).
    fn segments(&mut self, in_filter: bool) -> Result<Vec<Seg>, String> {
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    if self.eat(b'.') {
                        let inner = if self.eat(b'*') {
                            Seg::Wildcard
                        } else if self.peek() == Some(b'[') {
                            self.bracket()?
                        } else {
                            Seg::Field(self.name()?)
                        };
                        segs.push(Seg::Descent(Box::new(inner)));
                    } else if self.eat(b'*') {
                        segs.push(Seg::Wildcard);
                    } else {
                        let n = self.name()?;
                        if n == "length()" && !in_filter {
                            return Err(self.err("functions are not supported in paths"));
                        }
                        segs.push(Seg::Field(n));
                    }
                }
                Some(b'[') => segs.push(self.bracket()?),
                _ => return Ok(segs),
            }
        }
    }

    fn bracket(&mut self) -> Result<Seg, String> {
        self.i += 1; // [
        self.ws();
        let seg = if self.eat(b'*') {
            Seg::Wildcard
        } else if self.eat(b'?') {
            if !self.eat(b'(') {
                return Err(self.err("expected '(' after '?'"));
            }
            let f = self.filter_or()?;
            self.ws();
            if !self.eat(b')') {
                return Err(self.err("expected ')' to close the filter"));
            }
            Seg::Filter(f)
        } else {
            let mut items = Vec::new();
            let mut slice: Option<Vec<Option<i64>>> = None;
            loop {
                self.ws();
                match self.peek() {
                    Some(b'\'') | Some(b'"') => items.push(Value::String(self.quoted()?)),
                    Some(b':') => {
                        slice.get_or_insert_with(|| vec![items.pop().and_then(|v| v.as_i64())]);
                        self.i += 1;
                        self.ws();
                        let n = if matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
                            Some(self.int()?)
                        } else {
                            None
                        };
                        slice.as_mut().expect("set above").push(n);
                        self.ws();
                        if self.peek() == Some(b':') {
                            continue;
                        }
                        break;
                    }
                    Some(b'-' | b'0'..=b'9') => items.push(Value::from(self.int()?)),
                    _ => return Err(self.err("expected an index, a quoted name, '*' or a filter")),
                }
                self.ws();
                if self.peek() == Some(b':') {
                    continue;
                }
                if !self.eat(b',') {
                    break;
                }
            }
            if let Some(parts) = slice {
                if parts.len() > 3 {
                    return Err(self.err("a slice has at most start:end:step"));
                }
                Seg::Slice(
                    parts[0],
                    parts.get(1).copied().flatten(),
                    parts.get(2).copied().flatten(),
                )
            } else if items.len() == 1 {
                match items.pop().expect("one item") {
                    Value::String(s) => Seg::Field(s),
                    v => Seg::Index(v.as_i64().unwrap_or(0)),
                }
            } else {
                Seg::Union(items)
            }
        };
        self.ws();
        if !self.eat(b']') {
            return Err(self.err("expected ']'"));
        }
        Ok(seg)
    }

    fn int(&mut self) -> Result<i64, String> {
        let start = self.i;
        self.eat(b'-');
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.text[start..self.i]
            .parse()
            .map_err(|_| self.err("expected a whole number"))
    }

    fn quoted(&mut self) -> Result<String, String> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out = String::new();
        let rest = &self.text[self.i..];
        let mut chars = rest.char_indices();
        while let Some((n, c)) = chars.next() {
            if c == '\\' {
                if let Some((_, e)) = chars.next() {
                    out.push(e);
                }
            } else if c as u32 == q as u32 {
                self.i += n + 1;
                return Ok(out);
            } else {
                out.push(c);
            }
        }
        Err(self.err("unterminated quoted name"))
    }

    fn filter_or(&mut self) -> Result<Filter, String> {
        let mut left = self.filter_and()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"||") {
                self.i += 2;
                left = Filter::Or(Box::new(left), Box::new(self.filter_and()?));
            } else {
                return Ok(left);
            }
        }
    }
    fn filter_and(&mut self) -> Result<Filter, String> {
        let mut left = self.filter_atom()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"&&") {
                self.i += 2;
                left = Filter::And(Box::new(left), Box::new(self.filter_atom()?));
            } else {
                return Ok(left);
            }
        }
    }
    fn filter_atom(&mut self) -> Result<Filter, String> {
        self.ws();
        if self.eat(b'!') {
            return Ok(Filter::Not(Box::new(self.filter_atom()?)));
        }
        if self.eat(b'(') {
            let f = self.filter_or()?;
            self.ws();
            if !self.eat(b')') {
                return Err(self.err("expected ')'"));
            }
            return Ok(f);
        }
        let left = self.operand()?;
        self.ws();
        let ops = ["==", "!=", "<=", ">=", "<", ">"];
        let Some(op) = ops
            .iter()
            .find(|o| self.s[self.i..].starts_with(o.as_bytes()))
        else {
            return match left {
                Operand::Current(segs) => Ok(Filter::Exists(segs)),
                Operand::Literal(_) => Err(self.err("expected a comparison")),
            };
        };
        self.i += op.len();
        let right = self.operand()?;
        Ok(Filter::Compare(left, op.to_string(), right))
    }
    fn operand(&mut self) -> Result<Operand, String> {
        self.ws();
        match self.peek() {
            Some(b'@') => {
                self.i += 1;
                Ok(Operand::Current(self.segments(true)?))
            }
            Some(b'\'') | Some(b'"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            _ => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if matches!(c, b' ' | b')' | b'&' | b'|' | b'=' | b'!' | b'<' | b'>') {
                        break;
                    }
                    self.i += 1;
                }
                serde_json::from_str(&self.text[start..self.i])
                    .map(Operand::Literal)
                    .map_err(|_| self.err("expected a value"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(p: &str, v: &Value) -> Option<Value> {
        Path::parse(p).unwrap().select(v)
    }

    #[test]
    fn definite_paths_select_one_node() {
        let v = json!({"a": {"b": [1, 2, {"c": "x"}]}, "k y": 5});
        assert_eq!(sel("$", &v), Some(v.clone()));
        assert_eq!(sel("$.a.b[2].c", &v), Some(json!("x")));
        assert_eq!(sel("$['k y']", &v), Some(json!(5)));
        assert_eq!(sel("$.a.b[-1].c", &v), Some(json!("x")));
        assert_eq!(sel("$.a.missing", &v), None);
        assert!(Path::parse("$.a").unwrap().is_definite());
    }

    #[test]
    fn indefinite_paths_give_arrays() {
        let v = json!({"items": [{"p": 5, "t": "a"}, {"p": 15}, {"p": 8, "t": "b"}]});
        assert_eq!(sel("$.items[*].p", &v), Some(json!([5, 15, 8])));
        assert_eq!(sel("$.items[?(@.p < 10)].p", &v), Some(json!([5, 8])));
        assert_eq!(sel("$.items[?(@.t)].t", &v), Some(json!(["a", "b"])));
        assert_eq!(
            sel("$.items[?(@.p > 6 && @.t == 'b')].p", &v),
            Some(json!([8]))
        );
        assert_eq!(sel("$.items[0:2].p", &v), Some(json!([5, 15])));
        assert_eq!(sel("$.items[0,2].p", &v), Some(json!([5, 8])));
        assert_eq!(sel("$..t", &v), Some(json!(["a", "b"])));
        assert_eq!(sel("$.items[?(@.p > 100)]", &v), Some(json!([])));
    }

    #[test]
    fn roots_and_errors() {
        assert_eq!(Path::parse("$$.Execution.Id").unwrap().root, Root::Context);
        assert_eq!(
            Path::parse("$total.sum").unwrap().root,
            Root::Variable("total".into())
        );
        assert!(Path::parse("a.b").is_err());
        assert!(Path::parse("$.a[").is_err());
        assert!(Path::parse_reference("$.a[*]").is_err());
    }

    #[test]
    fn set_creates_objects_and_refuses_scalars() {
        let mut v = json!({"a": 1});
        Path::parse("$.r.x").unwrap().set(&mut v, json!(2)).unwrap();
        assert_eq!(v, json!({"a": 1, "r": {"x": 2}}));
        assert!(Path::parse("$.a.x").unwrap().set(&mut v, json!(3)).is_err());
        Path::parse("$").unwrap().set(&mut v, json!(9)).unwrap();
        assert_eq!(v, json!(9));
    }
}
