//! JSONata text to a syntax tree: a tokenizer and a Pratt parser with JSONata's
//! binding powers, then the same rewriting jsonata.js does after parsing — names become
//! one-step paths, `a.b.c` one flat path, a predicate on a path step becomes a stage of
//! that step (applied to each of its results), `[]` keeps a singleton array. Errors carry
//! JSONata's codes (`S0201` …) and the character position.

use super::{Error, Node, SortTerm, Step};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Name(String),
    Var(String),
    Regex(String, String),
    Op(&'static str),
    Value(Value),
    End,
}

#[derive(Clone, Debug, PartialEq)]
enum Value {
    True,
    False,
    Null,
}

const OPERATORS: &[&str] = &[
    "..", ":=", "!=", ">=", "<=", "**", "~>", "^(", ".", "[", "]", "{", "}", "(", ")", ",", "@",
    "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "&", "^",
];

fn bp(op: &str) -> u8 {
    match op {
        "." => 75,
        "[" | "(" | "@" | "#" | "^(" => 80,
        "{" => 70,
        "*" | "/" | "%" | "**" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "!=" | "<=" | ">=" | "~>" | "in" | "^" => 40,
        "and" => 30,
        "or" => 25,
        "?" | "|" | ".." => 20,
        ":=" => 10,
        _ => 0,
    }
}

struct Lexer<'a> {
    src: &'a [char],
    pos: usize,
}

fn err(code: &'static str, position: usize, message: String) -> Error {
    Error {
        code,
        position,
        message,
    }
}

