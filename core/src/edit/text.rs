//! Changing a template's text at a property path while keeping everything else as the
//! user wrote it: comments, blank lines, key order, quoting and short-form tags outside
//! the changed property are untouched. Block-style YAML is edited line by line; a part
//! written in flow style (`{ … }`, `[ … ]`) is re-written in block style from its parsed
//! value; a JSON template is re-printed (JSON has no comments to keep).

use crate::template::parse::parse_template_text;
use serde_json::{Map, Value};

/// One step of a property path: a mapping key or a list index.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Reads `Resources.Rule.Properties.Targets[0].Arn` into segments.
pub fn path(text: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in text.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// What to do at a path.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Set the value (creating the mappings on the way).
    Set(Vec<Seg>, Value),
    /// Add an item at the end of the list (creating the list).
    Append(Vec<Seg>, Value),
    /// Remove the key or item; a mapping or list left empty by it goes too (except the
    /// template's sections and a resource's `Properties`).
    Remove(Vec<Seg>),
}

/// Applies the operations in order.
pub fn apply(text: &str, ops: &[Op]) -> Result<String, String> {
    let mut t = text.to_string();
    for op in ops {
        t = apply_one(&t, op)?;
    }
    Ok(t)
}

fn apply_one(text: &str, op: &Op) -> Result<String, String> {
    if text.trim_start().starts_with('{') {
        let mut v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        edit_value(&mut v, op)?;
        let mut s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        s.push('\n');
        return Ok(s);
    }
    let doc = Doc::new(text);
    match op {
        Op::Set(p, v) => doc.set(p, v),
        Op::Append(p, v) => doc.append(p, v),
        Op::Remove(p) => doc.remove(p),
    }
}

/// The same operation on a parsed value (JSON templates, and flow-style parts of YAML).
pub fn edit_value(root: &mut Value, op: &Op) -> Result<(), String> {
    match op {
        Op::Set(p, v) => {
            let (last, parents) = p.split_last().ok_or("empty path")?;
            let parent = walk_create(root, parents)?;
            if parent.is_null() {
                *parent = Value::Object(Map::new());
            }
            match (last, parent) {
                (Seg::Key(k), Value::Object(m)) => {
                    m.insert(k.clone(), v.clone());
                }
                (Seg::Index(i), Value::Array(a)) if *i < a.len() => a[*i] = v.clone(),
                (Seg::Index(i), Value::Array(a)) if *i == a.len() => a.push(v.clone()),
                _ => return Err(format!("{} is not where a value can go", show(p))),
            }
        }
        Op::Append(p, v) => {
            let list = walk_create(root, p)?;
            if list.is_null() || list.as_object().is_some_and(Map::is_empty) {
                *list = Value::Array(Vec::new());
            }
            list.as_array_mut()
                .ok_or_else(|| format!("{} is not a list", show(p)))?
                .push(v.clone());
        }
        Op::Remove(p) => {
            remove_value(root, p, 0)?;
        }
    }
    Ok(())
}

/// Removes at `p`; returns whether the container at this level became empty.
fn remove_value(v: &mut Value, p: &[Seg], depth: usize) -> Result<bool, String> {
    let Some((first, rest)) = p.split_first() else {
        return Ok(false);
    };
    let child_empty = match (first, &mut *v) {
        (Seg::Key(k), Value::Object(m)) => {
            if rest.is_empty() {
                m.shift_remove(k)
                    .ok_or_else(|| format!("{k} is not there"))?;
                true
            } else {
                let c = m.get_mut(k).ok_or_else(|| format!("{k} is not there"))?;
                remove_value(c, rest, depth + 1)? && !keep_empty(k, depth)
            }
        }
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            if rest.is_empty() {
                a.remove(*i);
                true
            } else {
                remove_value(&mut a[*i], rest, depth + 1)?
            }
        }
        _ => return Err(format!("{first:?} is not there")),
    };
    if child_empty && !rest.is_empty() {
        // The child is now empty: remove it from this container too.
        match (first, &mut *v) {
            (Seg::Key(k), Value::Object(m)) if m.get(k).is_some_and(is_empty) => {
                m.shift_remove(k);
            }
            (Seg::Index(i), Value::Array(a)) if a.get(*i).is_some_and(is_empty) => {
                a.remove(*i);
            }
            _ => {}
        }
    }
    Ok(is_empty(v))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// Containers kept even when empty: the sections and a resource's Properties.
fn keep_empty(key: &str, depth: usize) -> bool {
    depth == 0 || (depth == 2 && key == "Properties")
}

