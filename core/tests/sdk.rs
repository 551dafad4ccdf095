//! Handler code calling AWS through the SDK v3 shim: the same code as on AWS, backed by
//! the engine's API surface; each call takes virtual time and suspends the handler.

use playground_core::Sim;
use serde_json::{json, Value};

fn scenario(fn_code: &str, extra_resources: &str) -> Sim {
    let code = fn_code
        .lines()
        .map(|l| format!("        {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    let t = format!(
        "Resources:\n  Out:\n    Type: AWS::SQS::Queue\n    Properties: {{ QueueName: out }}\n{extra_resources}  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: fn\n      Runtime: nodejs22.x\n      Handler: index.handler\n      Timeout: 10\n      Policies: [AmazonSQSFullAccess, AWSLambdaRole]\n      Environment:\n        Variables:\n          OUT_URL: !Ref Out\n      InlineCode: |\n{code}\n"
    );
    Sim::load(&t).unwrap_or_else(|e| panic!("{e}\n{t}"))
}

fn invoke(sim: &mut Sim) -> Value {
    let r = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "Payload": "{}"}),
        )
        .unwrap();
    assert!(r.get("FunctionError").is_none(), "handler failed: {r}");
    serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap()
}

#[test]
fn commonjs_handler_sends_to_a_queue_through_the_sdk() {
    let mut sim = scenario(
        "const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');\n\
         const sqs = new SQSClient({});\n\
         exports.handler = async () => {\n\
           const t0 = Date.now();\n\
           const out = await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUT_URL, MessageBody: 'hello' }));\n\
           return { id: out.MessageId, status: out.$metadata.httpStatusCode, waited: Date.now() - t0 };\n\
         };",
        "",
    );
    let p = invoke(&mut sim);
    assert_eq!(p["status"], 200);
    assert_eq!(p["id"].as_str().unwrap().len(), 36);
    let waited = p["waited"].as_f64().unwrap();
    assert!(
        (3.0..=10.0).contains(&waited),
        "an SDK call takes virtual time: {waited} ms"
    );
    let q = &sim.report()["resources"]["Out"];
    assert_eq!(q["metrics"]["NumberOfMessagesSent"], 1);
    assert_eq!(q["messages"][0]["Body"], "hello");
    assert!(
        q["messages"][0]["Attributes"]["SenderId"]
            .as_str()
            .unwrap()
            .starts_with("AROA"),
        "sent by the function's role"
    );
}

#[test]
fn es_module_imports_work_the_same() {
    let mut sim = scenario(
        "import { SQSClient, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';\n\
         const sqs = new SQSClient({ region: 'us-east-1' });\n\
         export const handler = async () => {\n\
           const r = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: process.env.OUT_URL, AttributeNames: ['QueueArn'] }));\n\
           return r.Attributes.QueueArn;\n\
         };",
        "",
    );
    assert_eq!(
        invoke(&mut sim),
        json!("arn:aws:sqs:us-east-1:123456789012:out")
    );
}

#[test]
fn service_errors_are_thrown_as_the_sdk_throws_them() {
    let mut sim = scenario(
        "const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');\n\
         const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');\n\
         exports.handler = async () => {\n\
           const out = {};\n\
           try { await new SQSClient({}).send(new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/nope', MessageBody: 'x' })); }\n\
           catch (e) { out.sqs = { name: e.name, status: e.$metadata.httpStatusCode, fault: e.$fault, message: e.message }; }\n\
           try { await new DynamoDBClient({}).send(new PutItemCommand({ TableName: 't', Item: { id: { S: '1' } } })); }\n\
           catch (e) { out.ddb = { name: e.name, message: e.message }; }\n\
           return out;\n\
         };",
        "",
    );
    let p = invoke(&mut sim);
    assert_eq!(
        p["sqs"],
        json!({"name": "QueueDoesNotExist", "status": 400, "fault": "client", "message": "The specified queue does not exist."})
    );
    assert_eq!(p["ddb"]["name"], "UnsupportedOperation", "{p}");
    assert!(p["ddb"]["message"]
        .as_str()
        .unwrap()
        .contains("dynamodb:PutItem"));
}

#[test]
fn a_function_invokes_another_with_byte_payloads() {
    let callee = "  Callee:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: callee\n      Runtime: nodejs22.x\n      Handler: index.handler\n      InlineCode: \"exports.handler = async (e) => ({ doubled: e.n * 2 });\"\n";
    let mut sim = scenario(
        "const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');\n\
         const lambda = new LambdaClient({});\n\
         exports.handler = async () => {\n\
           const r = await lambda.send(new InvokeCommand({ FunctionName: 'callee', Payload: new TextEncoder().encode(JSON.stringify({ n: 21 })) }));\n\
           const viaBuffer = JSON.parse(Buffer.from(r.Payload).toString());\n\
           const viaDecoder = JSON.parse(new TextDecoder().decode(r.Payload));\n\
           return { status: r.StatusCode, isBytes: r.Payload instanceof Uint8Array, viaBuffer, viaDecoder };\n\
         };",
        callee,
    );
    let p = invoke(&mut sim);
    assert_eq!(
        p,
        json!({"status": 200, "isBytes": true, "viaBuffer": {"doubled": 42}, "viaDecoder": {"doubled": 42}})
    );
}

#[test]
fn node_globals_lambda_code_uses() {
    let mut sim = scenario(
        "const crypto = require('crypto');\n\
         exports.handler = async () => ({\n\
           b64: Buffer.from('héllo').toString('base64'),\n\
           back: Buffer.from('aMOpbGxv', 'base64').toString(),\n\
           hex: Buffer.from('AB').toString('hex'),\n\
           uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),\n\
           clone: structuredClone({ a: [1, { b: 2 }] }),\n\
           atob: atob(btoa('hi')),\n\
         });",
        "",
    );
    assert_eq!(
        invoke(&mut sim),
        json!({"b64": "aMOpbGxv", "back": "héllo", "hex": "4142", "uuid": true, "clone": {"a": [1, {"b": 2}]}, "atob": "hi"})
    );
}

#[test]
fn an_unknown_package_fails_like_node() {
    let mut sim = scenario(
        "const x = require('left-pad');\nexports.handler = async () => 1;",
        "",
    );
    let r = sim
        .call("console", "lambda:Invoke", json!({"FunctionName": "fn"}))
        .unwrap();
    let p: Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    // The Node.js runtime reports a module it cannot load during Init this way.
    assert_eq!(p["errorType"], "Runtime.ImportModuleError");
    assert!(
        p["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Error: Cannot find module 'left-pad'"),
        "{p}"
    );
}

#[test]
fn crypto_create_hash_matches_node() {
    // Digests computed with Python's hashlib for the same inputs.
    let mut sim = scenario(
        "const { createHash } = require('node:crypto');\n\
         exports.handler = async () => ({\n\
           sha256: createHash('sha256').update('hello').digest('hex'),\n\
           md5: createHash('md5').update('hel').update('lo').digest('hex'),\n\
           b64: createHash('sha256').update(Buffer.from('hello')).digest('base64'),\n\
         });",
        "",
    );
    assert_eq!(
        invoke(&mut sim),
        json!({
            "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            "md5": "5d41402abc4b2a76b9719d911017c592",
            "b64": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
        })
    );
}