impl Lexer<'_> {
    /// The next token and where it starts; `prefix` says a `/` would begin a regex.
    fn next(&mut self, prefix: bool) -> Result<(Tok, usize), Error> {
        let s = self.src;
        loop {
            while self.pos < s.len() && s[self.pos].is_whitespace() {
                self.pos += 1;
            }
            if self.pos + 1 < s.len() && s[self.pos] == '/' && s[self.pos + 1] == '*' {
                let start = self.pos;
                self.pos += 2;
                while self.pos + 1 < s.len() && !(s[self.pos] == '*' && s[self.pos + 1] == '/') {
                    self.pos += 1;
                }
                if self.pos + 1 >= s.len() {
                    return Err(err("S0106", start, "Comment has no closing tag".into()));
                }
                self.pos += 2;
                continue;
            }
            break;
        }
        let start = self.pos;
        if self.pos >= s.len() {
            return Ok((Tok::End, start));
        }
        let c = s[self.pos];
        if prefix && c == '/' {
            self.pos += 1;
            let mut pattern = String::new();
            let mut depth = 0i32;
            loop {
                let Some(&ch) = s.get(self.pos) else {
                    return Err(err(
                        "S0302",
                        start,
                        "No terminating / in regular expression".into(),
                    ));
                };
                if ch == '/' && depth == 0 && !pattern.ends_with('\\') {
                    break;
                }
                match ch {
                    '(' | '[' | '{' if !pattern.ends_with('\\') => depth += 1,
                    ')' | ']' | '}' if !pattern.ends_with('\\') => depth -= 1,
                    _ => {}
                }
                pattern.push(ch);
                self.pos += 1;
            }
            self.pos += 1;
            if pattern.is_empty() {
                return Err(err(
                    "S0301",
                    start,
                    "Empty regular expressions are not allowed".into(),
                ));
            }
            let mut flags = String::new();
            while let Some(&f) = s.get(self.pos) {
                if f == 'i' || f == 'm' {
                    flags.push(f);
                    self.pos += 1;
                } else {
                    break;
                }
            }
            return Ok((Tok::Regex(pattern, flags), start));
        }
        for op in OPERATORS {
            let n = op.chars().count();
            if self.pos + n <= s.len() && s[self.pos..self.pos + n].iter().copied().eq(op.chars()) {
                // `..` must not eat the dot of `1..2`'s decimal form, and a `.` followed by
                // a digit after a number is handled by the number branch below.
                self.pos += n;
                return Ok((Tok::Op(op), start));
            }
        }
        if c == '"' || c == '\'' {
            self.pos += 1;
            let mut out = String::new();
            loop {
                let Some(&ch) = s.get(self.pos) else {
                    return Err(err(
                        "S0101",
                        start,
                        "String literal must be terminated by a matching quote".into(),
                    ));
                };
                self.pos += 1;
                if ch == c {
                    break;
                }
                if ch != '\\' {
                    out.push(ch);
                    continue;
                }
                let Some(&e) = s.get(self.pos) else {
                    continue;
                };
                self.pos += 1;
                match e {
                    '"' | '\\' | '/' | '\'' => out.push(e),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hex: String = s
                            .get(self.pos..self.pos + 4)
                            .unwrap_or(&[])
                            .iter()
                            .collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|_| {
                            err(
                                "S0104",
                                self.pos,
                                "The escape sequence \\u must be followed by 4 hex digits".into(),
                            )
                        })?;
                        self.pos += 4;
                        // A surrogate pair is two escapes.
                        if (0xD800..0xDC00).contains(&code)
                            && s.get(self.pos) == Some(&'\\')
                            && s.get(self.pos + 1) == Some(&'u')
                        {
                            let low: String = s
                                .get(self.pos + 2..self.pos + 6)
                                .unwrap_or(&[])
                                .iter()
                                .collect();
                            if let Ok(lo) = u32::from_str_radix(&low, 16) {
                                self.pos += 6;
                                let cp =
                                    0x10000 + ((code - 0xD800) << 10) + (lo.wrapping_sub(0xDC00));
                                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                continue;
                            }
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                    _ => {
                        return Err(err(
                            "S0103",
                            self.pos - 1,
                            format!("Unsupported escape sequence: \\{e}"),
                        ))
                    }
                }
            }
            return Ok((Tok::Str(out), start));
        }
        if c.is_ascii_digit() {
            let mut end = self.pos;
            while end < s.len() && s[end].is_ascii_digit() {
                end += 1;
            }
            if end + 1 < s.len() && s[end] == '.' && s[end + 1].is_ascii_digit() {
                end += 1;
                while end < s.len() && s[end].is_ascii_digit() {
                    end += 1;
                }
            }
            if end < s.len() && (s[end] == 'e' || s[end] == 'E') {
                let mut e = end + 1;
                if e < s.len() && (s[e] == '+' || s[e] == '-') {
                    e += 1;
                }
                if e < s.len() && s[e].is_ascii_digit() {
                    while e < s.len() && s[e].is_ascii_digit() {
                        e += 1;
                    }
                    end = e;
                }
            }
            let text: String = s[self.pos..end].iter().collect();
            self.pos = end;
            let n: f64 = text.parse().unwrap_or(f64::NAN);
            if !n.is_finite() {
                return Err(err("S0102", start, format!("Number out of range: {text}")));
            }
            return Ok((Tok::Num(n), start));
        }
        if c == '`' {
            let close = s[self.pos + 1..].iter().position(|&x| x == '`');
            let Some(close) = close else {
                return Err(err(
                    "S0105",
                    start,
                    "Quoted property name must be terminated with a backquote (`)".into(),
                ));
            };
            let name: String = s[self.pos + 1..self.pos + 1 + close].iter().collect();
            self.pos += close + 2;
            return Ok((Tok::Name(name), start));
        }
        let mut end = self.pos;
        while end < s.len() {
            let ch = s[end];
            if ch.is_whitespace() || "..:=!=><**~>^([]{}(),@#;?+-*/%|&\"'`".contains(ch) {
                break;
            }
            end += 1;
        }
        if c == '$' {
            let name: String = s[self.pos + 1..end].iter().collect();
            self.pos = end;
            return Ok((Tok::Var(name), start));
        }
        if end == self.pos {
            return Err(err("S0204", start, format!("Unknown operator: {c}")));
        }
        let word: String = s[self.pos..end].iter().collect();
        self.pos = end;
        Ok((
            match word.as_str() {
                "and" => Tok::Op("and"),
                "or" => Tok::Op("or"),
                "in" => Tok::Op("in"),
                "true" => Tok::Value(Value::True),
                "false" => Tok::Value(Value::False),
                "null" => Tok::Value(Value::Null),
                _ => Tok::Name(word),
            },
            start,
        ))
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok,
    at: usize,
    depth: usize,
}

