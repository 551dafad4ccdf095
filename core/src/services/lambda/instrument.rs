//! Handler code, instrumented so runaway work is counted wherever it runs. boa limits
//! loop iterations per call frame, so a loop that calls a function which itself loops
//! (or a recursion that branches) could run for hours before any limit saw it. Before
//! the engine parses a handler (or a layer's file), calls to the runtime's tick,
//! `__pg_t()`, are written into its text: at the start of every function body, in the
//! head of every `while`, `do … while` and `for (;;)` loop, at the top of braced
//! `for … in/of` bodies, and around the iterable of an unbraced `for … of`. The tick
//! counts against a budget per stretch of JS (running out is Lambda's timeout) and
//! watches the memory (passing it is Lambda's out-of-memory kill), so a string doubled
//! in a loop is caught before it can exhaust the host.
//!
//! Insertions never add a line, so line numbers in stack traces stay the user's. The
//! function bodies come from boa's own parser (its spans); the loop heads from a small
//! tokenizer. The result is parsed again before use — for handler code by the engine
//! itself — and if it does not parse the code runs as written (boa's per-frame limit and
//! the watchdogs still apply).

use boa_engine::ast::scope::Scope;
use boa_engine::ast::visitor::Visitor;
use boa_engine::ast::{Position, Spanned};
use boa_engine::interner::Interner;
use boa_engine::parser::{Parser, Source};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// The tick a loop head or function body calls.
pub const TICK: &str = "__pg_t";

/// `code` with ticks written in, or `code` itself if that cannot be done safely (the
/// result is parsed once more to be sure). `module` says how the engine will parse it
/// (ES module or script).
pub fn instrument(code: &str, module: bool) -> String {
    match ticked(code, module) {
        Some(out) if function_bodies(&out, module).is_some() => out,
        _ => code.to_string(),
    }
}

/// `code` with ticks written in, not yet known to parse: for a caller whose own parse of
/// the result checks it (and falls back to `code`). `None` when there is nothing to add
/// or `code` does not parse (the engine then reports the error as written).
pub fn ticked(code: &str, module: bool) -> Option<String> {
    let bodies = function_bodies(code, module)?;
    let tokens = tokenize(code);
    let mut edits: BTreeMap<usize, String> = BTreeMap::new();
    let mut add = |at: usize, text: &str| edits.entry(at).or_default().push_str(text);
    let lines = LineIndex::new(code);
    for (start, end) in bodies {
        let (Some(s), Some(e)) = (lines.offset(start), lines.offset(end)) else {
            continue;
        };
        if code[s..].starts_with('{') {
            // Not before a directive ("use strict" must stay first).
            let after = tokens.get(tokens.partition_point(|t| t.start <= s));
            if after.is_some_and(|t| t.kind == Kind::Str) {
                continue;
            }
            add(s + 1, &format!("{TICK}();"));
        } else if let Some((s, e)) = concise_body(&tokens, code, s, e) {
            add(s, &format!("({TICK}(),"));
            add(e, ")");
        }
    }
    loop_heads(&tokens, code, &mut add);
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(code.len() + edits.len() * 10);
    let mut last = 0;
    for (at, text) in &edits {
        if *at > code.len() || !code.is_char_boundary(*at) {
            return None;
        }
        out.push_str(&code[last..*at]);
        out.push_str(text);
        last = *at;
    }
    out.push_str(&code[last..]);
    Some(out)
}

/// How Node (and runtime.js, for layer files) wraps a CommonJS file, on its first line.
const CJS_HEAD: &str = "(function (exports, require, module, __filename, __dirname) {";
const CJS_TAIL: &str = "\n})";

/// A CommonJS file in Node's wrapper.
pub fn cjs_wrap(code: &str) -> String {
    format!("{CJS_HEAD}{code}{CJS_TAIL}")
}

/// A CommonJS file instrumented as its wrapper will run it, without the wrapper.
pub fn cjs_body(code: &str) -> String {
    let out = instrument(&cjs_wrap(code), false);
    out.strip_prefix(CJS_HEAD)
        .and_then(|o| o.strip_suffix(CJS_TAIL))
        .map_or_else(|| code.to_string(), str::to_string)
}

