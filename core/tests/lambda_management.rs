//! Lambda's management API as AWS answers it: UpdateFunctionConfiguration (limits,
//! reserved variables, new environments pick the change up), the reserved concurrency
//! actions (the unreserved minimum of 100; 0 stops the function), CreateFunction
//! (a .zip package, Pending then Active, the errors Lambda gives), DeleteFunction and
//! the account's code storage (CodeStorageExceededException).

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

fn create(
    sim: &mut Sim,
    name: &str,
    code: &str,
    extra: serde_json::Value,
) -> Result<serde_json::Value, playground_core::error::AwsError> {
    let zip = playground_core::zip::write(&[("app.js", code)], true);
    let mut p = json!({
        "FunctionName": name,
        "Runtime": "nodejs22.x",
        "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/lambda-role",
        "Code": {"ZipFile": playground_core::util::base64_encode(&zip)},
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    sim.call("console", "lambda:CreateFunction", p)
}

#[test]
fn create_function_from_a_zip_pending_then_active() {
    let mut sim = Sim::load(T).unwrap();
    let cfg = create(
        &mut sim,
        "made",
        "exports.handler = async (e) => `made ${e.n}`;",
        json!({"Timeout": 10, "Environment": {"Variables": {"A": "1"}}}),
    )
    .unwrap();
    assert_eq!(cfg["State"], "Pending");
    assert_eq!(cfg["StateReasonCode"], "Creating");
    assert_eq!(cfg["Timeout"], 10);
    assert_eq!(cfg["Role"], "arn:aws:iam::123456789012:role/lambda-role");
    let call = |sim: &mut Sim| {
        sim.call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "made", "Payload": "{\"n\": 7}"}),
        )
    };
    let e = call(&mut sim).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.status),
        ("ResourceConflictException", 409)
    );
    assert!(e.message.ends_with("in the following state: Pending"));
    sim.run_until(1_000);
    assert_eq!(call(&mut sim).unwrap()["Payload"], "\"made 7\"");
    // The name is taken now.
    let e = create(&mut sim, "made", "exports.handler = 1", json!({})).unwrap_err();
    assert_eq!(e.code, "ResourceConflictException");
    assert_eq!(e.message, "Function already exist: made");
    let listed = sim
        .call("console", "lambda:ListFunctions", json!({}))
        .unwrap();
    assert_eq!(listed["Functions"].as_array().unwrap().len(), 2);
}

#[test]
fn create_function_refuses_what_lambda_refuses() {
    let mut sim = Sim::load(T).unwrap();
    let code = |r: Result<serde_json::Value, playground_core::error::AwsError>| {
        let e = r.unwrap_err();
        (e.code, e.message)
    };
    let (c, m) = code(create(&mut sim, "a", "x", json!({"Timeout": 1000})));
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("between 1 and 900"), "{m}");
    let (c, _) = code(create(&mut sim, "a", "x", json!({"Runtime": "python3.12"})));
    assert_eq!(c, "InvalidParameterValueException");
    let (c, _) = code(create(&mut sim, "bad name!", "x", json!({})));
    assert_eq!(c, "ValidationException");
    let (c, _) = code(create(&mut sim, "a", "x", json!({"Role": "lambda-role"})));
    assert_eq!(c, "ValidationException");
    let (c, m) = code(create(
        &mut sim,
        "a",
        "x",
        json!({"Code": {"ZipFile": "aGVsbG8="}}),
    ));
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.starts_with("Could not unzip uploaded file"), "{m}");
    let (c, m) = code(create(
        &mut sim,
        "a",
        "x",
        json!({"Handler": "main.handler"}),
    ));
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("no main.js"), "{m}");
    let big = "x".repeat(4100);
    let (c, m) = code(create(
        &mut sim,
        "a",
        "x",
        json!({"Environment": {"Variables": {"BIG": big}}}),
    ));
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("exceeded the 4KB limit"), "{m}");
    let (c, _) = code(create(
        &mut sim,
        "a",
        "x",
        json!({"Environment": {"Variables": {"AWS_REGION": "x"}}}),
    ));
    assert_eq!(c, "InvalidParameterValueException");
}

