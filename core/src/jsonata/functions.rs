//! JSONata's built-in functions (strings, numbers, aggregates, booleans, arrays, objects,
//! higher-order functions, dates) and the ones Step Functions adds — `$partition`,
//! `$range`, `$hash`, `$random`, `$uuid`, `$parse`. `$now`, `$millis`, `$random`, `$uuid`
//! and `$shuffle` read the virtual clock and the seeded generator, so a run repeats.
//! `$eval` is absent, as in Step Functions.

use super::eval::{fail, lookup, Ctx, R};
use super::value::{deep_equal, number_text, stringify, truthy, Obj, V};
use super::Error;
use std::rc::Rc;

pub struct Builtin {
    pub name: &'static str,
    /// A missing first argument is the context value (`name.$uppercase()`).
    pub context: bool,
    /// Arguments below which the context is put first.
    pub min: usize,
    /// Arguments a higher-order function hands it.
    pub arity: usize,
    pub call: fn(&mut Ctx, Vec<Option<V>>) -> R,
}

type A = Vec<Option<V>>;
/// A match to replace: its byte range and its capture groups' ranges.
type Found = (usize, usize, Vec<Option<(usize, usize)>>);

fn sig(i: usize) -> Error {
    fail(
        "T0410",
        format!(
            "Argument {} of function \"{{fn}}\" does not match function signature",
            i + 1
        ),
    )
}

fn arg(a: &A, i: usize) -> Option<&V> {
    a.get(i).and_then(Option::as_ref)
}

fn s_arg(a: &A, i: usize) -> Result<Option<Rc<str>>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(V::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(sig(i)),
    }
}

fn n_arg(a: &A, i: usize) -> Result<Option<f64>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(V::Num(n)) => Ok(Some(*n)),
        Some(_) => Err(sig(i)),
    }
}

fn f_arg(a: &A, i: usize) -> Result<Option<V>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(f) if f.is_function() => Ok(Some(f.clone())),
        Some(_) => Err(sig(i)),
    }
}

/// An array argument: a single value counts as an array of one.
fn items(a: &A, i: usize) -> Option<Vec<V>> {
    match arg(a, i)? {
        V::Arr(x, _) => Some(x.to_vec()),
        other => Some(vec![other.clone()]),
    }
}

fn num(n: f64) -> R {
    Ok(Some(V::Num(n)))
}
fn string(s: impl Into<Rc<str>>) -> R {
    Ok(Some(V::Str(s.into())))
}
fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn regex_or_str(a: &A, i: usize) -> Result<Option<V>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(v @ (V::Str(_) | V::Regex(_))) => Ok(Some(v.clone())),
        Some(_) => Err(sig(i)),
    }
}

/// Byte offset → character index, for match positions.
fn char_index(s: &str, byte: usize) -> usize {
    s[..byte].chars().count()
}

fn matches_of(re: &regress::Regex, s: &str, limit: Option<usize>) -> Vec<V> {
    let mut out = Vec::new();
    for m in re.find_iter(s) {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let mut o = Obj::new();
        o.insert("match".into(), V::str(&s[m.range()]));
        o.insert("index".into(), V::Num(char_index(s, m.start()) as f64));
        let groups = m
            .groups()
            .skip(1)
            .map(|g| V::str(g.map(|r| &s[r]).unwrap_or("")))
            .collect();
        o.insert("groups".into(), V::arr(groups));
        out.push(V::Obj(Rc::new(o)));
    }
    out
}

fn f_string(_: &mut Ctx, a: A) -> R {
    let Some(v) = arg(&a, 0) else { return Ok(None) };
    if let V::Num(n) = v {
        if !n.is_finite() {
            return Err(fail(
                "D3001",
                "Attempting to invoke string function on Infinity or NaN",
            ));
        }
    }
    let pretty = matches!(arg(&a, 1), Some(V::Bool(true)));
    string(stringify(v, pretty))
}

fn f_length(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| V::Num(s.chars().count() as f64)))
}

fn f_substring(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(start) = n_arg(&a, 1)? else {
        return Err(sig(1));
    };
    let c = chars(&s);
    let n = c.len() as i64;
    let mut st = start as i64;
    if st < 0 {
        st = (n + st).max(0);
    }
    let st = st.min(n) as usize;
    let end = match n_arg(&a, 2)? {
        Some(l) if l <= 0.0 => st,
        Some(l) => (st + l as usize).min(c.len()),
        None => c.len(),
    };
    string(c[st..end].iter().collect::<String>())
}

fn f_substring_before(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(p) = s_arg(&a, 1)? else {
        return Err(sig(1));
    };
    string(s.find(&*p).map_or(&*s, |i| &s[..i]))
}

fn f_substring_after(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(p) = s_arg(&a, 1)? else {
        return Err(sig(1));
    };
    string(s.find(&*p).map_or(&*s, |i| &s[i + p.len()..]))
}

