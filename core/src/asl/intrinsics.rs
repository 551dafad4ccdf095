//! The intrinsic functions of JSONPath states (`States.Format('{}', $.x)`, …): a parser
//! for the call syntax (single-quoted strings with `\'`, `\{`, `\}`, `\\` escapes,
//! numbers, booleans, `null`, paths and nested calls, at most 10 deep) and the 18
//! functions Step Functions defines, with the limits its developer guide gives.
//! Failures are `States.IntrinsicFailure` with a cause naming the function.

use super::path::Path;
use crate::rng::Rng;
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Literal(Value),
    Path(Path),
    Call(Call),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Arg>,
}

pub const FUNCTIONS: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// True when a `.$` value is an intrinsic call rather than a path.
pub fn is_call(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

pub fn parse(text: &str) -> Result<Call, String> {
    let mut p = P {
        s: text,
        i: 0,
        depth: 0,
    };
    let c = p.call()?;
    p.ws();
    if p.i != text.len() {
        return Err(format!(
            "unexpected text after the call at position {} of '{text}'",
            p.i
        ));
    }
    Ok(c)
}

struct P<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.s[self.i..].starts_with(' ') {
            self.i += 1;
        }
    }
    fn err(&self, what: &str) -> String {
        format!("{what} at position {} of '{}'", self.i, self.s)
    }
    fn call(&mut self) -> Result<Call, String> {
        self.depth += 1;
        if self.depth > 10 {
            return Err(self.err("intrinsic functions nest at most 10 deep"));
        }
        self.ws();
        let start = self.i;
        while self.s[self.i..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            self.i += 1;
        }
        let name = self.s[start..self.i].to_string();
        if !FUNCTIONS.contains(&name.as_str()) {
            return Err(format!("'{name}' is not an intrinsic function"));
        }
        self.ws();
        if !self.s[self.i..].starts_with('(') {
            return Err(self.err("expected '('"));
        }
        self.i += 1;
        let mut args = Vec::new();
        self.ws();
        if self.s[self.i..].starts_with(')') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Call { name, args });
        }
        loop {
            args.push(self.arg()?);
            self.ws();
            match self.s[self.i..].chars().next() {
                Some(',') => self.i += 1,
                Some(')') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Call { name, args });
                }
                _ => return Err(self.err("expected ',' or ')'")),
            }
        }
    }
    fn arg(&mut self) -> Result<Arg, String> {
        self.ws();
        let rest = &self.s[self.i..];
        if rest.starts_with('\'') {
            let mut out = String::new();
            let mut it = rest.char_indices().skip(1);
            while let Some((n, c)) = it.next() {
                match c {
                    '\\' => match it.next() {
                        Some((_, e @ ('\'' | '{' | '}' | '\\'))) => {
                            if e == '{' || e == '}' {
                                // Kept escaped so States.Format can tell a literal brace.
                                out.push('\\');
                            }
                            out.push(e)
                        }
                        Some((_, e)) => {
                            out.push('\\');
                            out.push(e)
                        }
                        None => break,
                    },
                    '\'' => {
                        self.i += n + 1;
                        return Ok(Arg::Literal(Value::String(out)));
                    }
                    c => out.push(c),
                }
            }
            return Err(self.err("unterminated string"));
        }
        if rest.starts_with("States.") {
            return Ok(Arg::Call(self.call()?));
        }
        // A path or a JSON scalar: up to the next ',' or ')' outside brackets and quotes.
        let mut depth = 0;
        let mut quote = None;
        let mut end = rest.len();
        for (n, c) in rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[' | '(') => depth += 1,
                (None, ']') => depth -= 1,
                (None, ')') if depth == 0 => {
                    end = n;
                    break;
                }
                (None, ')') => depth -= 1,
                (None, ',') if depth == 0 => {
                    end = n;
                    break;
                }
                _ => {}
            }
        }
        let token = rest[..end].trim();
        self.i += end;
        if token.starts_with('$') {
            return Path::parse(token).map(Arg::Path);
        }
        match serde_json::from_str::<Value>(token) {
            Ok(v) if !v.is_object() && !v.is_array() && !v.is_string() => Ok(Arg::Literal(v)),
            _ => Err(format!("'{token}' is not a valid argument")),
        }
    }
}

fn fail(name: &str, why: impl std::fmt::Display) -> String {
    format!("Invalid arguments in {name}: {why}")
}

/// Renders a value as States.Format prints it: strings as they are, JSON objects and
/// arrays as Step Functions' Java runtime prints maps and lists (`{a=1, b=[x, y]}`).
fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(format_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k}={}", format_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn int_arg(name: &str, v: &Value, what: &str) -> Result<i64, String> {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 => Ok(f as i64),
        _ => Err(fail(
            name,
            format!("the {what} must be an integer, found {v}"),
        )),
    }
}

