//! The `Condition` element of a policy statement, evaluated as IAM does against the
//! request context of a call (the keys `Iam::context` fills in): every condition
//! operator (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress / NotIpAddress,
//! Arn*, Null), the `…IfExists` suffix, and the `ForAllValues:` / `ForAnyValue:` set
//! operators for multivalued keys. Operators are ANDed, the keys under one operator are
//! ANDed, the values of one key are ORed — NORed for a negated operator. A key absent
//! from the request makes a condition false, except that a negated operator is then
//! true, `…IfExists` is true, `ForAllValues` is true and `Null` tests exactly that.
//! Condition keys are case-insensitive; policy variables (`${aws:username}`) in values
//! are replaced from the request context.

use super::wildcard;
use crate::error::TemplateError;
use serde_json::Value;
use std::collections::BTreeMap;

/// The request context: condition keys (lower case) and their values.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestContext {
    keys: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.keys
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
    }

    pub fn set_many(&mut self, key: &str, values: Vec<String>) {
        self.keys.insert(key.to_ascii_lowercase(), values);
    }

    fn get(&self, key: &str) -> Option<&[String]> {
        self.keys
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }

    /// A value with its policy variables replaced (`${aws:CurrentTime}`, `${*}` …).
    fn substitute(&self, value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            let inner = &rest[start + 2..start + len];
            let (key, default) = match inner.split_once(',') {
                Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                None => (inner.trim(), None),
            };
            match key {
                "*" | "?" | "$" => out.push_str(key),
                _ => match self.get(key) {
                    Some(v) => out.push_str(&v[0]),
                    None => out.push_str(default.unwrap_or("")),
                },
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Family {
    String { ignore_case: bool, like: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Set {
    Single,
    ForAll,
    ForAny,
}

#[derive(Clone, Debug)]
struct Clause {
    family: Family,
    negated: bool,
    if_exists: bool,
    set: Set,
    key: String,
    values: Vec<String>,
}

/// A statement's `Condition` (empty: none).
#[derive(Clone, Debug, Default)]
pub(crate) struct Condition {
    clauses: Vec<Clause>,
}

/// The context keys the playground puts in requests; a condition on another key is
/// evaluated as if the key were absent (the template gets a warning).
pub(crate) const KNOWN_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:currenttime",
    "aws:epochtime",
    "aws:viaawsservice",
    "aws:resourceaccount",
    "lambda:sourcefunctionarn",
    "lambda:functionarn",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "sns:protocol",
    "sns:endpoint",
    "events:source",
    "events:detail-type",
];

fn family(name: &str) -> Option<(Family, bool)> {
    use Cmp::*;
    let s = |ignore_case, like| Family::String { ignore_case, like };
    Some(match name {
        "StringEquals" => (s(false, false), false),
        "StringNotEquals" => (s(false, false), true),
        "StringEqualsIgnoreCase" => (s(true, false), false),
        "StringNotEqualsIgnoreCase" => (s(true, false), true),
        "StringLike" => (s(false, true), false),
        "StringNotLike" => (s(false, true), true),
        "NumericEquals" => (Family::Numeric(Eq), false),
        "NumericNotEquals" => (Family::Numeric(Eq), true),
        "NumericLessThan" => (Family::Numeric(Lt), false),
        "NumericLessThanEquals" => (Family::Numeric(Le), false),
        "NumericGreaterThan" => (Family::Numeric(Gt), false),
        "NumericGreaterThanEquals" => (Family::Numeric(Ge), false),
        "DateEquals" => (Family::Date(Eq), false),
        "DateNotEquals" => (Family::Date(Eq), true),
        "DateLessThan" => (Family::Date(Lt), false),
        "DateLessThanEquals" => (Family::Date(Le), false),
        "DateGreaterThan" => (Family::Date(Gt), false),
        "DateGreaterThanEquals" => (Family::Date(Ge), false),
        "Bool" => (Family::Bool, false),
        "BinaryEquals" => (Family::Binary, false),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        "Null" => (Family::Null, false),
        _ => return None,
    })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Condition {
    /// Reads a statement's `Condition` element; `at` is its template path.
    pub fn parse(v: Option<&Value>, at: &str) -> Result<Condition, TemplateError> {
        let Some(v) = v else {
            return Ok(Condition::default());
        };
        let ops = v.as_object().ok_or_else(|| {
            TemplateError::at(at, "Condition is an object of condition operators")
        })?;
        let mut clauses = Vec::new();
        for (op, keys) in ops {
            let here = format!("{at}.{op}");
            let (set, rest) = if let Some(r) = op.strip_prefix("ForAllValues:") {
                (Set::ForAll, r)
            } else if let Some(r) = op.strip_prefix("ForAnyValue:") {
                (Set::ForAny, r)
            } else {
                (Set::Single, op.as_str())
            };
            let (base, if_exists) = match rest.strip_suffix("IfExists") {
                Some(b) if b != "Null" => (b, true),
                _ => (rest, false),
            };
            let (family, negated) = family(base).ok_or_else(|| {
                TemplateError::at(
                    &here,
                    format!("MalformedPolicyDocument: Invalid Condition type : {op}"),
                )
            })?;
            let keys = keys.as_object().ok_or_else(|| {
                TemplateError::at(&here, "a condition operator maps condition keys to values")
            })?;
            for (key, values) in keys {
                let values: Vec<String> = match values {
                    Value::Array(a) => a.iter().filter_map(scalar).collect(),
                    other => scalar(other).into_iter().collect(),
                };
                if values.is_empty() {
                    return Err(TemplateError::at(
                        format!("{here}.{key}"),
                        "a condition key needs a value (a string, number, boolean or a list of them)",
                    ));
                }
                clauses.push(Clause {
                    family,
                    negated,
                    if_exists,
                    set,
                    key: key.clone(),
                    values,
                });
            }
        }
        Ok(Condition { clauses })
    }

    /// The condition keys this condition reads that the playground never sets.
    pub fn unknown_keys(&self) -> Vec<String> {
        self.clauses
            .iter()
            .map(|c| c.key.clone())
            .filter(|k| !KNOWN_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            .collect()
    }

    /// No condition: the statement holds whatever the request context.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    pub fn holds(&self, ctx: &RequestContext) -> bool {
        self.clauses.iter().all(|c| c.holds(ctx))
    }
}

impl Clause {
    fn holds(&self, ctx: &RequestContext) -> bool {
        let request = ctx.get(&self.key);
        if self.family == Family::Null {
            let want_absent = self.values[0].eq_ignore_ascii_case("true");
            return want_absent == request.is_none();
        }
        let Some(request) = request else {
            return match self.set {
                Set::ForAll => true,
                Set::ForAny => false,
                Set::Single => self.if_exists || self.negated,
            };
        };
        let values: Vec<String> = self.values.iter().map(|v| ctx.substitute(v)).collect();
        // Whether one request value matches one of the condition's values; a negated
        // operator holds for a request value that matches none of them.
        let one = |r: &String| {
            let any = values.iter().any(|v| self.matches(r, v));
            any != self.negated
        };
        match self.set {
            Set::ForAll => request.iter().all(one),
            Set::ForAny => request.iter().any(one),
            Set::Single if self.negated => request.iter().all(one),
            Set::Single => request.iter().any(one),
        }
    }

    fn matches(&self, request: &str, value: &str) -> bool {
        match self.family {
            Family::String { ignore_case, like } => {
                if like {
                    wildcard(value, request, false)
                } else if ignore_case {
                    request.to_lowercase() == value.to_lowercase()
                } else {
                    request == value
                }
            }
            Family::Numeric(cmp) => match (request.parse::<f64>(), value.parse::<f64>()) {
                (Ok(r), Ok(v)) => compare(cmp, r, v),
                _ => false,
            },
            Family::Date(cmp) => match (date_ms(request), date_ms(value)) {
                (Some(r), Some(v)) => compare(cmp, r as f64, v as f64),
                _ => false,
            },
            Family::Bool => request.eq_ignore_ascii_case(value),
            Family::Binary => request == value,
            Family::Ip => match (ipv4(request), cidr(value)) {
                (Some(ip), Some((net, mask))) => ip & mask == net & mask,
                _ => false,
            },
            Family::Arn => {
                let r: Vec<&str> = request.splitn(6, ':').collect();
                let v: Vec<&str> = value.splitn(6, ':').collect();
                r.len() == 6 && v.len() == 6 && r.iter().zip(&v).all(|(r, v)| wildcard(v, r, false))
            }
            Family::Null => false,
        }
    }
}

fn compare(cmp: Cmp, r: f64, v: f64) -> bool {
    match cmp {
        Cmp::Eq => r == v,
        Cmp::Lt => r < v,
        Cmp::Le => r <= v,
        Cmp::Gt => r > v,
        Cmp::Ge => r >= v,
    }
}

/// An IAM date: ISO 8601 (a date alone is its midnight UTC) or epoch seconds.
fn date_ms(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<i64>() {
        return Some(secs * 1000);
    }
    if s.len() == 10 {
        return crate::util::parse_iso8601_ms(&format!("{s}T00:00:00Z"));
    }
    crate::util::parse_iso8601_ms(s)
}

fn ipv4(s: &str) -> Option<u32> {
    let parts: Vec<u8> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
}

fn cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, bits) = s.split_once('/').unwrap_or((s, "32"));
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((ipv4(ip)?, mask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> RequestContext {
        let mut c = RequestContext::default();
        c.set("aws:RequestedRegion", "us-east-1");
        c.set("aws:SecureTransport", "true");
        c.set("aws:CurrentTime", "2026-11-27T12:00:00Z");
        c.set("aws:EpochTime", "1795780800");
        c.set(
            "aws:PrincipalArn",
            "arn:aws:iam::123456789012:role/app-FnRole-X",
        );
        c.set_many(
            "events:source",
            vec!["orders".to_string(), "billing".to_string()],
        );
        c
    }

    fn holds(cond: Value) -> bool {
        Condition::parse(Some(&cond), "Condition")
            .unwrap()
            .holds(&ctx())
    }

    // Cases follow the IAM User Guide's "Condition operators" and "Conditions with
    // multiple context keys or values" pages.
    #[test]
    fn strings_values_are_ored_and_operators_anded() {
        assert!(holds(
            json!({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}})
        ));
        assert!(!holds(
            json!({"StringEquals": {"aws:requestedregion": "eu-west-1"}})
        ));
        assert!(!holds(json!({
            "StringEquals": {"aws:RequestedRegion": "us-east-1"},
            "Bool": {"aws:SecureTransport": "false"}
        })));
        assert!(holds(
            json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}})
        ));
        assert!(holds(
            json!({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}})
        ));
    }

    #[test]
    fn negated_operators_nor_their_values_and_hold_for_absent_keys() {
        assert!(!holds(
            json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}})
        ));
        assert!(holds(
            json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}})
        ));
        assert!(holds(json!({"StringNotLike": {"aws:SourceVpc": "vpc-*"}})));
        assert!(!holds(json!({"StringLike": {"aws:SourceVpc": "vpc-*"}})));
    }

    #[test]
    fn if_exists_and_null() {
        assert!(holds(
            json!({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})
        ));
        assert!(!holds(
            json!({"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}})
        ));
        assert!(holds(json!({"Null": {"aws:SourceVpc": "true"}})));
        assert!(holds(json!({"Null": {"aws:RequestedRegion": "false"}})));
        assert!(!holds(json!({"Null": {"aws:RequestedRegion": "true"}})));
    }

    #[test]
    fn dates_numbers_and_arns() {
        assert!(holds(
            json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})
        ));
        assert!(!holds(
            json!({"DateGreaterThan": {"aws:CurrentTime": "2027-01-01"}})
        ));
        assert!(holds(
            json!({"NumericGreaterThanEquals": {"aws:EpochTime": 1795780800}})
        ));
        assert!(holds(
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}})
        ));
        assert!(!holds(
            json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::999999999999:role/*"}})
        ));
    }

    #[test]
    fn set_operators_over_multivalued_keys() {
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"events:source": ["orders", "billing", "x"]}})
        ));
        assert!(!holds(
            json!({"ForAllValues:StringEquals": {"events:source": ["orders"]}})
        ));
        assert!(holds(
            json!({"ForAnyValue:StringEquals": {"events:source": ["orders"]}})
        ));
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}),
        ));
        assert!(!holds(
            json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}),
        ));
    }

    #[test]
    fn policy_variables_and_bad_operators() {
        assert!(holds(
            json!({"StringEquals": {"aws:RequestedRegion": "${aws:RequestedRegion}"}})
        ));
        let e = Condition::parse(
            Some(&json!({"StringEqualz": {"a": "b"}})),
            "Policies[0].Statement[0].Condition",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("Invalid Condition type : StringEqualz"),
            "{e}"
        );
    }
}