fn f_uppercase(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| V::str(s.to_uppercase())))
}
fn f_lowercase(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| V::str(s.to_lowercase())))
}

fn f_trim(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| {
        V::str(
            s.split([' ', '\t', '\n', '\r'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }))
}

fn f_pad(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(w) = n_arg(&a, 1)? else {
        return Err(sig(1));
    };
    let fill = s_arg(&a, 2)?
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| " ".into());
    let len = s.chars().count();
    let want = w.abs() as usize;
    if want <= len {
        return string(s);
    }
    let padding: String = fill.chars().cycle().take(want - len).collect();
    string(if w > 0.0 {
        format!("{s}{padding}")
    } else {
        format!("{padding}{s}")
    })
}

fn f_contains(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    Ok(Some(V::Bool(match regex_or_str(&a, 1)? {
        Some(V::Str(p)) => s.contains(&*p),
        Some(V::Regex(re)) => re.find(&s).is_some(),
        _ => return Err(sig(1)),
    })))
}

fn f_split(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let limit = match n_arg(&a, 2)? {
        Some(l) if l < 0.0 => {
            return Err(fail(
                "D3020",
                "Third argument of split function must evaluate to a positive number",
            ))
        }
        Some(l) => Some(l as usize),
        None => None,
    };
    let mut parts: Vec<V> = match regex_or_str(&a, 1)? {
        Some(V::Str(p)) if p.is_empty() => s.chars().map(|c| V::str(c.to_string())).collect(),
        Some(V::Str(p)) => s.split(&*p).map(V::str).collect(),
        Some(V::Regex(re)) => {
            let mut out = Vec::new();
            let mut last = 0;
            for m in re.find_iter(&s) {
                out.push(V::str(&s[last..m.start()]));
                last = m.end();
            }
            out.push(V::str(&s[last..]));
            out
        }
        _ => return Err(sig(1)),
    };
    if let Some(l) = limit {
        parts.truncate(l);
    }
    Ok(Some(V::arr(parts)))
}

fn f_join(_: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let sep = s_arg(&a, 1)?.unwrap_or_else(|| "".into());
    let mut parts = Vec::new();
    for x in list {
        match x {
            V::Str(s) => parts.push(s.to_string()),
            _ => return Err(sig(0)),
        }
    }
    string(parts.join(&sep))
}

fn f_match(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(V::Regex(re)) = arg(&a, 1) else {
        return Err(sig(1));
    };
    let limit = n_arg(&a, 2)?.map(|l| l as usize);
    Ok(Some(V::seq(matches_of(re, &s, limit))))
}

fn f_replace(ctx: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let pattern = regex_or_str(&a, 1)?.ok_or_else(|| sig(1))?;
    if matches!(&pattern, V::Str(p) if p.is_empty()) {
        return Err(fail(
            "D3010",
            "Second argument of replace function cannot be an empty string",
        ));
    }
    let replacement = match arg(&a, 2) {
        Some(r @ (V::Str(_) | V::Lambda(_) | V::Builtin(_))) => r.clone(),
        _ => return Err(sig(2)),
    };
    let limit = match n_arg(&a, 3)? {
        Some(l) if l < 0.0 => {
            return Err(fail(
                "D3011",
                "Fourth argument of replace function must evaluate to a positive number",
            ))
        }
        other => other.map(|l| l as usize),
    };
    let mut out = String::new();
    let mut last = 0;
    let mut count = 0;
    let found: Vec<Found> = match &pattern {
        V::Str(p) => s
            .match_indices(&**p)
            .map(|(i, m)| (i, i + m.len(), Vec::new()))
            .collect(),
        V::Regex(re) => re
            .find_iter(&s)
            .map(|m| {
                (
                    m.start(),
                    m.end(),
                    m.groups()
                        .skip(1)
                        .map(|g| g.map(|r| (r.start, r.end)))
                        .collect(),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    for (start, end, groups) in found {
        if limit.is_some_and(|l| count >= l) {
            break;
        }
        out.push_str(&s[last..start]);
        match &replacement {
            V::Str(r) if matches!(pattern, V::Regex(_)) => {
                let rc: Vec<char> = r.chars().collect();
                let mut i = 0;
                while i < rc.len() {
                    if rc[i] == '$' && i + 1 < rc.len() {
                        if rc[i + 1] == '$' {
                            out.push('$');
                            i += 2;
                            continue;
                        }
                        if let Some(d) = rc[i + 1].to_digit(10) {
                            let d = d as usize;
                            if d == 0 {
                                out.push_str(&s[start..end]);
                            } else if let Some(Some((gs, ge))) = groups.get(d - 1) {
                                out.push_str(&s[*gs..*ge]);
                            }
                            i += 2;
                            continue;
                        }
                    }
                    out.push(rc[i]);
                    i += 1;
                }
            }
            V::Str(r) => out.push_str(r),
            f => {
                let m = match &pattern {
                    V::Regex(re) => matches_of(re, &s[start..], Some(1)).pop(),
                    _ => None,
                };
                let m = m.unwrap_or_else(|| {
                    V::Obj(Rc::new(Obj::from_iter([(
                        "match".into(),
                        V::str(&s[start..end]),
                    )])))
                });
                match ctx.apply(f, vec![Some(m)], None)? {
                    Some(V::Str(r)) => out.push_str(&r),
                    _ => {
                        return Err(fail(
                            "D3012",
                            "Attempted to replace a matched string with a non-string value",
                        ))
                    }
                }
            }
        }
        last = end;
        count += 1;
    }
    out.push_str(&s[last..]);
    string(out)
}

fn f_base64encode(_: &mut Ctx, a: A) -> R {
    use base64::Engine;
    Ok(s_arg(&a, 0)?
        .map(|s| V::str(base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))))
}

fn f_base64decode(_: &mut Ctx, a: A) -> R {
    use base64::Engine;
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|_| fail("D3137", "The string to decode is not valid base64"))?;
    string(String::from_utf8_lossy(&bytes).into_owned())
}

fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const COMPONENT_SAFE: &str = "-_.!~*'()";
const URL_SAFE: &str = "-_.!~*'();,/?:@&=+$#";

fn f_encode_component(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| V::str(percent_encode(&s, COMPONENT_SAFE))))
}
fn f_encode_url(_: &mut Ctx, a: A) -> R {
    Ok(s_arg(&a, 0)?.map(|s| V::str(percent_encode(&s, URL_SAFE))))
}
fn f_decode(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(x) = hex else {
                return Err(fail(
                    "D3140",
                    format!("Malformed URL passed to $decodeUrlComponent(): \"{s}\""),
                ));
            };
            out.push(x);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(|t| Some(V::str(t)))
        .map_err(|_| {
            fail(
                "D3140",
                format!("Malformed URL passed to $decodeUrlComponent(): \"{s}\""),
            )
        })
}

