//! Content filtering as SNS filter policies and EventBridge event patterns define it (one
//! matcher, two validators): a policy is an object whose keys must all match; a leaf is
//! a list of conditions of which one must match; `$or` takes a list of alternative
//! policies. Conditions: exact strings, numbers, booleans and null, `prefix` and `suffix`
//! (also case-insensitive), `equals-ignore-case`, `wildcard`, `anything-but` (values, a
//! list, or a prefix/suffix/wildcard), `numeric` (comparisons and ranges), `exists`, and
//! `cidr` (IPv4 and IPv6). An array in the message matches if any of its elements matches.

use serde_json::Value;

/// Checks a policy's shape, with the message SNS gives for an invalid one.
pub fn validate(policy: &Value) -> Result<(), String> {
    let Some(obj) = policy.as_object() else {
        return Err("Invalid parameter: FilterPolicy: filter policy must be a JSON object".into());
    };
    for (k, v) in obj {
        if k == "$or" {
            let alts = v
                .as_array()
                .ok_or("Invalid parameter: FilterPolicy: $or must be an array of objects")?;
            for a in alts {
                validate(a)?;
            }
            continue;
        }
        match v {
            Value::Array(conds) => {
                for c in conds {
                    validate_condition(k, c)?;
                }
            }
            Value::Object(_) => validate(v)?,
            _ => {
                return Err(format!(
                    "Invalid parameter: FilterPolicy: \"{k}\" must be an object or an array"
                ))
            }
        }
    }
    Ok(())
}

fn validate_condition(key: &str, c: &Value) -> Result<(), String> {
    let Some(o) = c.as_object() else {
        return Ok(());
    };
    let Some((op, arg)) = o.iter().next() else {
        return Err(format!(
            "Invalid parameter: FilterPolicy: empty condition for \"{key}\""
        ));
    };
    let ok = match op.as_str() {
        "prefix" | "suffix" | "equals-ignore-case" => arg.is_string(),
        "exists" => arg.is_boolean(),
        "anything-but" => true,
        "cidr" => arg.as_str().is_some_and(|s| parse_cidr(s).is_some()),
        "numeric" => arg.as_array().is_some_and(|a| {
            a.len() % 2 == 0
                && a.chunks(2).all(|p| {
                    matches!(p[0].as_str(), Some("=" | "<" | "<=" | ">" | ">=")) && p[1].is_number()
                })
        }),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Invalid parameter: FilterPolicy: Unrecognized match type {op} or invalid value for \"{key}\""))
    }
}

/// Checks an EventBridge event pattern's shape: an object of fields whose leaves are
/// arrays of values (strings, numbers, booleans, null) or of one-operator objects
/// (`prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`, `numeric`,
/// `exists`, `cidr`), nested objects, and `$or`. Errors read like EventBridge's reasons.
pub fn validate_event_pattern(pattern: &Value) -> Result<(), String> {
    let Some(obj) = pattern.as_object() else {
        return Err("Filter is not an object".into());
    };
    for (k, v) in obj {
        if k == "$or" {
            let alts = v
                .as_array()
                .filter(|a| a.len() >= 2)
                .ok_or("$or must be an array of at least two objects")?;
            for a in alts {
                validate_event_pattern(a)?;
            }
            continue;
        }
        match v {
            Value::Object(_) => validate_event_pattern(v)?,
            Value::Array(conds) => {
                if conds.is_empty() {
                    return Err(format!("Empty arrays are not allowed (\"{k}\")"));
                }
                for c in conds {
                    if let Some(o) = c.as_object() {
                        let Some((op, arg)) = o.iter().next().filter(|_| o.len() == 1) else {
                            return Err(format!(
                                "Only one key allowed in match expression (\"{k}\")"
                            ));
                        };
                        let ok = match op.as_str() {
                            "prefix" | "suffix" => {
                                arg.is_string()
                                    || arg.get("equals-ignore-case").is_some_and(Value::is_string)
                            }
                            "equals-ignore-case" | "wildcard" => arg.is_string(),
                            "exists" => arg.is_boolean(),
                            "anything-but" => match arg {
                                Value::Object(inner) => {
                                    inner.len() == 1
                                        && inner.keys().all(|k| {
                                            matches!(
                                                k.as_str(),
                                                "prefix"
                                                    | "suffix"
                                                    | "equals-ignore-case"
                                                    | "wildcard"
                                            )
                                        })
                                }
                                Value::Array(list) => {
                                    !list.is_empty()
                                        && list.iter().all(|x| x.is_string() || x.is_number())
                                }
                                x => x.is_string() || x.is_number(),
                            },
                            "cidr" => arg.as_str().is_some_and(|s| parse_cidr(s).is_some()),
                            "numeric" => arg.as_array().is_some_and(|a| {
                                !a.is_empty()
                                    && a.len() % 2 == 0
                                    && a.chunks(2).all(|p| {
                                        matches!(p[0].as_str(), Some("=" | "<" | "<=" | ">" | ">="))
                                            && p[1].is_number()
                                    })
                            }),
                            _ => false,
                        };
                        if !ok {
                            return Err(format!("Unrecognized match type {op} (\"{k}\")"));
                        }
                    } else if c.is_array() {
                        return Err(format!(
                            "Match value must be String, number, true, false, or null (\"{k}\")"
                        ));
                    }
                }
            }
            _ => {
                return Err(format!(
                    "Match value must be an array or an object (\"{k}\")"
                ));
            }
        }
    }
    Ok(())
}