#[test]
fn code_storage_counts_every_version_and_is_refused_beyond_the_quota() {
    // The template's function is 180 bytes or so; let the account store 600.
    let t = T.replace(
        "Resources:",
        "Metadata: { Playground: { Account: { CodeStorage: 600 } } }\nResources:",
    );
    let mut sim = Sim::load(&t).unwrap();
    let size = sim
        .call(
            "console",
            "lambda:GetFunction",
            json!({"FunctionName": "f"}),
        )
        .unwrap()["Configuration"]["CodeSize"]
        .as_u64()
        .unwrap();
    assert!(size > 100 && size < 300, "{size}");
    // Each published version stores a copy until the quota is reached.
    let mut published = 0;
    let err = loop {
        match sim.call(
            "console",
            "lambda:PublishVersion",
            json!({"FunctionName": "f"}),
        ) {
            Ok(_) => published += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(published as u64, 600 / size - 1);
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "CodeStorageExceededException",
            "Code storage limit exceeded."
        )
    );
    let e = create(&mut sim, "more", &"x".repeat(300), json!({})).unwrap_err();
    assert_eq!(e.code, "CodeStorageExceededException");
    // Deleting a version frees its copy.
    sim.call(
        "console",
        "lambda:DeleteFunction",
        json!({"FunctionName": "f", "Qualifier": "1"}),
    )
    .unwrap();
    sim.call(
        "console",
        "lambda:PublishVersion",
        json!({"FunctionName": "f"}),
    )
    .unwrap();
    // A template whose code alone is beyond the quota does not deploy.
    let t = T.replace(
        "Resources:",
        "Metadata: { Playground: { Account: { CodeStorage: 50 } } }\nResources:",
    );
    let e = Sim::load(&t).err().unwrap().to_string();
    assert!(
        e.starts_with("Resources.F: CodeStorageExceededException"),
        "{e}"
    );
}

#[test]
fn delete_function_and_versions() {
    let t = format!(
        "{T}  Q: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: q }} }}\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {{ EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F }}\n"
    )
    .replace("      Timeout: 3\n", "      Timeout: 3\n      Policies: [AWSLambdaSQSQueueExecutionRole]\n");
    let mut sim = Sim::load(&t).unwrap();
    for _ in 0..2 {
        sim.call(
            "console",
            "lambda:PublishVersion",
            json!({"FunctionName": "f"}),
        )
        .unwrap();
    }
    sim.call(
        "console",
        "lambda:CreateAlias",
        json!({"FunctionName": "f", "Name": "live", "FunctionVersion": "2"}),
    )
    .unwrap();
    let del = |sim: &mut Sim, q: Option<&str>| {
        let mut p = json!({"FunctionName": "f"});
        if let Some(q) = q {
            p["Qualifier"] = json!(q);
        }
        sim.call("console", "lambda:DeleteFunction", p)
    };
    let e = del(&mut sim, Some("2")).unwrap_err();
    assert_eq!(e.code, "ResourceConflictException");
    assert!(e.message.contains("live"), "{}", e.message);
    assert_eq!(
        del(&mut sim, Some("$LATEST")).unwrap_err().code,
        "InvalidParameterValueException"
    );
    del(&mut sim, Some("1")).unwrap();
    let e = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "f", "Qualifier": "1"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        del(&mut sim, Some("1")).unwrap_err().code,
        "ResourceNotFoundException"
    );
    // The whole function: gone for Invoke, its mapping stops polling.
    del(&mut sim, None).unwrap();
    let e = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "f"}))
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f"
        )
    );
    let url = sim
        .call("console", "sqs:GetQueueUrl", json!({"QueueName": "q"}))
        .unwrap()["QueueUrl"]
        .clone();
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": url, "MessageBody": "left"}),
    )
    .unwrap();
    sim.run_until(120_000);
    let r = sim.report();
    assert_eq!(r["resources"]["Q"]["messages"].as_array().unwrap().len(), 1);
    assert_eq!(r["resources"]["F"]["metrics"]["Invocations"], 0);
    // The name is free again.
    assert!(create(&mut sim, "f", "exports.handler = async () => 1;", json!({})).is_ok());
}