/// The (start, end) of every function body: `{ … }` or an arrow's expression.
fn function_bodies(code: &str, module: bool) -> Option<Vec<(Position, Position)>> {
    struct Bodies(Vec<(Position, Position)>);
    impl<'ast> Visitor<'ast> for Bodies {
        type BreakTy = ();
        fn visit_function_body(
            &mut self,
            node: &'ast boa_engine::ast::function::FunctionBody,
        ) -> ControlFlow<()> {
            let span = node.span();
            self.0.push((span.start(), span.end()));
            boa_engine::ast::visitor::VisitWith::visit_with(node, self)
        }
    }
    let mut interner = Interner::default();
    let scope = Scope::new_global();
    let mut parser = Parser::new(Source::from_bytes(code.as_bytes()));
    let mut bodies = Bodies(Vec::new());
    if module {
        let m = parser.parse_module(&scope, &mut interner).ok()?;
        let _ = bodies.visit_module(&m);
    } else {
        let s = parser.parse_script(&scope, &mut interner).ok()?;
        let _ = bodies.visit_script(&s);
    }
    Some(bodies.0)
}

/// Statement keywords that cannot continue an expression from the line before.
const STATEMENT_START: &[&str] = &[
    "const", "let", "var", "function", "class", "export", "import", "return", "if", "for", "while",
    "do", "switch", "try", "throw", "async",
];

/// The exact text of an arrow's expression body, or None if it cannot be told for sure.
/// boa's span of a body may start late (a call's span begins at its arguments), so the
/// body begins at the token after the arrow's `=>`; it ends at the span's end, trusted
/// only if the text between is balanced and what follows ends an expression. Tokens are
/// in source order, so each look-up is a binary search (a bundled layer has thousands of
/// functions).
fn concise_body(tokens: &[Token], code: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    if e > code.len() || e <= s {
        return None;
    }
    let before = tokens.partition_point(|t| t.end <= s);
    let arrow = tokens[..before]
        .iter()
        .rposition(|t| &code[t.start..t.end] == "=>")?;
    let first = tokens.get(arrow + 1)?;
    let end = tokens.partition_point(|t| t.end <= e);
    let inside = tokens.get(arrow + 1..end)?;
    if inside.last().is_none_or(|t| t.end != e) {
        return None;
    }
    let mut d = 0i32;
    for t in inside {
        match &code[t.start..t.end] {
            "(" | "[" | "{" => d += 1,
            ")" | "]" | "}" => d -= 1,
            _ => {}
        }
        if d < 0 {
            return None;
        }
    }
    if d != 0 {
        return None;
    }
    match tokens.get(tokens.partition_point(|t| t.start < e)) {
        None => {}
        Some(t) => {
            let next = &code[t.start..t.end];
            let ends = matches!(next, "," | ";" | ")" | "]" | "}")
                || (code[e..t.start].contains('\n') && STATEMENT_START.contains(&next));
            if !ends {
                return None;
            }
        }
    }
    Some((first.start, e))
}