/// `$formatInteger(number, picture)`: words, Roman numerals, letters or a digit pattern.
fn f_format_integer(_: &mut Ctx, a: A) -> R {
    let Some(n) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    let picture = s_arg(&a, 1)?.unwrap_or_else(|| "0".into());
    super::integer::format(n, &picture)
        .map(|s| Some(V::str(s)))
        .map_err(|m| fail("D3130", m))
}

/// `$parseInteger(string, picture)`: the integer the text writes by the picture.
fn f_parse_integer(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let picture = s_arg(&a, 1)?.unwrap_or_else(|| "0".into());
    super::integer::parse(&s, &picture)
        .map(|n| n.map(V::Num))
        .map_err(|m| fail("D3130", m))
}

/// `$formatNumber` for decimal pictures: `#,##0.00`, `000`, `0.0#`, a `%` or `‰` suffix
/// and text around the digits.
fn f_format_number(_: &mut Ctx, a: A) -> R {
    let Some(n) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(picture) = s_arg(&a, 1)? else {
        return Err(sig(1));
    };
    let active = |c: char| c.is_ascii_digit() || "#,.%‰".contains(c);
    let first = picture.find(active).unwrap_or(picture.len());
    let last = picture.rfind(active).map_or(first, |i| i + 1);
    let (prefix, body, suffix) = (&picture[..first], &picture[first..last], &picture[last..]);
    let (body, scale) = if let Some(b) = body.strip_suffix('%') {
        (b, 100.0)
    } else if let Some(b) = body.strip_suffix('‰') {
        (b, 1000.0)
    } else {
        (body, 1.0)
    };
    let (int_pic, frac_pic) = body.split_once('.').unwrap_or((body, ""));
    let min_int = int_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let min_frac = frac_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let max_frac = frac_pic
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '#')
        .count();
    let group = int_pic.rfind(',').map(|i| int_pic[i + 1..].chars().count());
    let x = (n * scale).abs();
    let fixed = format!("{x:.max_frac$}");
    let (mut ip, fp) = fixed
        .split_once('.')
        .map_or((fixed.clone(), String::new()), |(i, f)| {
            (i.to_string(), f.to_string())
        });
    let mut fp = fp;
    while fp.len() > min_frac && fp.ends_with('0') {
        fp.pop();
    }
    if ip == "0" && min_int == 0 {
        ip.clear();
    }
    while ip.len() < min_int {
        ip.insert(0, '0');
    }
    if let Some(g) = group.filter(|g| *g > 0) {
        let digits: Vec<char> = ip.chars().collect();
        let mut grouped = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(g) {
                grouped.push(',');
            }
            grouped.push(*c);
        }
        ip = grouped;
    }
    let mut out = String::from(prefix);
    if n < 0.0 && (x > 0.0) {
        out.push('-');
    }
    out.push_str(&ip);
    if !fp.is_empty() {
        out.push('.');
        out.push_str(&fp);
    }
    if scale == 100.0 {
        out.push('%');
    } else if scale == 1000.0 {
        out.push('‰');
    }
    out.push_str(suffix);
    string(out)
}