/// Does `doc` (attributes as a JSON object, or the message body) match `policy`?
pub fn matches(policy: &Value, doc: &Value) -> bool {
    let Some(obj) = policy.as_object() else {
        return false;
    };
    obj.iter().all(|(k, v)| {
        if k == "$or" {
            return v
                .as_array()
                .is_some_and(|alts| alts.iter().any(|a| matches(a, doc)));
        }
        let field = doc.get(k);
        match v {
            Value::Object(_) => field.is_some_and(|f| matches(v, f)),
            Value::Array(conds) => conds.iter().any(|c| condition(c, field)),
            _ => false,
        }
    })
}

fn condition(c: &Value, field: Option<&Value>) -> bool {
    if let Some(o) = c.as_object() {
        if let Some(Value::Bool(want)) = o.get("exists") {
            return field.is_some() == *want;
        }
    }
    let Some(field) = field else { return false };
    match field {
        Value::Array(items) => items.iter().any(|i| scalar(c, i)),
        other => scalar(c, other),
    }
}

fn scalar(c: &Value, v: &Value) -> bool {
    match c {
        Value::String(s) => v.as_str() == Some(s.as_str()),
        Value::Number(n) => v.as_f64().is_some_and(|x| n.as_f64() == Some(x)),
        Value::Bool(b) => v.as_bool() == Some(*b),
        Value::Null => v.is_null(),
        Value::Object(o) => {
            let Some((op, arg)) = o.iter().next() else {
                return false;
            };
            let text = v.as_str();
            match op.as_str() {
                "prefix" => match (text, arg) {
                    (Some(t), Value::String(p)) => t.starts_with(p.as_str()),
                    (Some(t), Value::Object(o)) => o
                        .get("equals-ignore-case")
                        .and_then(Value::as_str)
                        .is_some_and(|p| t.to_lowercase().starts_with(&p.to_lowercase())),
                    _ => false,
                },
                "suffix" => match (text, arg) {
                    (Some(t), Value::String(p)) => t.ends_with(p.as_str()),
                    (Some(t), Value::Object(o)) => o
                        .get("equals-ignore-case")
                        .and_then(Value::as_str)
                        .is_some_and(|p| t.to_lowercase().ends_with(&p.to_lowercase())),
                    _ => false,
                },
                "wildcard" => text
                    .zip(arg.as_str())
                    .is_some_and(|(t, p)| crate::asl::choice::string_matches(t, p)),
                "equals-ignore-case" => text
                    .zip(arg.as_str())
                    .is_some_and(|(t, p)| t.eq_ignore_ascii_case(p)),
                "anything-but" => match arg {
                    Value::Array(list) => !list.iter().any(|x| scalar(x, v)),
                    Value::Object(_) => !scalar(arg, v),
                    single => !scalar(single, v),
                },
                "numeric" => v.as_f64().is_some_and(|x| numeric(arg, x)),
                "cidr" => text
                    .and_then(parse_ip)
                    .zip(arg.as_str().and_then(parse_cidr))
                    .is_some_and(|((ip, v6), (net, mask, net_v6))| {
                        v6 == net_v6 && ip & mask == net & mask
                    }),
                _ => false,
            }
        }
        Value::Array(_) => false,
    }
}

fn numeric(spec: &Value, x: f64) -> bool {
    let Some(parts) = spec.as_array() else {
        return false;
    };
    parts.chunks(2).all(|p| {
        let n = p.get(1).and_then(Value::as_f64).unwrap_or(f64::NAN);
        match p[0].as_str() {
            Some("=") => x == n,
            Some("<") => x < n,
            Some("<=") => x <= n,
            Some(">") => x > n,
            Some(">=") => x >= n,
            _ => false,
        }
    })
}

/// An IPv4 or IPv6 address as a number, and whether it is IPv6.
fn parse_ip(s: &str) -> Option<(u128, bool)> {
    match s.trim().parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => Some((u32::from(a) as u128, false)),
        std::net::IpAddr::V6(a) => Some((u128::from(a), true)),
    }
}