/// Byte offsets of boa's (line, column) positions: lines end at \n, \r\n, \r, U+2028 and
/// U+2029; columns count code points from 1.
struct LineIndex<'a> {
    code: &'a str,
    starts: Vec<usize>,
    /// Lines of ASCII only, where a column is a byte offset (a minified bundle is one
    /// long line: counting characters there for every function would be quadratic).
    ascii: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    fn new(code: &'a str) -> Self {
        let mut starts = vec![0];
        let mut ascii = vec![true];
        let mut it = code.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if !c.is_ascii() {
                if let Some(a) = ascii.last_mut() {
                    *a = false;
                }
            }
            let before = starts.len();
            match c {
                '\r' => {
                    if let Some((_, '\n')) = it.peek() {
                        it.next();
                        starts.push(i + 2);
                    } else {
                        starts.push(i + 1);
                    }
                }
                '\n' => starts.push(i + 1),
                '\u{2028}' | '\u{2029}' => starts.push(i + c.len_utf8()),
                _ => {}
            }
            if starts.len() > before {
                ascii.push(true);
            }
        }
        LineIndex {
            code,
            starts,
            ascii,
        }
    }

    fn offset(&self, p: Position) -> Option<usize> {
        let n = p.line_number().checked_sub(1)? as usize;
        let line = *self.starts.get(n)?;
        let col = p.column_number().checked_sub(1)? as usize;
        if self.ascii[n] {
            let len = self.starts.get(n + 1).map_or(self.code.len(), |next| *next) - line;
            return (col <= len).then_some(line + col);
        }
        let rest = &self.code[line..];
        match rest.char_indices().nth(col) {
            Some((i, _)) => Some(line + i),
            None if rest.chars().count() == col => Some(self.code.len()),
            None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Punct,
    Str,
    Template,
    Regex,
    Number,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Keywords after which a `/` starts a regular expression rather than a division.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// JavaScript tokens, enough to find loop heads: strings, templates (with nested
/// substitutions), comments and regular expressions are skipped whole.
fn tokenize(code: &str) -> Vec<Token> {
    let b = code.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    // Brace depths at which an open template substitution resumes its template.
    let mut templates: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let template_rest = |mut i: usize| -> (usize, bool) {
        // From inside a template: to its end (false) or to a `${` (true).
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'`' => return (i + 1, false),
                b'$' if b.get(i + 1) == Some(&b'{') => return (i + 2, true),
                _ => i += 1,
            }
        }
        (b.len(), false)
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = code[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            }
            b'/' if regex_allowed(code, tokens.last()) => {
                let mut class = false;
                i += 1;
                while i < b.len() && b[i] != b'\n' {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Regex,
                    start,
                    end: i.min(b.len()),
                });
            }
            b'\'' | b'"' => {
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                tokens.push(Token {
                    kind: Kind::Str,
                    start,
                    end: i.min(b.len()),
                });
            }
            b'`' => {
                let (end, subst) = template_rest(i + 1);
                i = end;
                if subst {
                    depth += 1;
                    templates.push(depth);
                }
                tokens.push(Token {
                    kind: Kind::Template,
                    start,
                    end: i,
                });
            }
            b'}' if templates.last() == Some(&depth) => {
                templates.pop();
                depth -= 1;
                let (end, subst) = template_rest(i + 1);
                i = end;
                if subst {
                    depth += 1;
                    templates.push(depth);
                }
                tokens.push(Token {
                    kind: Kind::Template,
                    start,
                    end: i,
                });
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Number,
                    start,
                    end: i,
                });
            }
            _ if c == b'_' || c == b'$' || c == b'#' || c.is_ascii_alphabetic() || c >= 0x80 => {
                i += 1;
                while i < b.len()
                    && (b[i] == b'_'
                        || b[i] == b'$'
                        || b[i].is_ascii_alphanumeric()
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Word,
                    start,
                    end: i,
                });
            }
            _ => {
                let len = if code[i..].starts_with("=>") || code[i..].starts_with("?.") {
                    2
                } else {
                    code[i..].chars().next().map_or(1, char::len_utf8)
                };
                match c {
                    b'{' => depth += 1,
                    b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                i += len;
                tokens.push(Token {
                    kind: Kind::Punct,
                    start,
                    end: i,
                });
            }
        }
    }
    tokens
}

fn regex_allowed(code: &str, prev: Option<&Token>) -> bool {
    let Some(t) = prev else { return true };
    let text = &code[t.start..t.end];
    match t.kind {
        Kind::Word => BEFORE_REGEX.contains(&text),
        Kind::Punct => !matches!(text, ")" | "]" | "}"),
        Kind::Str | Kind::Number | Kind::Regex | Kind::Template => false,
    }
}