/// Deeper nesting than this is refused rather than risking the host's stack.
const MAX_DEPTH: usize = 200;

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => super::value::number_text(*n),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Name(n) => n.clone(),
        Tok::Var(v) => format!("${v}"),
        Tok::Regex(p, _) => format!("/{p}/"),
        Tok::Op(o) => (*o).to_string(),
        Tok::Value(v) => format!("{v:?}").to_lowercase(),
        Tok::End => "(end)".into(),
    }
}

impl Parser<'_> {
    fn advance(&mut self, prefix: bool) -> Result<(), Error> {
        let (t, at) = self.lex.next(prefix)?;
        self.tok = t;
        self.at = at;
        Ok(())
    }

    fn expect(&mut self, op: &'static str, prefix: bool) -> Result<(), Error> {
        if self.tok == Tok::End {
            return Err(err(
                "S0203",
                self.at,
                format!("Expected \"{op}\" before end of expression"),
            ));
        }
        if self.tok != Tok::Op(op) {
            return Err(err(
                "S0202",
                self.at,
                format!("Expected \"{op}\", got \"{}\"", describe(&self.tok)),
            ));
        }
        self.advance(prefix)
    }

    fn is(&self, op: &str) -> bool {
        matches!(&self.tok, Tok::Op(o) if *o == op)
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                "S0230",
                self.at,
                "The expression is nested too deeply".into(),
            ));
        }
        let t = std::mem::replace(&mut self.tok, Tok::End);
        let at = self.at;
        self.advance(false)?;
        let mut left = self.nud(t, at)?;
        while let Tok::Op(op) = self.tok {
            if rbp >= bp(op) {
                break;
            }
            let at = self.at;
            self.advance(true)?;
            left = self.led(op, left, at)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, t: Tok, at: usize) -> Result<Node, Error> {
        let n = self.prefix(t, at)?;
        self.lambda_or(n)
    }

    fn prefix(&mut self, t: Tok, at: usize) -> Result<Node, Error> {
        Ok(match t {
            Tok::Num(n) => Node::Num(n),
            Tok::Str(s) => Node::Str(s.into()),
            Tok::Value(Value::True) => Node::Bool(true),
            Tok::Value(Value::False) => Node::Bool(false),
            Tok::Value(Value::Null) => Node::Null,
            Tok::Name(n) => Node::Path {
                steps: vec![Step::new(Node::Name(n.into()))],
                keep_array: false,
            },
            Tok::Var(v) => Node::Var(v.into()),
            Tok::Regex(p, f) => Node::Regex(p.into(), f.into()),
            Tok::End => return Err(err("S0207", at, "Unexpected end of expression".into())),
            Tok::Op(op) => match op {
                "-" => Node::Neg(Box::new(self.expression(70)?)),
                "*" => Node::Path {
                    steps: vec![Step::new(Node::Wildcard)],
                    keep_array: false,
                },
                "**" => Node::Path {
                    steps: vec![Step::new(Node::Descendants)],
                    keep_array: false,
                },
                "(" => {
                    let mut items = Vec::new();
                    while !self.is(")") {
                        items.push(self.expression(0)?);
                        if !self.is(";") {
                            break;
                        }
                        self.advance(true)?;
                    }
                    self.expect(")", false)?;
                    Node::Block(items)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is("]") {
                        loop {
                            let item = self.expression(0)?;
                            items.push(item);
                            if !self.is(",") {
                                break;
                            }
                            self.advance(true)?;
                        }
                    }
                    self.expect("]", false)?;
                    Node::Array { items, cons: false }
                }
                "{" => Node::Object {
                    input: None,
                    pairs: self.pairs()?,
                },
                "%" => Node::Path {
                    steps: vec![Step::new(Node::Parent)],
                    keep_array: false,
                },
                "|" => {
                    let pattern = self.expression(bp("|"))?;
                    self.expect("|", true)?;
                    let update = self.expression(bp("|"))?;
                    let delete = if self.is(",") {
                        self.advance(true)?;
                        Some(self.expression(bp("|"))?)
                    } else {
                        None
                    };
                    self.expect("|", false)?;
                    Node::Transform(Rc::new(super::Transform {
                        pattern,
                        update,
                        delete,
                    }))
                }
                _ => {
                    return Err(err(
                        "S0211",
                        at,
                        format!("The symbol {op} cannot be used as a unary operator"),
                    ))
                }
            },
        })
    }

    /// `function($a, $b) { … }`: recognised after the name `function` (or `λ`).
    fn lambda_or(&mut self, n: Node) -> Result<Node, Error> {
        let is_fn = matches!(&n, Node::Path { steps, .. } if steps.len() == 1
            && matches!(&steps[0].node, Node::Name(x) if &**x == "function" || &**x == "λ"));
        if !is_fn || !self.is("(") {
            return Ok(n);
        }
        self.advance(false)?;
        let mut params = Vec::new();
        while !self.is(")") {
            match std::mem::replace(&mut self.tok, Tok::End) {
                Tok::Var(v) => params.push(Rc::<str>::from(v)),
                other => {
                    return Err(err(
                        "S0208",
                        self.at,
                        format!("Parameter {} of function definition must be a variable name (start with $)", describe(&other)),
                    ))
                }
            }
            self.advance(false)?;
            if !self.is(",") {
                break;
            }
            self.advance(false)?;
        }
        self.expect(")", false)?;
        // An optional signature `<…>` is read and not enforced.
        if self.is("<") {
            let mut depth = 0;
            loop {
                match &self.tok {
                    Tok::Op("<") => depth += 1,
                    Tok::Op(">") => {
                        depth -= 1;
                        if depth == 0 {
                            self.advance(false)?;
                            break;
                        }
                    }
                    Tok::End => {
                        return Err(err(
                            "S0401",
                            self.at,
                            "Unterminated function signature".into(),
                        ))
                    }
                    _ => {}
                }
                self.advance(false)?;
            }
        }
        self.expect("{", true)?;
        let body = self.expression(0)?;
        self.expect("}", false)?;
        Ok(Node::Lambda {
            params: params.into(),
            body: Rc::new(body),
        })
    }

    fn pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if !self.is("}") {
            loop {
                let k = self.expression(0)?;
                self.expect(":", true)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is(",") {
                    break;
                }
                self.advance(true)?;
            }
        }
        self.expect("}", false)?;
        Ok(pairs)
    }

    fn led(&mut self, op: &'static str, left: Node, at: usize) -> Result<Node, Error> {
        Ok(match op {
            "." => {
                let right = self.expression(bp("."))?;
                let mut steps = into_steps(left, at)?;
                let keep = matches!(
                    &right,
                    Node::Path {
                        keep_array: true,
                        ..
                    }
                );
                let mut more = into_steps(right, at)?;
                for s in &mut more {
                    if let Node::Array { cons, .. } = &mut s.node {
                        *cons = true;
                    }
                }
                steps.extend(more);
                Node::Path {
                    steps,
                    keep_array: keep,
                }
            }
            "[" => {
                if self.is("]") {
                    self.advance(false)?;
                    return Ok(match left {
                        Node::Path { steps, .. } => Node::Path {
                            steps,
                            keep_array: true,
                        },
                        other => Node::Path {
                            steps: vec![Step::new(other)],
                            keep_array: true,
                        },
                    });
                }
                let pred = self.expression(0)?;
                self.expect("]", false)?;
                match left {
                    Node::Path {
                        mut steps,
                        keep_array,
                    } => {
                        if let Some(last) = steps.last_mut() {
                            last.stages.push(pred);
                        }
                        Node::Path { steps, keep_array }
                    }
                    Node::Filter { input, mut preds } => {
                        preds.push(pred);
                        Node::Filter { input, preds }
                    }
                    other => Node::Filter {
                        input: Box::new(other),
                        preds: vec![pred],
                    },
                }
            }
            "{" => Node::Object {
                input: Some(Box::new(left)),
                pairs: self.pairs()?,
            },
            "@" | "#" => {
                // `step@$v` (context binding) and `step#$i` (positional binding).
                let name = match std::mem::replace(&mut self.tok, Tok::End) {
                    Tok::Var(v) => v,
                    other => {
                        self.tok = other;
                        return Err(err(
                            "S0214",
                            at,
                            format!(
                                "The right side of {op} must be a variable name (start with $)"
                            ),
                        ));
                    }
                };
                self.advance(false)?;
                let mut steps = into_steps(left, at)?;
                if let Some(last) = steps.last_mut() {
                    if op == "@" {
                        last.focus = Some(name.into());
                    } else {
                        last.index = Some(name.into());
                    }
                }
                Node::Path {
                    steps,
                    keep_array: false,
                }
            }
            "(" => {
                let mut args = Vec::new();
                let mut partial = false;
                if !self.is(")") {
                    loop {
                        if self.is("?") {
                            // A placeholder: `$f(?, 2)` is a function of the missing one.
                            self.advance(true)?;
                            partial = true;
                            args.push(None);
                        } else {
                            args.push(Some(self.expression(0)?));
                        }
                        if !self.is(",") {
                            break;
                        }
                        self.advance(true)?;
                    }
                }
                self.expect(")", false)?;
                if partial {
                    Node::Partial {
                        func: Box::new(left),
                        args,
                    }
                } else {
                    Node::Call {
                        func: Box::new(left),
                        args: args.into_iter().flatten().collect(),
                    }
                }
            }
            "^(" => {
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is("<") {
                        self.advance(true)?;
                    } else if self.is(">") {
                        descending = true;
                        self.advance(true)?;
                    }
                    terms.push(SortTerm {
                        expr: self.expression(0)?,
                        descending,
                    });
                    if !self.is(",") {
                        break;
                    }
                    self.advance(true)?;
                }
                self.expect(")", false)?;
                // A sort is a step of the path before it: it orders that path's whole
                // sequence, not each item's.
                let mut steps = into_steps(left, at)?;
                steps.push(Step::new(Node::Sort(terms)));
                Node::Path {
                    steps,
                    keep_array: false,
                }
            }
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is(":") {
                    self.advance(true)?;
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Node::Cond {
                    test: Box::new(left),
                    then: Box::new(then),
                    otherwise,
                }
            }
            ":=" => {
                let Node::Var(name) = left else {
                    return Err(err(
                        "S0212",
                        at,
                        "The left side of := must be a variable name (start with $)".into(),
                    ));
                };
                let value = self.expression(bp(":=") - 1)?;
                Node::Bind {
                    name,
                    value: Box::new(value),
                }
            }
            _ => {
                let right = self.expression(bp(op))?;
                Node::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }
        })
    }
}

/// Steps of a path: a path's own steps, or one step for anything else. A string literal
/// is a field name there; other literals cannot be steps.
fn into_steps(n: Node, at: usize) -> Result<Vec<Step>, Error> {
    Ok(match n {
        Node::Path {
            steps,
            keep_array: _,
        } => steps,
        Node::Str(s) => vec![Step::new(Node::Name(s))],
        Node::Num(_) | Node::Bool(_) | Node::Null => {
            return Err(err(
                "S0213",
                at,
                "The literal value cannot be used as a step within a path expression".into(),
            ))
        }
        other => vec![Step::new(other)],
    })
}

pub fn parse(text: &str) -> Result<Node, Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        lex: Lexer {
            src: &chars,
            pos: 0,
        },
        tok: Tok::End,
        at: 0,
        depth: 0,
    };
    p.advance(true)?;
    let n = p.expression(0)?;
    if p.tok != Tok::End {
        return Err(err(
            "S0201",
            p.at,
            format!("Syntax error: \"{}\"", describe(&p.tok)),
        ));
    }
    Ok(n)
}
