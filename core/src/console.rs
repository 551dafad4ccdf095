//! The API console's command language: an AWS CLI command (`aws sqs send-message
//! --queue-url URL --message-body hi`) or the engine's own form (`sqs:SendMessage
//! {"QueueUrl": "…"}`), read into a `service:Action` and its request. CLI names become
//! the API's: `send-message` → `SendMessage`, `--queue-url` → `QueueUrl` (camelCase
//! `stateMachineArn` for Step Functions, whose wire protocol uses it). Quoting follows
//! the shell: single quotes keep text as it is, double quotes allow `\"`.

use serde_json::{Map, Value};

/// CLI service names → the engine's service prefix, and whether its fields are camelCase.
fn service(cli: &str) -> Option<(&'static str, bool)> {
    Some(match cli {
        "sqs" => ("sqs", false),
        "sns" => ("sns", false),
        "lambda" => ("lambda", false),
        "stepfunctions" | "sfn" | "states" => ("states", true),
        "events" => ("events", false),
        "dynamodb" => ("dynamodb", false),
        "s3api" => ("s3", false),
        "kinesis" => ("kinesis", false),
        "firehose" => ("firehose", false),
        _ => return None,
    })
}

/// Parameters whose value is a string even when it looks like JSON (bodies, payloads,
/// execution input and output).
const TEXT_PARAMS: &[&str] = &[
    "message-body",
    "message",
    "payload",
    "input",
    "output",
    "definition",
    "cause",
    "error",
    "subject",
];

fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("a single quote is not closed".into()),
                    }
                }
            }
            '"' => {
                has = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x)
                            }
                            None => return Err("a double quote is not closed".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("a double quote is not closed".into()),
                    }
                }
            }
            '\\' => {
                has = true;
                if let Some(x) = chars.next() {
                    cur.push(x);
                }
            }
            c if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        out.push(cur);
    }
    Ok(out)
}

fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Reads one console line into `(service:Action, request)`.
pub fn parse(line: &str) -> Result<(String, Value), String> {
    let line = line.trim();
    if line.is_empty() {
        return Err("type a command, e.g. aws sqs list-queues".into());
    }
    if !line.starts_with("aws ") {
        // The engine's own form: service:Action followed by a JSON request.
        let (action, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if !action.contains(':') {
            return Err(format!(
                "'{action}' is neither an `aws …` command nor service:Action"
            ));
        }
        let params = if rest.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(rest.trim())
                .map_err(|e| format!("the request is not JSON: {e}"))?
        };
        return Ok((action.to_string(), params));
    }
    let w = words(line)?;
    let (Some(svc), Some(op)) = (w.get(1), w.get(2)) else {
        return Err("usage: aws SERVICE OPERATION [--param value …]".into());
    };
    let (prefix, camel) =
        service(svc).ok_or_else(|| format!("the playground has no service '{svc}'"))?;
    let mut params = Map::new();
    let mut i = 3;
    while i < w.len() {
        let Some(name) = w[i].strip_prefix("--") else {
            return Err(format!("expected --parameter, found '{}'", w[i]));
        };
        let field = |n: &str| {
            let p = pascal(n);
            if !camel {
                return p;
            }
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        let key = field(name);
        // A flag without a value (`--raw-message-delivery`) is true; `--no-x` is false.
        let next = w.get(i + 1).filter(|v| !v.starts_with("--"));
        let value = match next {
            None => {
                i += 1;
                if let Some(neg) = name.strip_prefix("no-") {
                    params.insert(field(neg), Value::Bool(false));
                    continue;
                }
                Value::Bool(true)
            }
            Some(v) => {
                i += 2;
                let looks_json = v.starts_with('{') || v.starts_with('[');
                if looks_json && !TEXT_PARAMS.contains(&name) {
                    serde_json::from_str(v).map_err(|e| format!("--{name}: not JSON: {e}"))?
                } else {
                    Value::String(v.clone())
                }
            }
        };
        params.insert(key, value);
    }
    Ok((format!("{prefix}:{}", pascal(op)), Value::Object(params)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cli_commands_become_api_requests() {
        let (a, p) =
            parse("aws sqs send-message --queue-url https://q/x --message-body '{\"a\": 1}'")
                .unwrap();
        assert_eq!(a, "sqs:SendMessage");
        assert_eq!(
            p,
            json!({"QueueUrl": "https://q/x", "MessageBody": "{\"a\": 1}"})
        );
        let (a, p) = parse("aws stepfunctions start-execution --state-machine-arn arn:x --input \"{\\\"n\\\": 2}\"").unwrap();
        assert_eq!(a, "states:StartExecution");
        assert_eq!(
            p,
            json!({"stateMachineArn": "arn:x", "input": "{\"n\": 2}"})
        );
        let (_, p) = parse("aws sns publish --topic-arn t --message hi --message-attributes '{\"k\": {\"DataType\": \"String\", \"StringValue\": \"v\"}}'").unwrap();
        assert_eq!(p["MessageAttributes"]["k"]["StringValue"], "v");
        let (a, p) = parse("aws sqs list-queues").unwrap();
        assert_eq!((a.as_str(), p), ("sqs:ListQueues", json!({})));
    }

    #[test]
    fn the_engine_form_and_errors() {
        let (a, p) = parse("lambda:Invoke {\"FunctionName\": \"f\"}").unwrap();
        assert_eq!(
            (a.as_str(), p),
            ("lambda:Invoke", json!({"FunctionName": "f"}))
        );
        assert!(parse("aws nosuch thing")
            .unwrap_err()
            .contains("no service"));
        assert!(parse("aws sqs send-message --queue-url 'open").is_err());
        assert!(parse("hello").is_err());
    }
}