fn walk_create<'a>(root: &'a mut Value, p: &[Seg]) -> Result<&'a mut Value, String> {
    let mut cur = root;
    for (n, s) in p.iter().enumerate() {
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        cur = match (s, cur) {
            (Seg::Key(k), Value::Object(m)) => m.entry(k.clone()).or_insert(Value::Null),
            (Seg::Index(i), Value::Array(a)) if *i < a.len() => &mut a[*i],
            _ => return Err(format!("{} is not a mapping", show(&p[..=n]))),
        };
    }
    Ok(cur)
}

pub fn show(p: &[Seg]) -> String {
    let mut s = String::new();
    for seg in p {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// A YAML document as lines.
struct Doc<'a> {
    lines: Vec<&'a str>,
    trailing_newline: bool,
}

/// Where a node sits: its first line, the line after its last content line, the column
/// of its key (or dash), and whether its value is written on the key's line.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    indent: usize,
    /// The value is on the key line (a scalar, a tag, or flow style).
    inline: bool,
    /// For a list item: the column of the item's content after `- `.
    item: Option<usize>,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// The key a line defines (`Key:` or `"Key":`), if it is a mapping entry.
fn key_of(body: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = body.strip_prefix('"').or_else(|| body.strip_prefix('\'')) {
        let quote = &body[..1];
        let end = q.find(quote)?;
        (q[..end].to_string(), &q[end + 1..])
    } else {
        let end = body.find(':')?;
        (body[..end].trim_end().to_string(), &body[end..])
    };
    let rest = rest.trim_start().strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim()))
}

