//! Date and time picture strings (XPath `format-dateTime`, which JSONata's
//! `$fromMillis` and `$now` use): `[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]`, month
//! and day names (`[MNn]`, `[FNn,*-3]`), 12-hour clocks (`[h]:[m01] [P]`), day of the
//! year, widths, `[[` and `]]` for brackets, and a `±HHMM` time zone; and the reverse,
//! reading a timestamp by a picture (`$toMillis(text, picture)`).

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    /// 0 = Monday.
    wday: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = crate::util::civil_from_days(days);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = BEFORE[(m - 1) as usize] + d + u32::from(leap && m > 2);
    Civil {
        year: y,
        month: m,
        day: d,
        yday,
        // 1970-01-01 was a Thursday.
        wday: ((days + 3).rem_euclid(7)) as u32,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        millis: (rem % 1000) as u32,
    }
}

fn name(full: &str, presentation: &str, max: Option<usize>) -> String {
    let mut s: String = match presentation {
        "N" => full.to_uppercase(),
        "n" => full.to_lowercase(),
        _ => full.to_string(),
    };
    if let Some(m) = max {
        s = s.chars().take(m).collect();
    }
    s
}

fn number(n: i64, presentation: &str, min: Option<usize>, max: Option<usize>) -> String {
    // `o` asks for an ordinal: 1st, 2nd, 3rd, 23rd, 11th.
    if let Some(p) = presentation.strip_suffix('o') {
        let suffix = match (n % 10, n % 100) {
            (_, 11..=13) => "th",
            (1, _) => "st",
            (2, _) => "nd",
            (3, _) => "rd",
            _ => "th",
        };
        return format!("{}{suffix}", number(n, p, min, max));
    }
    let digits = presentation.chars().filter(|c| c.is_ascii_digit()).count();
    let width = min.unwrap_or(0).max(if digits > 1 { digits } else { 0 });
    let mut s = format!("{:0width$}", n.abs());
    if let Some(m) = max {
        if s.len() > m {
            s = s[s.len() - m..].to_string();
        }
    }
    if n < 0 {
        s.insert(0, '-');
    }
    s
}

/// One piece of a picture string: literal text, or a `[component]` with its
/// presentation (`01`, `Nn`, …) and its width (`,min-max`).
enum Part {
    Lit(char),
    Comp {
        component: char,
        presentation: String,
        width: String,
        min: Option<usize>,
        max: Option<usize>,
    },
}

/// A picture string's pieces (`[[` and `]]` are literal brackets).
fn parts(picture: &str) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    let mut rest = picture;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[[") {
            out.push(Part::Lit('['));
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix("]]") {
            out.push(Part::Lit(']'));
            rest = r;
            continue;
        }
        let Some(r) = rest.strip_prefix('[') else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(Part::Lit(ch));
            rest = &rest[ch.len_utf8()..];
            continue;
        };
        let end = r.find(']').ok_or_else(|| {
            "D3135: No matching closing bracket ']' in date/time picture string".to_string()
        })?;
        let spec: String = r[..end].chars().filter(|c| !c.is_whitespace()).collect();
        rest = &r[end + 1..];
        let (body, width) = spec.split_once(',').unwrap_or((&spec, ""));
        let (min, max) = match width.split_once('-') {
            Some((a, b)) => (a.parse().ok(), b.parse().ok()),
            None => (width.parse().ok(), None),
        };
        let mut chars = body.chars();
        let Some(component) = chars.next() else {
            return Err("D3134: An empty component in a date/time picture string".into());
        };
        out.push(Part::Comp {
            component,
            presentation: chars.as_str().to_string(),
            width: width.to_string(),
            min,
            max,
        });
    }
    Ok(out)
}