/// Evaluates a call. `lookup` resolves paths (input, context or variables).
pub fn eval(
    call: &Call,
    lookup: &dyn Fn(&Path) -> Result<Value, String>,
    rng: &mut Rng,
) -> Result<Value, String> {
    let mut args = Vec::with_capacity(call.args.len());
    for a in &call.args {
        args.push(match a {
            Arg::Literal(v) => v.clone(),
            Arg::Path(p) => lookup(p)?,
            Arg::Call(c) => eval(c, lookup, rng)?,
        });
    }
    let name = call.name.as_str();
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(fail(
                name,
                format!("expected {n} argument(s), found {}", args.len()),
            ))
        }
    };
    let array = |v: &Value| -> Result<Vec<Value>, String> {
        v.as_array()
            .cloned()
            .ok_or_else(|| fail(name, format!("expected an array, found {v}")))
    };
    let string = |v: &Value| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| fail(name, format!("expected a string, found {v}")))
    };
    Ok(match name {
        "States.Format" => {
            let Some(template) = args.first() else {
                return Err(fail(name, "a template string is required"));
            };
            let template = string(template)?;
            let mut out = String::new();
            let mut next = 1;
            let mut chars = template.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if matches!(chars.peek(), Some('{' | '}')) => {
                        out.push(chars.next().expect("peeked"))
                    }
                    '{' if chars.peek() == Some(&'}') => {
                        chars.next();
                        let Some(v) = args.get(next) else {
                            return Err(fail(name, "more {} placeholders than arguments"));
                        };
                        out.push_str(&format_value(v));
                        next += 1;
                    }
                    c => out.push(c),
                }
            }
            if next != args.len() {
                return Err(fail(name, "more arguments than {} placeholders"));
            }
            Value::String(out)
        }
        "States.StringToJson" => {
            want(1)?;
            let s = string(&args[0])?;
            serde_json::from_str(&s).map_err(|e| fail(name, format!("not JSON: {e}")))?
        }
        "States.JsonToString" => {
            want(1)?;
            Value::String(args[0].to_string())
        }
        "States.Array" => Value::Array(args),
        "States.ArrayPartition" => {
            want(2)?;
            let a = array(&args[0])?;
            let size = int_arg(name, &args[1], "chunk size")?;
            if size <= 0 {
                return Err(fail(name, "the chunk size must be greater than 0"));
            }
            Value::Array(
                a.chunks(size as usize)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            )
        }
        "States.ArrayContains" => {
            want(2)?;
            Value::Bool(array(&args[0])?.contains(&args[1]))
        }
        "States.ArrayRange" => {
            want(3)?;
            let (a, b, step) = (
                int_arg(name, &args[0], "start")?,
                int_arg(name, &args[1], "end")?,
                int_arg(name, &args[2], "step")?,
            );
            if step == 0 {
                return Err(fail(name, "the step cannot be 0"));
            }
            let mut out = Vec::new();
            let mut x = a;
            while (step > 0 && x <= b) || (step < 0 && x >= b) {
                out.push(Value::from(x));
                if out.len() > 1000 {
                    return Err(fail(name, "the range has more than 1000 items"));
                }
                x += step;
            }
            Value::Array(out)
        }
        "States.ArrayGetItem" => {
            want(2)?;
            let a = array(&args[0])?;
            let i = int_arg(name, &args[1], "index")?;
            usize::try_from(i)
                .ok()
                .and_then(|i| a.get(i).cloned())
                .ok_or_else(|| fail(name, format!("index {i} is out of bounds")))?
        }
        "States.ArrayLength" => {
            want(1)?;
            Value::from(array(&args[0])?.len())
        }
        "States.ArrayUnique" => {
            want(1)?;
            let mut out: Vec<Value> = Vec::new();
            for v in array(&args[0])? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        "States.Base64Encode" => {
            want(1)?;
            let s = string(&args[0])?;
            if s.len() > 10_000 {
                return Err(fail(name, "the input is longer than 10000 characters"));
            }
            Value::String(crate::util::base64_encode(s.as_bytes()))
        }
        "States.Base64Decode" => {
            want(1)?;
            let s = string(&args[0])?;
            if s.len() > 10_000 {
                return Err(fail(name, "the input is longer than 10000 characters"));
            }
            let bytes = crate::util::base64_decode(&s).ok_or_else(|| fail(name, "not base64"))?;
            Value::String(
                String::from_utf8(bytes).map_err(|_| fail(name, "the data is not UTF-8"))?,
            )
        }
        "States.Hash" => {
            want(2)?;
            let data = match &args[0] {
                Value::String(s) => s.clone(),
                Value::Null => return Err(fail(name, "the data cannot be null")),
                other => other.to_string(),
            };
            if data.len() > 10_000 {
                return Err(fail(name, "the data is longer than 10000 characters"));
            }
            let alg = string(&args[1])?;
            Value::String(hash_hex(&alg, data.as_bytes()).ok_or_else(|| {
                fail(
                    name,
                    format!("'{alg}' is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"),
                )
            })?)
        }
        "States.JsonMerge" => {
            want(3)?;
            if args[2] != Value::Bool(false) {
                return Err(fail(
                    name,
                    "only shallow merges are supported: the third argument must be false",
                ));
            }
            let (Some(a), Some(b)) = (args[0].as_object(), args[1].as_object()) else {
                return Err(fail(name, "both arguments must be JSON objects"));
            };
            let mut out: Map<String, Value> = a.clone();
            for (k, v) in b {
                out.insert(k.clone(), v.clone());
            }
            Value::Object(out)
        }
        "States.MathRandom" => {
            if args.len() != 2 && args.len() != 3 {
                return Err(fail(name, "expected a start, an end and an optional seed"));
            }
            let (a, b) = (
                int_arg(name, &args[0], "start")?,
                int_arg(name, &args[1], "end")?,
            );
            if b <= a {
                return Err(fail(name, "the end must be greater than the start"));
            }
            let r = match args.get(2) {
                Some(seed) => Rng::new(int_arg(name, seed, "seed")? as u64).next_f64(),
                None => rng.next_f64(),
            };
            Value::from(a + ((b - a) as f64 * r) as i64)
        }
        "States.MathAdd" => {
            want(2)?;
            let a = int_arg(name, &args[0], "first value")?;
            let b = int_arg(name, &args[1], "step")?;
            Value::from(a + b)
        }
        "States.StringSplit" => {
            want(2)?;
            let s = string(&args[0])?;
            let delims: Vec<char> = string(&args[1])?.chars().collect();
            Value::Array(
                s.split(|c| delims.contains(&c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )
        }
        "States.UUID" => {
            want(0)?;
            Value::String(rng.uuid())
        }
        other => return Err(format!("'{other}' is not an intrinsic function")),
    })
}

