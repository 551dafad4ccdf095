//! Lambda's management API as AWS answers it: UpdateFunctionConfiguration (limits,
//! reserved variables, new environments pick the change up) and the reserved
//! concurrency actions (the unreserved minimum of 100; 0 stops the function).

use playground_core::Sim;
use serde_json::json;

const T: &str = r#"
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: f
      Runtime: nodejs22.x
      Handler: index.handler
      Timeout: 3
      Environment: { Variables: { COLOUR: red } }
      InlineCode: |
        exports.handler = async (e) => {
          if (e.wait) await new Promise((r) => setTimeout(r, e.wait));
          return process.env.COLOUR;
        };
"#;

fn invoke(sim: &mut Sim, payload: serde_json::Value) -> serde_json::Value {
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "f", "Payload": payload.to_string()}),
    )
    .unwrap_or_else(|e| json!({"error": e.code}))
}

#[test]
fn update_function_configuration_checks_and_applies() {
    let mut sim = Sim::load(T).unwrap();
    assert_eq!(invoke(&mut sim, json!({}))["Payload"], "\"red\"");
    let e = sim
        .call(
            "console",
            "lambda:UpdateFunctionConfiguration",
            json!({"FunctionName": "f", "Timeout": 1000}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValueException");
    let e = sim
        .call(
            "console",
            "lambda:UpdateFunctionConfiguration",
            json!({"FunctionName": "f", "Environment": {"Variables": {"AWS_REGION": "x"}}}),
        )
        .unwrap_err();
    assert!(
        e.message
            .contains("Reserved keys used in this request: AWS_REGION"),
        "{}",
        e.message
    );
    let e = sim
        .call(
            "console",
            "lambda:UpdateFunctionConfiguration",
            json!({"FunctionName": "nope", "Timeout": 5}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");

    let out = sim
        .call("console", "lambda:UpdateFunctionConfiguration", json!({"FunctionName": "f", "Timeout": 1, "Environment": {"Variables": {"COLOUR": "blue"}}}))
        .unwrap();
    assert_eq!(out["Timeout"], 1);
    assert_eq!(out["LastUpdateStatus"], "Successful");
    // A new environment: the new variable, and the new timeout.
    assert_eq!(invoke(&mut sim, json!({}))["Payload"], "\"blue\"");
    let late = invoke(&mut sim, json!({"wait": 1500}));
    assert_eq!(late["FunctionError"], "Unhandled");
    assert!(
        late["Payload"]
            .as_str()
            .unwrap()
            .contains("Task timed out after 1.00 seconds"),
        "{late}"
    );
}

#[test]
fn reserved_concurrency_actions() {
    let mut sim = Sim::load(T).unwrap();
    assert_eq!(
        sim.call(
            "console",
            "lambda:GetFunctionConcurrency",
            json!({"FunctionName": "f"})
        )
        .unwrap(),
        json!({})
    );
    let e = sim
        .call(
            "console",
            "lambda:PutFunctionConcurrency",
            json!({"FunctionName": "f", "ReservedConcurrentExecutions": 950}),
        )
        .unwrap_err();
    assert!(
        e.message.contains("below its minimum value of [100]"),
        "{}",
        e.message
    );
    sim.call(
        "console",
        "lambda:PutFunctionConcurrency",
        json!({"FunctionName": "f", "ReservedConcurrentExecutions": 0}),
    )
    .unwrap();
    assert_eq!(
        invoke(&mut sim, json!({}))["error"],
        "TooManyRequestsException"
    );
    sim.call(
        "console",
        "lambda:DeleteFunctionConcurrency",
        json!({"FunctionName": "f"}),
    )
    .unwrap();
    assert_eq!(invoke(&mut sim, json!({}))["Payload"], "\"red\"");
}
