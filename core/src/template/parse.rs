//! Template text → JSON value. Accepts YAML (with CloudFormation's short-form tags such
//! as `!Ref`, `!GetAtt A.B`, `!Sub`) and JSON. Tags become their long forms
//! (`{"Fn::GetAtt": ["A", "B"]}`) so that one resolver handles both spellings.

use crate::error::TemplateError;
use serde_json::{Map, Number, Value};
use serde_norway::Value as Y;

/// Parses a template, YAML or JSON. Errors carry the line and column.
pub fn parse_template_text(text: &str) -> Result<Value, TemplateError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(text).map_err(|e| {
            TemplateError::at(
                format!("line {}, column {}", e.line(), e.column()),
                format!("invalid JSON: {e}"),
            )
        });
    }
    let y: Y = serde_norway::from_str(text).map_err(|e| {
        let place = e
            .location()
            .map(|l| format!("line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        TemplateError::at(place, format!("invalid YAML: {e}"))
    })?;
    yaml_to_json(y, "")
}

fn yaml_to_json(y: Y, path: &str) -> Result<Value, TemplateError> {
    Ok(match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(seq) => {
            let mut out = Vec::with_capacity(seq.len());
            for (i, item) in seq.into_iter().enumerate() {
                out.push(yaml_to_json(item, &format!("{path}[{i}]"))?);
            }
            Value::Array(out)
        }
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(TemplateError::at(
                            path,
                            format!("mapping key must be a string, found {other:?}"),
                        ))
                    }
                };
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let value = yaml_to_json(v, &child)?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let inner = yaml_to_json(tagged.value, path)?;
            short_form(&name, inner, path)?
        }
    })
}

/// `!Name value` → the long form CloudFormation defines for it.
fn short_form(name: &str, inner: Value, path: &str) -> Result<Value, TemplateError> {
    let key = match name {
        "Ref" => "Ref".to_string(),
        "Condition" => "Condition".to_string(),
        "GetAtt" => {
            // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
            let v = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((a, b)) => Value::Array(vec![a.into(), b.into()]),
                    None => {
                        return Err(TemplateError::at(
                            path,
                            format!("!GetAtt '{s}' must be LogicalId.Attribute"),
                        ))
                    }
                },
                other => other,
            };
            return Ok(single("Fn::GetAtt", v));
        }
        "Sub" | "Join" | "Select" | "If" | "Equals" | "Not" | "And" | "Or" | "FindInMap"
        | "Base64" | "GetAZs" | "Split" | "ImportValue" | "Cidr" | "Length" | "ToJsonString"
        | "Transform" => format!("Fn::{name}"),
        other => {
            return Err(TemplateError::at(path, format!("unknown tag !{other}")));
        }
    };
    Ok(single(&key, inner))
}

fn single(key: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), v);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let v = parse_template_text(
            "A: !Ref X\nB: !GetAtt Q.Arn\nC: !Sub 'x-${Y}'\nD: !Join [',', [a, b]]\n",
        )
        .unwrap();
        assert_eq!(v["A"], json!({"Ref": "X"}));
        assert_eq!(v["B"], json!({"Fn::GetAtt": ["Q", "Arn"]}));
        assert_eq!(v["C"], json!({"Fn::Sub": "x-${Y}"}));
        assert_eq!(v["D"], json!({"Fn::Join": [",", ["a", "b"]]}));
    }

    #[test]
    fn yaml_errors_name_line_and_column() {
        let e = parse_template_text("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.path.starts_with("line "), "{e}");
    }

    #[test]
    fn json_templates_parse() {
        let v = parse_template_text("{\"Resources\": {}}").unwrap();
        assert_eq!(v, json!({"Resources": {}}));
    }
}