fn f_format_base(_: &mut Ctx, a: A) -> R {
    let Some(n) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    let radix = n_arg(&a, 1)?.unwrap_or(10.0) as u32;
    if !(2..=36).contains(&radix) {
        return Err(fail("D3100", format!("The radix of the formatBase function must be between 2 and 36.  It was given {radix}")));
    }
    let mut v = round_half_even(n, 0) as i64;
    let neg = v < 0;
    v = v.abs();
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((v % radix as i64) as u32, radix).unwrap_or('0'));
        v /= radix as i64;
        if v == 0 {
            break;
        }
    }
    if neg {
        digits.push('-');
    }
    string(digits.into_iter().rev().collect::<String>())
}

fn f_number(_: &mut Ctx, a: A) -> R {
    let Some(v) = arg(&a, 0) else { return Ok(None) };
    let n = match v {
        V::Num(n) => Some(*n),
        V::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        V::Str(s) => {
            let t = s.trim();
            let radix = |p: &str, r| {
                t.strip_prefix(p)
                    .and_then(|d| i64::from_str_radix(d, r).ok())
                    .map(|x| x as f64)
            };
            radix("0x", 16)
                .or_else(|| radix("0b", 2))
                .or_else(|| radix("0o", 8))
                .or_else(|| {
                    serde_json::from_str::<serde_json::Value>(t)
                        .ok()
                        .and_then(|j| j.as_f64())
                })
        }
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() => num(n),
        _ => Err(fail(
            "D3030",
            format!("Unable to cast value to a number: {}", stringify(v, false)),
        )),
    }
}

fn unary(a: &A, f: fn(f64) -> f64) -> R {
    Ok(n_arg(a, 0)?.map(|n| V::Num(f(n))))
}
fn f_abs(_: &mut Ctx, a: A) -> R {
    unary(&a, f64::abs)
}
fn f_floor(_: &mut Ctx, a: A) -> R {
    unary(&a, f64::floor)
}
fn f_ceil(_: &mut Ctx, a: A) -> R {
    unary(&a, f64::ceil)
}

/// Rounds half to even at `precision` decimal places, shifting by the decimal exponent
/// as jsonata.js does so 2.675 stays 2.675 × 100 = 267.5.
pub fn round_half_even(n: f64, precision: i32) -> f64 {
    let shifted: f64 = format!("{n}e{precision}").parse().unwrap_or(n);
    let mut r = shifted.round();
    if (shifted - shifted.trunc()).abs() == 0.5 {
        r = 2.0 * (shifted / 2.0).round();
        if (r - shifted).abs() > 0.5 {
            r = shifted.trunc();
        }
    }
    format!("{r}e{}", -precision).parse().unwrap_or(r)
}

fn f_round(_: &mut Ctx, a: A) -> R {
    let Some(n) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    let p = n_arg(&a, 1)?.unwrap_or(0.0) as i32;
    num(round_half_even(n, p))
}

fn f_power(_: &mut Ctx, a: A) -> R {
    let Some(b) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    let Some(e) = n_arg(&a, 1)? else {
        return Err(sig(1));
    };
    let r = b.powf(e);
    if !r.is_finite() {
        return Err(fail("D3061", format!("The power function has resulted in a value that cannot be represented as a JSON number: base={}, exponent={}", number_text(b), number_text(e))));
    }
    num(r)
}

fn f_sqrt(_: &mut Ctx, a: A) -> R {
    let Some(n) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    if n < 0.0 {
        return Err(fail(
            "D3060",
            format!(
                "The sqrt function cannot be applied to a negative number: {}",
                number_text(n)
            ),
        ));
    }
    num(n.sqrt())
}