/// Formats epoch milliseconds with an XPath picture in a time zone `offset_min` minutes
/// east of UTC.
pub fn format(ms: i64, picture: &str, offset_min: i64) -> Result<String, String> {
    let c = civil(ms + offset_min * 60_000);
    let mut out = String::new();
    for part in parts(picture)? {
        let (component, p, width, min, max) = match &part {
            Part::Lit(ch) => {
                out.push(*ch);
                continue;
            }
            Part::Comp {
                component,
                presentation,
                width,
                min,
                max,
            } => (
                *component,
                presentation.as_str(),
                width.as_str(),
                *min,
                *max,
            ),
        };
        let piece = match component {
            'Y' => number(
                c.year,
                p,
                min,
                // A two-digit year (`[Y01]`, `[Y,2]`) is truncated, as XPath says.
                max.or(
                    if p.chars().filter(|x| x.is_ascii_digit()).count() == 2
                        || (!width.contains('-') && min == Some(2))
                    {
                        Some(2)
                    } else {
                        None
                    },
                ),
            ),
            'M' if p.starts_with('N') || p.starts_with('n') => {
                name(MONTHS[c.month as usize - 1], p, max)
            }
            'M' => number(c.month.into(), p, min, max),
            'D' => number(c.day.into(), p, min, max),
            'd' => number(c.yday.into(), p, min, max),
            'F' if p.is_empty() || p.starts_with('N') || p.starts_with('n') => name(
                DAYS[c.wday as usize],
                if p.is_empty() { "n" } else { p },
                max,
            ),
            'F' => number(i64::from(c.wday) + 1, p, min, max),
            'H' => number(c.hour.into(), p, min, max),
            'h' => number(i64::from((c.hour + 11) % 12 + 1), p, min, max),
            'P' => name(
                if c.hour < 12 { "am" } else { "pm" },
                if p.is_empty() { "n" } else { p },
                max,
            ),
            'm' => number(
                c.minute.into(),
                if p.is_empty() { "01" } else { p },
                min,
                max,
            ),
            's' => number(
                c.second.into(),
                if p.is_empty() { "01" } else { p },
                min,
                max,
            ),
            'f' => {
                let digits = p
                    .chars()
                    .filter(|x| x.is_ascii_digit())
                    .count()
                    .max(min.unwrap_or(1))
                    .max(1);
                let frac = format!("{:03}", c.millis);
                let mut f: String = frac
                    .chars()
                    .chain(std::iter::repeat('0'))
                    .take(digits)
                    .collect();
                if p.is_empty() && min.is_none() {
                    f = frac.trim_end_matches('0').to_string();
                    if f.is_empty() {
                        f = "0".into();
                    }
                }
                f
            }
            'Z' | 'z' => {
                let sign = if offset_min < 0 { '-' } else { '+' };
                let (h, m) = (offset_min.abs() / 60, offset_min.abs() % 60);
                let tz =
                    if p.chars().filter(|x| x.is_ascii_digit()).count() == 4 && !p.contains(':') {
                        format!("{sign}{h:02}{m:02}")
                    } else {
                        format!("{sign}{h:02}:{m:02}")
                    };
                if component == 'z' {
                    format!("GMT{tz}")
                } else if p == "Z" && offset_min == 0 {
                    "Z".into()
                } else {
                    tz
                }
            }
            'E' => "AD".into(),
            'C' => "ISO".into(),
            other => {
                return Err(format!(
                    "D3132: Unknown component specifier {other} in date/time picture string"
                ))
            }
        };
        out.push_str(&piece);
    }
    Ok(out)
}