/// Ticks in loop heads: `while (` and `for (…;` get `__pg_t(),` before the condition; a
/// braced `for … in/of` body starts with a tick; an unbraced `for … of` iterates through
/// `__pg_it(…)`, which ticks per item.
fn loop_heads(tokens: &[Token], code: &str, add: &mut impl FnMut(usize, &str)) {
    let text = |t: &Token| &code[t.start..t.end];
    let tick = format!("{TICK}(),");
    for (n, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Word || (text(t) != "for" && text(t) != "while") {
            continue;
        }
        if n > 0 && matches!(text(&tokens[n - 1]), "." | "?.") {
            continue; // a property called `for`
        }
        let mut open = n + 1;
        if text(t) == "for" && tokens.get(open).is_some_and(|t| text(t) == "await") {
            open += 1;
        }
        if tokens.get(open).is_none_or(|t| text(t) != "(") {
            continue;
        }
        let Some(close) = matching(tokens, code, open) else {
            continue;
        };
        if text(t) == "while" {
            add(tokens[open].end, &tick);
            continue;
        }
        // `for`: the first `;` at the head's own depth makes it a C-style loop.
        let mut d = 0i32;
        let mut semi = None;
        let mut of = None;
        for k in open + 1..close {
            match text(&tokens[k]) {
                "(" | "[" | "{" => d += 1,
                ")" | "]" | "}" => d -= 1,
                ";" if d == 0 && semi.is_none() => semi = Some(k),
                "of" if d == 0
                    && of.is_none()
                    && !matches!(text(&tokens[k - 1]), "let" | "const" | "var" | "." | "?.") =>
                {
                    of = Some(k)
                }
                _ => {}
            }
        }
        if let Some(s) = semi {
            if tokens.get(s + 1).is_some_and(|t| text(t) == ";") {
                add(tokens[s].end, &format!("{TICK}(),true"));
            } else if s + 1 < close {
                add(tokens[s + 1].start, &tick);
            }
        } else if tokens.get(close + 1).is_some_and(|t| text(t) == "{") {
            add(tokens[close + 1].end, &format!("{TICK}();"));
        } else if let Some(o) = of {
            if o + 1 < close {
                add(tokens[o + 1].start, "__pg_it(");
                add(tokens[close].start, ")");
            }
        }
    }
}

/// The index of the `)` closing the `(` at `open`.
fn matching(tokens: &[Token], code: &str, open: usize) -> Option<usize> {
    let mut d = 0i32;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match &code[t.start..t.end] {
            "(" | "[" | "{" => d += 1,
            ")" | "]" | "}" => {
                d -= 1;
                if d == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(code: &str) -> String {
        instrument(code, false)
    }

    #[test]
    fn function_bodies_and_loops_get_ticks_on_their_own_lines() {
        let code = "function f(n) {\n  while (n > 0) n--;\n  for (let i = 0; i < 3; i++) {}\n  for (;;) break;\n  do {} while (false);\n  return n;\n}\n";
        let out = script(code);
        assert_eq!(
            out,
            "function f(n) {__pg_t();\n  while (__pg_t(),n > 0) n--;\n  for (let i = 0; __pg_t(),i < 3; i++) {}\n  for (;__pg_t(),true;) break;\n  do {} while (__pg_t(),false);\n  return n;\n}\n"
        );
        assert_eq!(out.lines().count(), code.lines().count());
    }

    #[test]
    fn arrows_methods_and_for_of() {
        let out = instrument(
            "const sq = (x) => x * x;\nclass A { m() { return 1; } }\nexport const h = async (e) => {\n  for (const r of e.Records) console.log(r);\n  for (const k in e) { void k; }\n  return `${e.a}`;\n};\n",
            true,
        );
        assert!(out.contains("=> (__pg_t(),x * x)"), "{out}");
        assert!(out.contains("m() {__pg_t(); return 1; }"), "{out}");
        assert!(out.contains("async (e) => {__pg_t();"), "{out}");
        assert!(out.contains("for (const r of __pg_it(e.Records))"), "{out}");
        assert!(
            out.contains("for (const k in e) {__pg_t(); void k; }"),
            "{out}"
        );
        // boa's span of a call begins at its arguments: the body begins after `=>`.
        let out = script("const f = (n) => f(n - 1) + g(n)\nconst g = async () => f(18);\n");
        assert_eq!(
            out,
            "const f = (n) => (__pg_t(),f(n - 1) + g(n))\nconst g = async () => (__pg_t(),f(18));\n"
        );
    }

    #[test]
    fn strings_templates_regexes_and_comments_are_not_code() {
        let code = "const s = 'while (x) {';\nconst t = `for (;;) ${ 'x' + `while(${1})` } {`;\nconst r = /for\\(;;\\)[/]/g;\n// while (true)\n/* for (;;) */\nconst o = {while: 1}.while;\n";
        assert_eq!(script(code), code);
    }

    #[test]
    fn directives_and_bad_code_are_left_alone() {
        let strict = "function f() { 'use strict'; return this; }";
        assert_eq!(script(strict), strict);
        let bad = "function ( {";
        assert_eq!(script(bad), bad);
    }
}
