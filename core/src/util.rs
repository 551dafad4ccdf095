//! Small shared helpers: base64, JSON field access with AWS-style errors, time formatting.

use crate::error::AwsError;
use base64::Engine as _;
use serde_json::Value;

/// A value as JSON text — the same text as `Value::to_string`, written straight into a
/// buffer instead of through `fmt` (several times faster for the history's payloads).
pub fn json_text(v: &Value) -> String {
    let mut out = Vec::with_capacity(128);
    if serde_json::to_writer(&mut out, v).is_err() {
        return v.to_string();
    }
    String::from_utf8(out).unwrap_or_else(|_| v.to_string())
}

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// A required string field of a request, or AWS's `MissingParameter`-style error.
pub fn req_str<'a>(params: &'a Value, field: &str) -> Result<&'a str, AwsError> {
    params.get(field).and_then(Value::as_str).ok_or_else(|| {
        AwsError::client(
            "MissingParameter",
            format!("The request must contain the parameter {field}."),
        )
    })
}

/// An optional integer field, accepting numbers or numeric strings as the AWS wire does.
pub fn opt_i64(params: &Value, field: &str) -> Result<Option<i64>, AwsError> {
    match params.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| invalid(field, n)),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid(field, s)),
        Some(other) => Err(invalid(field, other)),
    }
}

fn invalid(field: &str, v: impl std::fmt::Display) -> AwsError {
    AwsError::client(
        "InvalidParameterValue",
        format!("Value {v} for parameter {field} is invalid. Reason: must be an integer."),
    )
}

/// FNV-1a, 64-bit: a stable hash for ids and trace fingerprints (never for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Bytes that message attributes add to a message's size, as SQS and SNS count them:
/// each attribute's name, data type and value (binary values decoded).
pub fn message_attributes_size(attrs: &serde_json::Map<String, Value>) -> usize {
    attrs
        .iter()
        .map(|(name, a)| {
            let ty = a
                .get("DataType")
                .and_then(Value::as_str)
                .map_or(0, str::len);
            let value = match (a.get("StringValue"), a.get("BinaryValue")) {
                (Some(Value::String(s)), _) => s.len(),
                (_, Some(Value::String(b))) => base64_decode(b).map_or(b.len(), |v| v.len()),
                _ => 0,
            };
            name.len() + ty + value
        })
        .sum()
}

/// The first 60 characters of a message, for trace summaries.
pub fn summarize(body: &str) -> String {
    let mut s: String = body.chars().take(60).collect();
    if body.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// `arn:aws:sqs:REGION:ACCOUNT:NAME` → `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`.
pub fn queue_url_of_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() == 6 {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{}",
            parts[3], parts[4], parts[5]
        )
    } else {
        arn.to_string()
    }
}

/// Virtual epoch milliseconds → `1970-01-01T00:00:00.000Z` (CloudWatch log timestamps).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's civil-from-days).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses an RFC 3339 timestamp (`2026-03-14T01:59:00Z`, `…T01:59:00.5+02:00`) into
/// epoch milliseconds, as Step Functions' Wait and Timestamp comparisons read it.
pub fn parse_iso8601_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &text[start..i.min(start + 3)];
        millis = frac.parse::<i64>().ok()? * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        c @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *c == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    // Days-from-civil (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + s) - offset_min * 60) * 1000 + millis)
}

/// Parses a driver duration: `500ms`, `30s`, `10m`, `2h`, `1d`, or a bare number of ms.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1_000.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some((n * factor).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(
            parse_iso8601_ms("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(
            parse_iso8601_ms("2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601_ms("2023-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601_ms("yesterday"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("30s"), Some(30_000));
        assert_eq!(parse_duration_ms("10m"), Some(600_000));
        assert_eq!(parse_duration_ms("2h"), Some(7_200_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1_500));
        assert_eq!(parse_duration_ms("12"), Some(12));
        assert_eq!(parse_duration_ms("soon"), None);
    }
}