/// A time zone argument `±HHMM` (or `±HH:MM`) as minutes east of UTC.
pub fn offset(tz: &str) -> Option<i64> {
    let t = tz.replace(':', "");
    let (sign, digits) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => (1, t.as_str()),
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// Parses `text` by an XPath picture (`$toMillis(text, picture)`): epoch milliseconds,
/// `Ok(None)` when the text does not follow the picture. Numeric components read their
/// picture's width when another component follows directly, else every digit; month
/// names full or shortened, `am`/`pm`, day names (read, not checked) and time zones
/// (`Z`, `±HH:MM`, `±HHMM`, `GMT±HH:MM`). Missing parts are January, the 1st, midnight.
pub fn parse(text: &str, picture: &str) -> Result<Option<i64>, String> {
    let parts = parts(picture)?;
    let s: Vec<char> = text.chars().collect();
    let mut i = 0;
    let (mut year, mut month, mut day, mut yday) = (1970i64, 1i64, 1i64, None::<i64>);
    let (mut hour, mut minute, mut second, mut millis) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm, mut offset_min) = (None::<bool>, 0i64);
    for (pi, part) in parts.iter().enumerate() {
        match part {
            Part::Lit(c) => {
                if s.get(i) != Some(c) {
                    return Ok(None);
                }
                i += 1;
            }
            Part::Comp {
                component: comp,
                presentation: p,
                width,
                ..
            } => {
                let digits = p.chars().filter(char::is_ascii_digit).count();
                let fixed = &width
                    .split('-')
                    .next()
                    .and_then(|w| w.parse::<usize>().ok())
                    .or((digits > 1).then_some(digits));
                let followed = matches!(parts.get(pi + 1), Some(Part::Comp { .. }));
                let named = p.starts_with('N') || p.starts_with('n');
                let read_number = |i: &mut usize| -> Option<i64> {
                    let start = *i;
                    let limit = if followed {
                        fixed.unwrap_or(usize::MAX)
                    } else {
                        usize::MAX
                    };
                    while *i < s.len() && s[*i].is_ascii_digit() && *i - start < limit {
                        *i += 1;
                    }
                    s[start..*i].iter().collect::<String>().parse().ok()
                };
                let read_word = |i: &mut usize| -> String {
                    let start = *i;
                    while *i < s.len() && s[*i].is_alphabetic() {
                        *i += 1;
                    }
                    s[start..*i].iter().collect::<String>().to_lowercase()
                };
                match comp {
                    'Y' => match read_number(&mut i) {
                        Some(y) => {
                            year = if p.len() == 2 || fixed == &Some(2) {
                                2000 + y
                            } else {
                                y
                            }
                        }
                        None => return Ok(None),
                    },
                    'M' if named => {
                        let w = read_word(&mut i);
                        match MONTHS.iter().position(|m| {
                            let m = m.to_lowercase();
                            w.len() >= 3 && m.starts_with(&w)
                        }) {
                            Some(k) => month = k as i64 + 1,
                            None => return Ok(None),
                        }
                    }
                    'F' if named || p.is_empty() => {
                        read_word(&mut i);
                    }
                    'P' => match read_word(&mut i).as_str() {
                        "am" => pm = Some(false),
                        "pm" => pm = Some(true),
                        _ => return Ok(None),
                    },
                    'Z' | 'z' => {
                        if comp == &'z' {
                            for c in "GMT".chars() {
                                if s.get(i) == Some(&c) {
                                    i += 1;
                                }
                            }
                        }
                        if s.get(i) == Some(&'Z') {
                            i += 1;
                        } else {
                            let sign = match s.get(i) {
                                Some('+') => 1,
                                Some('-') => -1,
                                _ => return Ok(None),
                            };
                            i += 1;
                            let digits: String = s[i..]
                                .iter()
                                .take_while(|c| c.is_ascii_digit() || **c == ':')
                                .collect();
                            i += digits.chars().count();
                            let d: String = digits.chars().filter(char::is_ascii_digit).collect();
                            let (h, m) = match d.len() {
                                1 | 2 => (d.parse().unwrap_or(0), 0),
                                4 => (d[..2].parse().unwrap_or(0), d[2..].parse().unwrap_or(0)),
                                _ => return Ok(None),
                            };
                            offset_min = sign * (h * 60 + m);
                        }
                    }
                    'f' => {
                        let start = i;
                        while i < s.len() && s[i].is_ascii_digit() {
                            i += 1;
                        }
                        let frac: String = s[start..i]
                            .iter()
                            .chain(['0', '0', '0'].iter())
                            .take(3)
                            .collect();
                        millis = frac.parse().unwrap_or(0);
                    }
                    c => {
                        let Some(n) = read_number(&mut i) else {
                            return Ok(None);
                        };
                        match c {
                            'M' => month = n,
                            'D' => day = n,
                            'd' => yday = Some(n),
                            'H' | 'h' => hour = n,
                            'm' => minute = n,
                            's' => second = n,
                            'F' => {}
                            _ => return Err(format!("D3132: Unknown component specifier {c} in date/time picture string")),
                        }
                    }
                }
            }
        }
    }
    if i != s.len() {
        return Ok(None);
    }
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let date = format!("{year:04}-{month:02}-{day:02}T00:00:00Z");
    let Some(mut ms) = crate::util::parse_iso8601_ms(&date) else {
        return Ok(None);
    };
    if let Some(d) = yday {
        ms = crate::util::parse_iso8601_ms(&format!("{year:04}-01-01T00:00:00Z")).unwrap_or(0)
            + (d - 1) * 86_400_000;
    }
    Ok(Some(
        ms + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset_min * 60_000,
    ))
}

#[cfg(test)]
mod parse_tests {
    use super::parse;

    // Values from the JSONata documentation ($toMillis) and XPath F&O pictures.
    #[test]
    fn pictures_read_back_what_they_write() {
        assert_eq!(
            parse(
                "2018-09-30T15:58:21.134+0100",
                "[Y]-[M]-[D]T[H]:[m]:[s].[f][Z0000]"
            )
            .unwrap(),
            Some(1538319501134)
        );
        assert_eq!(
            parse("30 September 2018", "[D] [MNn] [Y]").unwrap(),
            Some(1538265600000)
        );
        assert_eq!(
            parse("20180930", "[Y0001][M01][D01]").unwrap(),
            Some(1538265600000)
        );
        assert_eq!(parse("3:05pm", "[h]:[m01][P]").unwrap(), Some(54_300_000));
        assert_eq!(parse("nonsense", "[Y]-[M]").unwrap(), None);
    }
}