pub fn hash_hex(alg: &str, data: &[u8]) -> Option<String> {
    use sha2::Digest;
    let bytes: Vec<u8> = match alg {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(text: &str, input: Value) -> Result<Value, String> {
        let call = parse(text)?;
        let lookup = move |p: &Path| p.select(&input).ok_or_else(|| "missing".to_string());
        eval(&call, &lookup, &mut Rng::new(1))
    }

    #[test]
    fn the_developer_guide_examples() {
        let r = |t: &str, i: Value| run(t, i).unwrap();
        assert_eq!(
            r(
                "States.Format('Hello, my name is {}.', $.name)",
                json!({"name": "Arnav"})
            ),
            json!("Hello, my name is Arnav.")
        );
        assert_eq!(
            r(
                "States.ArrayPartition($.a, 4)",
                json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]})
            ),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
        );
        assert_eq!(
            r("States.ArrayRange(1, 9, 2)", json!({})),
            json!([1, 3, 5, 7, 9])
        );
        assert_eq!(
            r(
                "States.ArrayGetItem($.inputArray, $.index)",
                json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5})
            ),
            json!(6)
        );
        assert_eq!(
            r(
                "States.ArrayUnique($.a)",
                json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]})
            ),
            json!([1, 2, 3, 4])
        );
        assert_eq!(
            r(
                "States.Base64Encode($.input)",
                json!({"input": "Data to encode"})
            ),
            json!("RGF0YSB0byBlbmNvZGU=")
        );
        assert_eq!(
            r(
                "States.Hash($.Data, $.Algorithm)",
                json!({"Data": "input data", "Algorithm": "SHA-1"})
            ),
            json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
        );
        assert_eq!(
            r(
                "States.StringSplit($.inputString, $.splitter)",
                json!({"inputString": "This.is+a,test=string", "splitter": ".+,="})
            ),
            json!(["This", "is", "a", "test", "string"])
        );
        assert_eq!(
            r(
                "States.MathAdd($.value1, $.step)",
                json!({"value1": 111, "step": -1})
            ),
            json!(110)
        );
        assert_eq!(
            r(
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": {"x": {"p": 1}, "y": 2}, "b": {"x": {"q": 3}}})
            ),
            json!({"x": {"q": 3}, "y": 2})
        );
        assert_eq!(
            r("States.StringToJson($.s)", json!({"s": "{\"number\": 20}"})),
            json!({"number": 20})
        );
        assert_eq!(
            r("States.JsonToString($.o)", json!({"o": {"a": 1}})),
            json!("{\"a\":1}")
        );
    }

    #[test]
    fn format_escapes_and_object_arguments() {
        assert_eq!(
            run(
                "States.Format('\\{{}\\} it\\'s {}', $.a, $.o)",
                json!({"a": 1, "o": {"k": "v", "n": [1, 2]}})
            )
            .unwrap(),
            json!("{1} it's {k=v, n=[1, 2]}")
        );
        assert!(run("States.Format('{} {}', 1)", json!({})).is_err());
    }

    #[test]
    fn bad_calls_are_refused() {
        assert!(parse("States.Nope(1)").is_err());
        assert!(parse("States.Array(1").is_err());
        assert!(run("States.ArrayGetItem($.a, 5)", json!({"a": [1]})).is_err());
        assert!(run("States.JsonMerge($.a, $.a, true)", json!({"a": {}})).is_err());
        let deep = "States.Array(".repeat(11) + &")".repeat(11);
        assert!(parse(&deep).unwrap_err().contains("10 deep"));
    }
}
