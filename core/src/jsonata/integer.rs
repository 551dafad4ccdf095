//! `$formatInteger` and `$parseInteger`: integers to and from text by an XPath
//! `format-integer` picture, as JSONata implements them — decimal digit patterns
//! (`000`, `#,##0`, with their grouping separators), English words (`w`, `W`, `Ww`),
//! Roman numerals (`i`, `I`) and letters (`a`, `A`), each with the `;o` ordinal
//! modifier where it applies (`1st`, `twenty-first`).

const FEW: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const ORDINAL_FEW: [&str; 20] = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
const TENS: [&str; 10] = [
    "", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const ORDINAL_TENS: [&str; 10] = [
    "",
    "tenth",
    "twentieth",
    "thirtieth",
    "fortieth",
    "fiftieth",
    "sixtieth",
    "seventieth",
    "eightieth",
    "ninetieth",
];
const MAGNITUDES: [(u64, &str); 4] = [
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

/// English words for `n`: "two thousand, seven hundred and eighty-nine".
fn words(n: u64, ordinal: bool) -> String {
    if n < 20 {
        return (if ordinal { ORDINAL_FEW } else { FEW })[n as usize].to_string();
    }
    if n < 100 {
        let (t, r) = ((n / 10) as usize, n % 10);
        return if r == 0 {
            (if ordinal { ORDINAL_TENS } else { TENS })[t].to_string()
        } else {
            format!("{}-{}", TENS[t], words(r, ordinal))
        };
    }
    if n < 1000 {
        let (h, r) = (n / 100, n % 100);
        return if r == 0 {
            format!(
                "{} hundred{}",
                FEW[h as usize],
                if ordinal { "th" } else { "" }
            )
        } else {
            format!("{} hundred and {}", FEW[h as usize], words(r, ordinal))
        };
    }
    let (mag, word) = MAGNITUDES
        .iter()
        .copied()
        .find(|(m, _)| n >= *m)
        .unwrap_or((1_000, "thousand"));
    let (q, r) = (n / mag, n % mag);
    let head = format!("{} {word}", words(q, false));
    if r == 0 {
        return if ordinal { format!("{head}th") } else { head };
    }
    let joint = if r < 100 { " and " } else { ", " };
    format!("{head}{joint}{}", words(r, ordinal))
}

/// The number English words name (inverse of [`words`], ordinals too).
fn parse_words(text: &str) -> Option<u64> {
    let text = text.to_lowercase();
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut any = false;
    for raw in text.split(|c: char| c.is_whitespace() || c == ',' || c == '-') {
        let w = raw.trim();
        if w.is_empty() || w == "and" {
            continue;
        }
        any = true;
        let small = |w: &str| -> Option<u64> {
            FEW.iter()
                .position(|x| *x == w)
                .or_else(|| ORDINAL_FEW.iter().position(|x| *x == w))
                .map(|i| i as u64)
                .or_else(|| {
                    TENS.iter()
                        .position(|x| !x.is_empty() && *x == w)
                        .or_else(|| ORDINAL_TENS.iter().position(|x| !x.is_empty() && *x == w))
                        .map(|i| i as u64 * 10)
                })
        };
        if let Some(v) = small(w) {
            current += v;
        } else if w == "hundred" || w == "hundredth" {
            current = current.max(1) * 100;
        } else if let Some((m, _)) = MAGNITUDES
            .iter()
            .find(|(_, name)| *name == w || format!("{name}th") == w)
        {
            total += current.max(1) * m;
            current = 0;
        } else {
            return None;
        }
    }
    any.then_some(total + current)
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn roman(mut n: u64) -> String {
    let mut s = String::new();
    for (v, r) in ROMAN {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

fn parse_roman(text: &str) -> Option<u64> {
    let t = text.to_lowercase();
    let mut rest = t.as_str();
    let mut n = 0;
    for (v, r) in ROMAN {
        while let Some(after) = rest.strip_prefix(r) {
            n += v;
            rest = after;
        }
    }
    (rest.is_empty() && !t.is_empty()).then_some(n)
}

/// 1 → a, 26 → z, 27 → aa (bijective base 26).
fn letters(mut n: u64) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    out.iter().rev().collect()
}

fn parse_letters(text: &str) -> Option<u64> {
    let mut n: u64 = 0;
    for c in text.to_lowercase().chars() {
        if !c.is_ascii_lowercase() {
            return None;
        }
        n = n.checked_mul(26)?.checked_add(c as u64 - 'a' as u64 + 1)?;
    }
    (!text.is_empty()).then_some(n)
}

fn ordinal_suffix(n: u64) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// A decimal picture: its minimum digits and its grouping (position from the right,
/// separator); regular when the separators repeat at one interval.
struct Decimal {
    min_digits: usize,
    groups: Vec<(usize, char)>,
    regular: Option<(usize, char)>,
}

fn decimal(picture: &str) -> Option<Decimal> {
    if !picture.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let chars: Vec<char> = picture.chars().collect();
    let mut min_digits = 0;
    let mut groups = Vec::new();
    let mut position = 0;
    for c in chars.iter().rev() {
        if c.is_ascii_digit() {
            min_digits += 1;
            position += 1;
        } else if *c == '#' {
            position += 1;
        } else {
            groups.push((position, *c));
        }
    }
    let regular = match groups.first() {
        Some(&(first, sep))
            if first > 0
                && groups
                    .iter()
                    .enumerate()
                    .all(|(i, &(p, s))| p == first * (i + 1) && s == sep) =>
        {
            Some((first, sep))
        }
        _ => None,
    };
    Some(Decimal {
        min_digits,
        groups,
        regular,
    })
}

fn format_decimal(n: u64, d: &Decimal) -> String {
    let digits = format!("{n:0width$}", width = d.min_digits);
    let mut out: Vec<char> = Vec::new();
    for (i, c) in digits.chars().rev().enumerate() {
        if i > 0 {
            let sep = match d.regular {
                Some((every, sep)) if i % every == 0 => Some(sep),
                Some(_) => None,
                None => d.groups.iter().find(|(p, _)| *p == i).map(|(_, s)| *s),
            };
            if let Some(s) = sep {
                out.push(s);
            }
        }
        out.push(c);
    }
    out.iter().rev().collect()
}

/// `$formatInteger(n, picture)`.
pub fn format(n: f64, picture: &str) -> Result<String, String> {
    let (primary, modifier) = match picture.rsplit_once(';') {
        Some((p, m)) => (p, m),
        None => (picture, ""),
    };
    let ordinal = modifier.starts_with('o');
    let negative = n < 0.0;
    let v = n.abs().round() as u64;
    let body = match primary {
        "w" => words(v, ordinal),
        "W" => words(v, ordinal).to_uppercase(),
        "Ww" => words(v, ordinal)
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) if w != "and" => f.to_uppercase().collect::<String>() + c.as_str(),
                    _ => w.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        "i" => roman(v),
        "I" => roman(v).to_uppercase(),
        "a" => letters(v),
        "A" => letters(v).to_uppercase(),
        _ => match decimal(primary) {
            Some(d) => {
                let s = format_decimal(v, &d);
                if ordinal {
                    format!("{s}{}", ordinal_suffix(v))
                } else {
                    s
                }
            }
            None => {
                return Err(format!(
                    "The picture string '{picture}' is not a decimal digit pattern, w, W, Ww, i, I, a or A"
                ))
            }
        },
    };
    Ok(if negative { format!("-{body}") } else { body })
}

/// `$parseInteger(text, picture)`: `None` when the text does not match the picture.
pub fn parse(text: &str, picture: &str) -> Result<Option<f64>, String> {
    let primary = picture.split(';').next().unwrap_or(picture);
    let (negative, t) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let n = match primary {
        "w" | "W" | "Ww" => parse_words(t),
        "i" | "I" => parse_roman(t),
        "a" | "A" => parse_letters(t),
        _ => {
            if decimal(primary).is_none() {
                return Err(format!(
                    "The picture string '{picture}' is not a decimal digit pattern, w, W, Ww, i, I, a or A"
                ));
            }
            let digits: String = t
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        }
    };
    Ok(n.map(|n| if negative { -(n as f64) } else { n as f64 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from the JSONata documentation (Numeric functions) and XPath F&O 3.1 §4.6.
    #[test]
    fn formats_by_picture() {
        assert_eq!(
            format(2789.0, "w").unwrap(),
            "two thousand, seven hundred and eighty-nine"
        );
        assert_eq!(format(1999.0, "I").unwrap(), "MCMXCIX");
        assert_eq!(format(12345678.0, "#,##0").unwrap(), "12,345,678");
        assert_eq!(format(7.0, "000").unwrap(), "007");
        assert_eq!(format(21.0, "w;o").unwrap(), "twenty-first");
        assert_eq!(format(23.0, "0;o").unwrap(), "23rd");
        assert_eq!(format(28.0, "A").unwrap(), "AB");
        assert_eq!(format(1000.0, "Ww").unwrap(), "One Thousand");
        assert!(format(1.0, "x").is_err());
    }

    #[test]
    fn parses_by_picture() {
        assert_eq!(
            parse("twelve thousand, four hundred and seventy-six", "w").unwrap(),
            Some(12476.0)
        );
        assert_eq!(parse("12,345,678", "#,##0").unwrap(), Some(12345678.0));
        assert_eq!(parse("MCMXCIX", "I").unwrap(), Some(1999.0));
        assert_eq!(parse("ab", "a").unwrap(), Some(28.0));
        assert_eq!(parse("twenty-first", "w;o").unwrap(), Some(21.0));
        assert_eq!(parse("zzz!", "w").unwrap(), None);
    }
}