/// A CIDR block (`10.0.0.0/24`, `2001:db8::/32`): its network, mask and family.
fn parse_cidr(s: &str) -> Option<(u128, u128, bool)> {
    let (ip, bits) = s.split_once('/')?;
    let (net, v6) = parse_ip(ip)?;
    let width = if v6 { 128 } else { 32 };
    let bits: u32 = bits.parse().ok().filter(|b| *b <= width)?;
    let all: u128 = if v6 { u128::MAX } else { u32::MAX as u128 };
    let mask = if bits == 0 {
        0
    } else {
        (all << (width - bits)) & all
    };
    Some((net, mask, v6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Cases follow the examples of the SNS developer guide's "Filter policy constraints"
    // and "Amazon SNS message filtering operators" pages.
    #[test]
    fn exact_and_or() {
        let p = json!({"customer_interests": ["rugby", "football", "baseball"]});
        assert!(matches(&p, &json!({"customer_interests": "rugby"})));
        assert!(
            matches(&p, &json!({"customer_interests": ["soccer", "baseball"]})),
            "any element of an array"
        );
        assert!(!matches(&p, &json!({"customer_interests": "tennis"})));
        assert!(
            !matches(&p, &json!({})),
            "a missing attribute does not match"
        );
        let or = json!({"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]});
        assert!(matches(
            &or,
            &json!({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})
        ));
        assert!(!matches(
            &or,
            &json!({"source": "aws.cloudwatch", "namespace": "AWS/RDS"})
        ));
    }

    #[test]
    fn string_operators() {
        assert!(matches(
            &json!({"k": [{"prefix": "bas"}]}),
            &json!({"k": "baseball"})
        ));
        assert!(matches(
            &json!({"k": [{"suffix": "ball"}]}),
            &json!({"k": "baseball"})
        ));
        assert!(matches(
            &json!({"k": [{"equals-ignore-case": "RUGBY"}]}),
            &json!({"k": "rugby"})
        ));
        assert!(matches(
            &json!({"k": [{"anything-but": ["rugby", "tennis"]}]}),
            &json!({"k": "football"})
        ));
        assert!(!matches(
            &json!({"k": [{"anything-but": "rugby"}]}),
            &json!({"k": "rugby"})
        ));
        assert!(!matches(
            &json!({"k": [{"anything-but": {"prefix": "bas"}}]}),
            &json!({"k": "baseball"})
        ));
        assert!(
            !matches(&json!({"k": [{"anything-but": "rugby"}]}), &json!({})),
            "anything-but needs the key"
        );
    }

    #[test]
    fn numeric_exists_and_cidr() {
        let range = json!({"price": [{"numeric": [">", 0, "<=", 150]}]});
        assert!(matches(&range, &json!({"price": 100})));
        assert!(!matches(&range, &json!({"price": 0})));
        assert!(!matches(&range, &json!({"price": 151})));
        assert!(matches(
            &json!({"price": [{"numeric": ["=", 301.5]}]}),
            &json!({"price": 301.5})
        ));
        assert!(matches(
            &json!({"store": [{"exists": false}]}),
            &json!({"other": 1})
        ));
        assert!(!matches(
            &json!({"store": [{"exists": true}]}),
            &json!({"other": 1})
        ));
        assert!(matches(
            &json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            &json!({"ip": "10.0.0.255"})
        ));
        assert!(!matches(
            &json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            &json!({"ip": "10.0.1.0"})
        ));
        // IPv6 blocks (EventBridge content filtering: "IP address matching").
        let v6 = json!({"ip": [{"cidr": "2001:db8::/32"}]});
        assert!(matches(&v6, &json!({"ip": "2001:db8:85a3::8a2e:370:7334"})));
        assert!(!matches(&v6, &json!({"ip": "2001:db9::1"})));
        assert!(!matches(&v6, &json!({"ip": "10.0.0.1"})), "families differ");
        assert!(validate_event_pattern(&json!({"ip": [{"cidr": "2001:db8::/129"}]})).is_err());
    }

    #[test]
    fn nested_keys_for_message_body_scope() {
        let p = json!({"order": {"status": ["paid"]}});
        assert!(matches(&p, &json!({"order": {"status": "paid", "id": 1}})));
        assert!(!matches(&p, &json!({"order": {"status": "open"}})));
    }

    #[test]
    fn invalid_policies_are_refused() {
        assert!(validate(&json!(["x"])).is_err());
        assert!(validate(&json!({"k": [{"numeric": ["~", 1]}]})).is_err());
        assert!(validate(&json!({"k": [{"bogus": 1}]})).is_err());
        assert!(validate(&json!({"k": [{"prefix": "a"}, "b", 3]})).is_ok());
    }
}