/// Whether the text after `key:` puts the value on the same line.
fn value_inline(after: &str) -> bool {
    !(after.is_empty()
        || after.starts_with('#')
        || after.starts_with('|')
        || after.starts_with('>')
        || after.starts_with('&'))
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Self {
        Doc {
            lines: text.lines().collect(),
            trailing_newline: text.ends_with('\n') || text.is_empty(),
        }
    }

    fn text_with(&self, start: usize, end: usize, insert: &[String]) -> String {
        let mut out: Vec<String> = Vec::with_capacity(self.lines.len() + insert.len());
        out.extend(self.lines[..start].iter().map(|s| s.to_string()));
        out.extend(insert.iter().cloned());
        out.extend(self.lines[end..].iter().map(|s| s.to_string()));
        let mut s = out.join("\n");
        if self.trailing_newline {
            s.push('\n');
        }
        s
    }

    /// The last content line before `end`, plus one (so trailing blank lines and
    /// comments stay with whatever follows).
    fn trim_end(&self, start: usize, end: usize) -> usize {
        let mut e = end;
        while e > start + 1 && !is_content(self.lines[e - 1]) {
            e -= 1;
        }
        e
    }

    /// The children of a block: the range of lines and the column its entries use.
    fn children(&self, start: usize, end: usize) -> Option<usize> {
        self.lines[start..end]
            .iter()
            .find(|l| is_content(l))
            .map(|l| indent_of(l))
    }

    /// Finds the node at `p` under the block [start, end) whose entries sit at `col`.
    fn find(&self, p: &[Seg], start: usize, end: usize, col: Option<usize>) -> Option<Span> {
        let (first, rest) = p.split_first()?;
        let col = col.or_else(|| self.children(start, end))?;
        let span = match first {
            Seg::Key(k) => {
                let i = (start..end).find(|&i| {
                    let l = self.lines[i];
                    let body = if indent_of(l) == col {
                        &l[col..]
                    } else if i == start && l.len() > col && indent_of(l) < col {
                        // The first key of a list item, after its dash.
                        let b = l.trim_start();
                        match b.strip_prefix("- ") {
                            Some(b) if indent_of(l) + 2 + indent_of(b) == col => b.trim_start(),
                            _ => return false,
                        }
                    } else {
                        return false;
                    };
                    is_content(l) && key_of(body).is_some_and(|(key, _)| &key == k)
                })?;
                let l = self.lines[i];
                let body = l.trim_start().trim_start_matches("- ").trim_start();
                let (_, after) = key_of(body)?;
                let mut e = i + 1;
                while e < end {
                    let n = self.lines[e];
                    if is_content(n)
                        && (indent_of(n) < col
                            || (indent_of(n) == col && !n[col..].starts_with("- ")))
                    {
                        break;
                    }
                    if is_content(n)
                        && indent_of(n) == col
                        && n[col..].starts_with("- ")
                        && !after.is_empty()
                        && !after.starts_with('#')
                    {
                        break;
                    }
                    e += 1;
                }
                Span {
                    start: i,
                    end: self.trim_end(i, e),
                    indent: col,
                    inline: value_inline(after),
                    item: None,
                }
            }
            Seg::Index(n) => {
                let items: Vec<usize> = (start..end)
                    .filter(|&i| {
                        let l = self.lines[i];
                        is_content(l)
                            && indent_of(l) == col
                            && (l[col..].starts_with("- ") || l[col..].trim_end() == "-")
                    })
                    .collect();
                let i = *items.get(*n)?;
                let mut e = items.get(n + 1).copied().unwrap_or(end);
                // The list ends at the first line back at or left of the dashes.
                if let Some(stop) = (i + 1..e).find(|&j| {
                    let l = self.lines[j];
                    is_content(l) && indent_of(l) <= col
                }) {
                    e = stop;
                }
                let after_dash = self.lines[i][col + 1..].trim_start();
                Span {
                    start: i,
                    end: self.trim_end(i, e),
                    indent: col,
                    inline: false,
                    // `- Key: v`: the item's entries sit two columns right of the dash.
                    item: (!after_dash.is_empty() && !after_dash.starts_with('#'))
                        .then_some(col + 2),
                }
            }
        };
        if rest.is_empty() {
            return Some(span);
        }
        if span.inline {
            return None;
        }
        let (inner_start, inner_col) = match span.item {
            // The item's first key is on the dash line.
            Some(c) => (span.start, Some(c)),
            None => (span.start + 1, None),
        };
        if inner_start >= span.end {
            return None;
        }
        self.find(rest, inner_start, span.end, inner_col)
    }

    /// The deepest node along `p` that exists, with how many segments it covers.
    fn deepest(&self, p: &[Seg]) -> (usize, Option<Span>) {
        for n in (1..=p.len()).rev() {
            if let Some(s) = self.find(&p[..n], 0, self.lines.len(), None) {
                return (n, Some(s));
            }
        }
        (0, None)
    }

    fn set(&self, p: &[Seg], v: &Value) -> Result<String, String> {
        let (n, span) = self.deepest(p);
        match span {
            Some(s) if n == p.len() => {
                let key = match p.last() {
                    Some(Seg::Key(k)) => Some(k.as_str()),
                    _ => None,
                };
                let lines = match key {
                    Some(k) => emit_entry(k, v, s.indent),
                    None => emit_item(v, s.indent),
                };
                let lines = match (s.item, key) {
                    // The key was the first one of a list item: keep its dash.
                    (_, Some(_)) if self.lines[s.start].trim_start().starts_with("- ") => {
                        redash(lines, indent_of(self.lines[s.start]))
                    }
                    _ => lines,
                };
                Ok(self.text_with(s.start, s.end, &lines))
            }
            Some(s) if !s.inline => {
                // Insert the missing part at the end of the deepest existing block.
                let rest = nest(&p[n..], v.clone());
                let col = self
                    .children_of(&s)
                    .unwrap_or(s.item.unwrap_or(s.indent) + 2);
                let mut lines = Vec::new();
                if let Value::Object(m) = &rest {
                    for (k, x) in m {
                        lines.extend(emit_entry(k, x, col));
                    }
                }
                if matches!(p.get(n), Some(Seg::Index(_))) {
                    return self.rewrite(p, n, &Op::Set(p.to_vec(), v.clone()));
                }
                Ok(self.text_with(s.end, s.end, &lines))
            }
            Some(_) => self.rewrite(p, n, &Op::Set(p.to_vec(), v.clone())),
            None => {
                // Nothing of the path exists: a new top-level section at the end.
                let rest = nest(p, v.clone());
                let mut lines = vec![String::new()];
                if let Value::Object(m) = &rest {
                    for (k, x) in m {
                        lines.extend(emit_entry(k, x, 0));
                    }
                }
                let end = self.lines.len();
                let end = (0..end)
                    .rev()
                    .find(|&i| is_content(self.lines[i]))
                    .map_or(0, |i| i + 1);
                Ok(self.text_with(end, end, &lines))
            }
        }
    }

    /// The column of a block node's entries, if it has any.
    fn children_of(&self, s: &Span) -> Option<usize> {
        match s.item {
            Some(c) => Some(c),
            None if s.start + 1 < s.end => self.children(s.start + 1, s.end),
            None => None,
        }
    }

    fn append(&self, p: &[Seg], v: &Value) -> Result<String, String> {
        match self.find(p, 0, self.lines.len(), None) {
            Some(s) if !s.inline && s.start + 1 < s.end => {
                let col = self.children(s.start + 1, s.end).unwrap_or(s.indent + 2);
                if !self.lines[s.start + 1..s.end]
                    .iter()
                    .find(|l| is_content(l))
                    .is_some_and(|l| l[col..].starts_with('-'))
                {
                    return Err(format!("{} is not a list", show(p)));
                }
                Ok(self.text_with(s.end, s.end, &emit_item(v, col)))
            }
            Some(s) if s.inline => {
                let (n, _) = self.deepest(p);
                self.rewrite(p, n, &Op::Append(p.to_vec(), v.clone()))
            }
            _ => self.set(p, &Value::Array(vec![v.clone()])),
        }
    }

    fn remove(&self, p: &[Seg]) -> Result<String, String> {
        let (n, span) = self.deepest(p);
        let s = span.ok_or_else(|| format!("{} is not in the template", show(p)))?;
        if n < p.len() {
            if s.inline {
                return self.rewrite(p, n, &Op::Remove(p.to_vec()));
            }
            return Err(format!("{} is not in the template", show(p)));
        }
        let first_key_of_item = matches!(p.last(), Some(Seg::Key(_)))
            && self.lines[s.start].trim_start().starts_with("- ");
        if first_key_of_item {
            // Keep the item's dash on the next key, if there is one.
            return self.rewrite(p, n - 1, &Op::Remove(p.to_vec()));
        }
        let text = self.text_with(s.start, s.end, &[]);
        // A container left empty goes too, except the sections and Properties.
        if p.len() >= 2 {
            let parent = &p[..p.len() - 1];
            let keep = match parent.last() {
                Some(Seg::Key(k)) => keep_empty(k, parent.len() - 1),
                _ => false,
            };
            let after = Doc::new(&text);
            if let Some(ps) = after.find(parent, 0, after.lines.len(), None) {
                let empty = !ps.inline
                    && ps.item.is_none()
                    && !after.lines[ps.start + 1..ps.end]
                        .iter()
                        .any(|l| is_content(l));
                if empty && !keep {
                    return after.remove(parent);
                }
                if empty && parent.len() > 1 {
                    // A kept mapping left empty says so: `Properties: {}`.
                    let line = format!(
                        "{}: {{}}",
                        after.lines[ps.start].trim_end().trim_end_matches(':')
                    );
                    return Ok(after.text_with(ps.start, ps.start + 1, &[line]));
                }
            }
        }
        Ok(text)
    }

    /// Re-writes the node covering `p[..n]` (or its parent when it is inline) in block
    /// style from its parsed value with the operation applied.
    fn rewrite(&self, p: &[Seg], n: usize, op: &Op) -> Result<String, String> {
        // Re-write the nearest node that is a mapping entry (a key), so its line can be
        // replaced whole.
        let mut k = n.max(1);
        while k > 1 && !matches!(p[k - 1], Seg::Key(_)) {
            k -= 1;
        }
        let target = &p[..k];
        let span = self
            .find(target, 0, self.lines.len(), None)
            .ok_or_else(|| format!("{} is not in the template", show(target)))?;
        let mut root = parse_template_text(&self.lines.join("\n")).map_err(|e| e.to_string())?;
        edit_value(&mut root, op)?;
        let mut cur = &root;
        for s in target {
            cur = match (s, cur) {
                (Seg::Key(key), Value::Object(m)) => m.get(key),
                (Seg::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            }
            .unwrap_or(&Value::Null);
        }
        let Some(Seg::Key(key)) = target.last() else {
            return Err(format!("{} cannot be re-written", show(target)));
        };
        let exists = !cur.is_null();
        let mut lines = if exists {
            emit_entry(key, cur, span.indent)
        } else {
            Vec::new()
        };
        if self.lines[span.start].trim_start().starts_with("- ") && !lines.is_empty() {
            lines = redash(lines, indent_of(self.lines[span.start]));
        }
        Ok(self.text_with(span.start, span.end, &lines))
    }
}

/// Puts a list item's dash back in front of the first of `lines`.
fn redash(mut lines: Vec<String>, dash_col: usize) -> Vec<String> {
    if let Some(first) = lines.first_mut() {
        let body = first.trim_start().to_string();
        *first = format!("{}- {body}", " ".repeat(dash_col));
    }
    lines
}

/// `[A, B]` + v → `{A: {B: v}}` (an index segment is a one-item list).
fn nest(p: &[Seg], v: Value) -> Value {
    p.iter().rev().fold(v, |acc, s| match s {
        Seg::Key(k) => {
            let mut m = Map::new();
            m.insert(k.clone(), acc);
            Value::Object(m)
        }
        Seg::Index(_) => Value::Array(vec![acc]),
    })
}

/// The short form of an intrinsic function, when it has one that reads well.
fn short_form(v: &Value) -> Option<String> {
    let m = v.as_object().filter(|m| m.len() == 1)?;
    let (k, x) = m.iter().next()?;
    match (k.as_str(), x) {
        ("Ref", Value::String(s)) => Some(format!("!Ref {}", scalar(s))),
        ("Fn::GetAtt", Value::Array(a)) if a.len() == 2 => {
            Some(format!("!GetAtt {}.{}", a[0].as_str()?, a[1].as_str()?))
        }
        ("Fn::Sub", Value::String(s)) if !s.contains('\n') => Some(format!("!Sub {}", scalar(s))),
        ("Fn::ImportValue", Value::String(s)) => Some(format!("!ImportValue {}", scalar(s))),
        ("Fn::GetAZs", Value::String(s)) => Some(format!("!GetAZs {}", scalar(s))),
        _ => None,
    }
}

/// A string as a YAML scalar: plain when that reads back as the same string, else
/// double-quoted (JSON's escapes are YAML's).
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.trim() == s
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`',
        ])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.contains(['\n', '\t', '\\'])
        && s.parse::<f64>().is_err()
        && !s.starts_with("0x")
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "null"
                | "~"
                | "y"
                | "n"
                | ".inf"
                | "-.inf"
                | ".nan"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// A whole float prints as an integer (`80`, not `80.0`).
fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

fn key_text(k: &str) -> String {
    scalar(k)
}

fn inline(v: &Value) -> Option<String> {
    if let Some(s) = short_form(v) {
        return Some(s);
    }
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number(n)),
        Value::String(s) if !s.contains('\n') => Some(scalar(s)),
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Array(a) => {
            // Short lists of scalars read best on one line: `[120, 80]`.
            let items: Option<Vec<String>> = a
                .iter()
                .map(|x| match x {
                    Value::Number(n) => Some(number(n)),
                    Value::Bool(b) => Some(b.to_string()),
                    Value::String(s) if !s.contains('\n') => Some(scalar(s)),
                    _ => None,
                })
                .collect();
            let items = items?;
            let s = format!("[{}]", items.join(", "));
            (s.len() <= 60).then_some(s)
        }
        _ => None,
    }
}

/// `key: value` in block style at `col`.
pub fn emit_entry(key: &str, v: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    let k = key_text(key);
    if let Some(s) = inline(v) {
        return vec![format!("{pad}{k}: {s}")];
    }
    match v {
        Value::String(s) => {
            let mut out = vec![format!(
                "{pad}{k}: |{}",
                if s.ends_with('\n') { "" } else { "-" }
            )];
            out.extend(s.lines().map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}  {l}")
                }
            }));
            out
        }
        Value::Object(m) => {
            let mut out = vec![format!("{pad}{k}:")];
            for (ck, cv) in m {
                out.extend(emit_entry(ck, cv, col + 2));
            }
            out
        }
        Value::Array(a) => {
            let mut out = vec![format!("{pad}{k}:")];
            for item in a {
                out.extend(emit_item(item, col + 2));
            }
            out
        }
        _ => vec![format!("{pad}{k}: null")],
    }
}

/// `- value` in block style, the dash at `col`.
pub fn emit_item(v: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    if let Some(s) = inline(v) {
        return vec![format!("{pad}- {s}")];
    }
    match v {
        Value::Object(m) => {
            let mut out = Vec::new();
            for (ck, cv) in m {
                out.extend(emit_entry(ck, cv, col + 2));
            }
            redash(out, col)
        }
        other => {
            // A list in a list or a multi-line string: under a dash of its own.
            let mut out = vec![format!("{pad}-")];
            match other {
                Value::Array(a) => a.iter().for_each(|x| out.extend(emit_item(x, col + 2))),
                Value::String(s) => {
                    out[0] = format!("{pad}- |{}", if s.ends_with('\n') { "" } else { "-" });
                    out.extend(s.lines().map(|l| format!("{pad}  {l}")));
                }
                _ => {}
            }
            out
        }
    }
}