fn numbers(a: &A) -> Result<Option<Vec<f64>>, Error> {
    let Some(list) = items(a, 0) else {
        return Ok(None);
    };
    list.iter()
        .map(|x| {
            if let V::Num(n) = x {
                Ok(*n)
            } else {
                Err(sig(0))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn f_sum(_: &mut Ctx, a: A) -> R {
    Ok(numbers(&a)?.map(|ns| V::Num(ns.iter().sum())))
}
fn f_max(_: &mut Ctx, a: A) -> R {
    Ok(numbers(&a)?
        .and_then(|ns| ns.into_iter().reduce(f64::max))
        .map(V::Num))
}
fn f_min(_: &mut Ctx, a: A) -> R {
    Ok(numbers(&a)?
        .and_then(|ns| ns.into_iter().reduce(f64::min))
        .map(V::Num))
}
fn f_average(_: &mut Ctx, a: A) -> R {
    Ok(numbers(&a)?
        .filter(|ns| !ns.is_empty())
        .map(|ns| V::Num(ns.iter().sum::<f64>() / ns.len() as f64)))
}

fn f_boolean(_: &mut Ctx, a: A) -> R {
    Ok(arg(&a, 0).map(|v| V::Bool(truthy(Some(v)))))
}
fn f_not(_: &mut Ctx, a: A) -> R {
    Ok(arg(&a, 0).map(|v| V::Bool(!truthy(Some(v)))))
}
fn f_exists(_: &mut Ctx, a: A) -> R {
    Ok(Some(V::Bool(arg(&a, 0).is_some())))
}

fn f_count(_: &mut Ctx, a: A) -> R {
    num(items(&a, 0).map_or(0, |x| x.len()) as f64)
}

fn f_append(_: &mut Ctx, a: A) -> R {
    match (items(&a, 0), items(&a, 1)) {
        (None, None) => Ok(None),
        (Some(_), None) => Ok(arg(&a, 0).cloned()),
        (None, Some(_)) => Ok(arg(&a, 1).cloned()),
        (Some(mut x), Some(y)) => {
            x.extend(y);
            Ok(Some(V::arr(x)))
        }
    }
}

fn f_reverse(_: &mut Ctx, a: A) -> R {
    Ok(items(&a, 0).map(|mut x| {
        x.reverse();
        V::arr(x)
    }))
}

fn f_shuffle(ctx: &mut Ctx, a: A) -> R {
    let Some(mut x) = items(&a, 0) else {
        return Ok(None);
    };
    for i in (1..x.len()).rev() {
        let j = (ctx.rng.next_u64() % (i as u64 + 1)) as usize;
        x.swap(i, j);
    }
    Ok(Some(V::arr(x)))
}

fn f_distinct(_: &mut Ctx, a: A) -> R {
    let Some(v) = arg(&a, 0) else { return Ok(None) };
    let V::Arr(x, _) = v else {
        return Ok(Some(v.clone()));
    };
    let mut out: Vec<V> = Vec::new();
    for item in x.iter() {
        if !out.iter().any(|o| deep_equal(o, item)) {
            out.push(item.clone());
        }
    }
    Ok(Some(V::seq(out)))
}

fn f_zip(_: &mut Ctx, a: A) -> R {
    let lists: Vec<Vec<V>> = (0..a.len())
        .map(|i| items(&a, i).unwrap_or_default())
        .collect();
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Some(V::arr(
        (0..n)
            .map(|i| V::arr(lists.iter().map(|l| l[i].clone()).collect()))
            .collect(),
    )))
}

fn f_sort(ctx: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    if list.len() <= 1 {
        return Ok(Some(V::arr(list)));
    }
    match f_arg(&a, 1)? {
        None => {
            let mut list = list;
            if list.iter().all(|x| matches!(x, V::Num(_))) {
                list.sort_by(|x, y| match (x, y) {
                    (V::Num(p), V::Num(q)) => p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal),
                    _ => std::cmp::Ordering::Equal,
                });
            } else if list.iter().all(|x| matches!(x, V::Str(_))) {
                list.sort_by(|x, y| match (x, y) {
                    (V::Str(p), V::Str(q)) => p.cmp(q),
                    _ => std::cmp::Ordering::Equal,
                });
            } else {
                return Err(fail("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the optional function argument"));
            }
            Ok(Some(V::arr(list)))
        }
        Some(f) => {
            // A merge sort: `f(a, b)` true means a goes after b — stable, as jsonata's.
            fn merge(ctx: &mut Ctx, f: &V, v: Vec<V>) -> Result<Vec<V>, Error> {
                if v.len() <= 1 {
                    return Ok(v);
                }
                let mut right = v;
                let left = right.drain(..right.len() / 2).collect();
                let (l, r) = (merge(ctx, f, left)?, merge(ctx, f, right)?);
                let mut out = Vec::with_capacity(l.len() + r.len());
                let (mut i, mut j) = (0, 0);
                while i < l.len() && j < r.len() {
                    let swap = ctx.apply(f, vec![Some(l[i].clone()), Some(r[j].clone())], None)?;
                    if truthy(swap.as_ref()) {
                        out.push(r[j].clone());
                        j += 1;
                    } else {
                        out.push(l[i].clone());
                        i += 1;
                    }
                }
                out.extend_from_slice(&l[i..]);
                out.extend_from_slice(&r[j..]);
                Ok(out)
            }
            Ok(Some(V::arr(merge(ctx, &f, list)?)))
        }
    }
}

/// What a higher-order function hands `f`: the value, its index (or key) and the whole
/// array (or object), cut to as many as `f` takes.
fn hof_args(f: &V, value: &V, key: V, all: &V) -> A {
    let mut args = vec![Some(value.clone()), Some(key), Some(all.clone())];
    args.truncate(Ctx::arity(f).max(1));
    args
}

fn f_map(ctx: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let f = f_arg(&a, 1)?.ok_or_else(|| sig(1))?;
    let all = V::arr(list.clone());
    let mut out = Vec::new();
    for (i, x) in list.iter().enumerate() {
        if let Some(r) = ctx.apply(&f, hof_args(&f, x, V::Num(i as f64), &all), None)? {
            out.push(r);
        }
    }
    Ok(Some(V::seq(out)))
}

fn f_filter(ctx: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let f = f_arg(&a, 1)?.ok_or_else(|| sig(1))?;
    let all = V::arr(list.clone());
    let mut out = Vec::new();
    for (i, x) in list.iter().enumerate() {
        if truthy(
            ctx.apply(&f, hof_args(&f, x, V::Num(i as f64), &all), None)?
                .as_ref(),
        ) {
            out.push(x.clone());
        }
    }
    Ok(Some(V::seq(out)))
}

fn f_single(ctx: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let f = f_arg(&a, 1)?;
    let all = V::arr(list.clone());
    let mut found = None;
    for (i, x) in list.iter().enumerate() {
        let keep = match &f {
            Some(f) => truthy(
                ctx.apply(f, hof_args(f, x, V::Num(i as f64), &all), None)?
                    .as_ref(),
            ),
            None => true,
        };
        if keep {
            if found.is_some() {
                return Err(fail("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."));
            }
            found = Some(x.clone());
        }
    }
    match found {
        Some(v) => Ok(Some(v)),
        None => Err(fail(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        )),
    }
}

fn f_reduce(ctx: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let f = f_arg(&a, 1)?.ok_or_else(|| sig(1))?;
    if Ctx::arity(&f) < 2 {
        return Err(fail(
            "D3050",
            "The second argument of reduce function must be a function with at least two arguments",
        ));
    }
    let all = V::arr(list.clone());
    let (mut acc, start) = match arg(&a, 2) {
        Some(init) => (Some(init.clone()), 0),
        None if list.is_empty() => return Ok(None),
        None => (Some(list[0].clone()), 1),
    };
    for (i, x) in list.iter().enumerate().skip(start) {
        let mut args = vec![
            acc,
            Some(x.clone()),
            Some(V::Num(i as f64)),
            Some(all.clone()),
        ];
        args.truncate(Ctx::arity(&f).max(2));
        acc = ctx.apply(&f, args, None)?;
    }
    Ok(acc)
}

fn f_keys(_: &mut Ctx, a: A) -> R {
    let mut out: Vec<V> = Vec::new();
    let mut add = |o: &Obj| {
        for k in o.keys() {
            if !out.iter().any(|x| matches!(x, V::Str(s) if s == k)) {
                out.push(V::Str(k.clone()));
            }
        }
    };
    match arg(&a, 0) {
        None => return Ok(None),
        Some(V::Obj(o)) => add(o),
        Some(V::Arr(x, _)) => x.iter().for_each(|v| {
            if let V::Obj(o) = v {
                add(o)
            }
        }),
        Some(_) => {}
    }
    Ok(Some(V::seq(out)))
}

fn f_lookup(_: &mut Ctx, a: A) -> R {
    let Some(k) = s_arg(&a, 1)? else {
        return Err(sig(1));
    };
    Ok(lookup(arg(&a, 0), &k))
}

fn f_spread(_: &mut Ctx, a: A) -> R {
    fn spread(v: &V, out: &mut Vec<V>) {
        match v {
            V::Arr(x, _) => x.iter().for_each(|i| spread(i, out)),
            V::Obj(o) => {
                for (k, val) in o.iter() {
                    out.push(V::Obj(Rc::new(Obj::from_iter([(k.clone(), val.clone())]))));
                }
            }
            other => out.push(other.clone()),
        }
    }
    let Some(v) = arg(&a, 0) else { return Ok(None) };
    let mut out = Vec::new();
    spread(v, &mut out);
    Ok(Some(V::seq(out)))
}

fn f_merge(_: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let mut out = Obj::new();
    for x in list {
        match x {
            V::Obj(o) => out.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => return Err(sig(0)),
        }
    }
    Ok(Some(V::Obj(Rc::new(out))))
}

fn obj_hof(a: &A) -> Result<Option<(Rc<Obj>, V)>, Error> {
    let o = match arg(a, 0) {
        None => return Ok(None),
        Some(V::Obj(o)) => o.clone(),
        Some(_) => return Err(sig(0)),
    };
    Ok(Some((o, f_arg(a, 1)?.ok_or_else(|| sig(1))?)))
}

fn f_each(ctx: &mut Ctx, a: A) -> R {
    let Some((o, f)) = obj_hof(&a)? else {
        return Ok(None);
    };
    let whole = V::Obj(o.clone());
    let mut out = Vec::new();
    for (k, v) in o.iter() {
        let args = hof_args(&f, v, V::Str(k.clone()), &whole);
        if let Some(r) = ctx.apply(&f, args, None)? {
            out.push(r);
        }
    }
    Ok(Some(V::seq(out)))
}

fn f_sift(ctx: &mut Ctx, a: A) -> R {
    let Some((o, f)) = obj_hof(&a)? else {
        return Ok(None);
    };
    let whole = V::Obj(o.clone());
    let mut out = Obj::new();
    for (k, v) in o.iter() {
        let args = hof_args(&f, v, V::Str(k.clone()), &whole);
        if truthy(ctx.apply(&f, args, None)?.as_ref()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok((!out.is_empty()).then(|| V::Obj(Rc::new(out))))
}

fn f_error(_: &mut Ctx, a: A) -> R {
    let msg = s_arg(&a, 0)?.map_or_else(
        || "$error() function evaluated".to_string(),
        |s| s.to_string(),
    );
    Err(fail("D3137", msg))
}

fn f_assert(_: &mut Ctx, a: A) -> R {
    match arg(&a, 0) {
        Some(V::Bool(true)) => Ok(None),
        Some(V::Bool(false)) => Err(fail(
            "D3141",
            s_arg(&a, 1)?.map_or_else(
                || "$assert() statement failed".to_string(),
                |s| s.to_string(),
            ),
        )),
        _ => Err(sig(0)),
    }
}

fn f_type(_: &mut Ctx, a: A) -> R {
    Ok(arg(&a, 0).map(|v| V::str(v.type_name())))
}

/// A timestamp in the default ISO 8601 form, or with a picture and a `±HHMM` zone.
fn timestamp(ms: i64, a: &A, from: usize) -> R {
    let picture = s_arg(a, from)?;
    let tz = s_arg(a, from + 1)?;
    let offset = match &tz {
        Some(t) => super::datetime::offset(t).ok_or_else(|| {
            fail(
                "D3134",
                format!("The time zone '{t}' is not of the form ±HHMM"),
            )
        })?,
        None => 0,
    };
    let picture = match picture {
        None if offset == 0 && ms >= 0 => return string(crate::util::iso8601(ms as u64)),
        None => "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01]".into(),
        Some(p) => p,
    };
    super::datetime::format(ms, &picture, offset)
        .map(|s| Some(V::str(s)))
        .map_err(|e| fail("D3135", e))
}

fn f_now(ctx: &mut Ctx, a: A) -> R {
    timestamp(ctx.now_ms as i64, &a, 0)
}
fn f_millis(ctx: &mut Ctx, _: A) -> R {
    num(ctx.now_ms as f64)
}
fn f_from_millis(_: &mut Ctx, a: A) -> R {
    let Some(ms) = n_arg(&a, 0)? else {
        return Ok(None);
    };
    timestamp(ms as i64, &a, 1)
}
fn f_to_millis(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    if let Some(picture) = s_arg(&a, 1)? {
        return super::datetime::parse(&s, &picture)
            .map(|ms| ms.map(|m| V::Num(m as f64)))
            .map_err(|m| fail("D3133", m));
    }
    let text = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    match crate::util::parse_iso8601_ms(&text) {
        Some(ms) => num(ms as f64),
        None => Err(fail(
            "D3110",
            format!("The timestamp string {s} is not a valid ISO 8601 date and time"),
        )),
    }
}

fn f_partition(_: &mut Ctx, a: A) -> R {
    let Some(list) = items(&a, 0) else {
        return Ok(None);
    };
    let size = match n_arg(&a, 1)? {
        Some(n) if n >= 1.0 && n.fract() == 0.0 => n as usize,
        _ => {
            return Err(fail(
                "T0410",
                "Argument 2 of function \"{fn}\" must be a positive integer",
            ))
        }
    };
    Ok(Some(V::arr(
        list.chunks(size).map(|c| V::arr(c.to_vec())).collect(),
    )))
}

fn f_range(_: &mut Ctx, a: A) -> R {
    let (Some(start), Some(end)) = (n_arg(&a, 0)?, n_arg(&a, 1)?) else {
        return Err(sig(0));
    };
    let step = n_arg(&a, 2)?.unwrap_or(1.0);
    if step == 0.0 || !step.is_finite() {
        return Err(fail(
            "T0410",
            "Argument 3 of function \"{fn}\" must be a non-zero number",
        ));
    }
    let count = ((end - start) / step).floor() + 1.0;
    if count > 10_000_000.0 {
        return Err(fail("D2014", "The range would hold more than 1e7 items"));
    }
    let count = count.max(0.0) as usize;
    Ok(Some(V::arr(
        (0..count)
            .map(|i| V::Num(start + step * i as f64))
            .collect(),
    )))
}

fn f_hash(_: &mut Ctx, a: A) -> R {
    let Some(data) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    let alg = s_arg(&a, 1)?.unwrap_or_else(|| "SHA-256".into());
    match crate::asl::intrinsics::hash_hex(&alg, data.as_bytes()) {
        Some(h) => string(h),
        None => Err(fail("T0410", format!("Argument 2 of function \"{{fn}}\" must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512; got {alg}"))),
    }
}

fn f_random(ctx: &mut Ctx, a: A) -> R {
    match n_arg(&a, 0)? {
        Some(seed) => num(crate::rng::Rng::new(seed as i64 as u64).next_f64()),
        None => num(ctx.rng.next_f64()),
    }
}

fn f_uuid(ctx: &mut Ctx, _: A) -> R {
    string(ctx.rng.uuid())
}

fn f_parse(_: &mut Ctx, a: A) -> R {
    let Some(s) = s_arg(&a, 0)? else {
        return Ok(None);
    };
    serde_json::from_str::<serde_json::Value>(&s)
        .map(|j| Some(V::from_json(&j)))
        .map_err(|e| {
            fail(
                "D3137",
                format!("The $parse function could not parse the string as JSON: {e}"),
            )
        })
}

macro_rules! builtins {
    ($( $name:literal, $ctx:literal, $min:literal, $arity:literal, $f:ident; )*) => {
        static BUILTINS: &[Builtin] = &[
            $( Builtin { name: $name, context: $ctx, min: $min, arity: $arity, call: $f }, )*
        ];
    };
}

builtins! {
    "string", true, 1, 1, f_string;
    "length", true, 1, 1, f_length;
    "substring", true, 2, 3, f_substring;
    "substringBefore", true, 2, 2, f_substring_before;
    "substringAfter", true, 2, 2, f_substring_after;
    "uppercase", true, 1, 1, f_uppercase;
    "lowercase", true, 1, 1, f_lowercase;
    "trim", true, 1, 1, f_trim;
    "pad", true, 2, 3, f_pad;
    "contains", true, 2, 2, f_contains;
    "split", true, 2, 3, f_split;
    "join", false, 1, 2, f_join;
    "match", true, 2, 3, f_match;
    "replace", true, 3, 4, f_replace;
    "base64encode", true, 1, 1, f_base64encode;
    "base64decode", true, 1, 1, f_base64decode;
    "encodeUrlComponent", true, 1, 1, f_encode_component;
    "encodeUrl", true, 1, 1, f_encode_url;
    "decodeUrlComponent", true, 1, 1, f_decode;
    "decodeUrl", true, 1, 1, f_decode;
    "formatNumber", true, 2, 3, f_format_number;
    "formatInteger", true, 2, 2, f_format_integer;
    "parseInteger", true, 2, 2, f_parse_integer;
    "formatBase", true, 1, 2, f_format_base;
    "number", true, 1, 1, f_number;
    "abs", true, 1, 1, f_abs;
    "floor", true, 1, 1, f_floor;
    "ceil", true, 1, 1, f_ceil;
    "round", true, 1, 2, f_round;
    "power", true, 2, 2, f_power;
    "sqrt", true, 1, 1, f_sqrt;
    "sum", false, 1, 1, f_sum;
    "max", false, 1, 1, f_max;
    "min", false, 1, 1, f_min;
    "average", false, 1, 1, f_average;
    "boolean", true, 1, 1, f_boolean;
    "not", true, 1, 1, f_not;
    "exists", false, 1, 1, f_exists;
    "count", false, 1, 1, f_count;
    "append", false, 2, 2, f_append;
    "sort", false, 1, 2, f_sort;
    "reverse", false, 1, 1, f_reverse;
    "shuffle", false, 1, 1, f_shuffle;
    "distinct", false, 1, 1, f_distinct;
    "zip", false, 1, 2, f_zip;
    "map", false, 2, 2, f_map;
    "filter", false, 2, 2, f_filter;
    "single", false, 1, 2, f_single;
    "reduce", false, 2, 3, f_reduce;
    "keys", true, 1, 1, f_keys;
    "lookup", true, 2, 2, f_lookup;
    "spread", true, 1, 1, f_spread;
    "merge", false, 1, 1, f_merge;
    "each", true, 2, 2, f_each;
    "sift", true, 2, 2, f_sift;
    "error", false, 0, 1, f_error;
    "assert", false, 1, 2, f_assert;
    "type", false, 1, 1, f_type;
    "now", false, 0, 2, f_now;
    "millis", false, 0, 0, f_millis;
    "fromMillis", true, 1, 3, f_from_millis;
    "toMillis", true, 1, 1, f_to_millis;
    "partition", false, 2, 2, f_partition;
    "range", false, 2, 3, f_range;
    "hash", false, 1, 2, f_hash;
    "random", false, 0, 0, f_random;
    "uuid", false, 0, 0, f_uuid;
    "parse", false, 1, 1, f_parse;
}

/// The built-in function called `name` (without the `$`).
pub fn get(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}
