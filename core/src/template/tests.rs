use super::*;
use serde_json::json;

const BASE: &str = r#"
Parameters:
  Stage: { Type: String, Default: prod, AllowedValues: [dev, prod] }
  Size: { Type: Number, Default: 256 }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${AWS::StackName}-inbox-${Stage}'
  Dlq:
    Type: AWS::SQS::Queue
  DevOnly:
    Type: AWS::SQS::Queue
    Condition: IsDev
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => 1;"
      MemorySize: !Ref Size
      Environment:
        Variables:
          QUEUE_URL: !Ref Inbox
          QUEUE_ARN: !GetAtt Inbox.Arn
          JOINED: !Join [':', [a, !Select [1, [x, y, z]]]]
          MODE: !If [IsProd, live, test]
          DROPPED: !If [IsDev, x, !Ref AWS::NoValue]
          SUBLIST: !Sub ['${A}-${Dlq.QueueName}', { A: !Ref Stage }]
          LITERAL: !Sub '${!NotResolved}'
  Later:
    Type: AWS::DynamoDB::Table
"#;

#[test]
fn resolves_intrinsics_parameters_and_conditions() {
    let m = load(BASE).unwrap();
    let ids: Vec<&str> = m.resources.iter().map(|r| r.logical_id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["Inbox", "Dlq", "Worker", "Later"],
        "DevOnly's condition is false"
    );
    assert_eq!(
        m.resource("Inbox").unwrap().physical_name,
        "playground-inbox-prod"
    );
    let vars = &m.resource("Worker").unwrap().properties["Environment"]["Variables"];
    assert_eq!(
        vars["QUEUE_URL"],
        json!("https://sqs.us-east-1.amazonaws.com/123456789012/playground-inbox-prod")
    );
    assert_eq!(
        vars["QUEUE_ARN"],
        json!("arn:aws:sqs:us-east-1:123456789012:playground-inbox-prod")
    );
    assert_eq!(vars["JOINED"], json!("a:y"));
    assert_eq!(vars["MODE"], json!("live"));
    assert!(
        vars.get("DROPPED").is_none(),
        "AWS::NoValue removes the key"
    );
    let dlq = &m.resource("Dlq").unwrap().physical_name;
    assert!(dlq.starts_with("playground-Dlq-"), "generated name: {dlq}");
    assert_eq!(vars["SUBLIST"], json!(format!("prod-{dlq}")));
    assert_eq!(vars["LITERAL"], json!("${NotResolved}"));
    assert_eq!(
        m.resource("Worker").unwrap().properties["MemorySize"],
        json!("256")
    );
    assert!(!m.resource("Later").unwrap().supported);
    assert!(m.warnings[0].contains("AWS::DynamoDB::Table is not supported yet"));
}

#[test]
fn unknown_getatt_names_the_template_path() {
    let t = r#"
Resources:
  Inbox: { Type: AWS::SQS::Queue }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Q:
          Type: SQS
          Properties:
            Queue: !GetAtt Inbx.Arn
"#;
    let e = load(t).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Resources.Worker.Properties.Events.Q.Properties.Queue: Fn::GetAtt refers to unknown resource 'Inbx'"
    );
}

#[test]
fn unknown_ref_and_bad_attribute_and_allowed_values() {
    let e = load("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nope\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Resources.A.Properties.QueueName: Ref refers to unknown resource or parameter 'Nope'"
    );
    let e = load("Resources:\n  A: { Type: AWS::SQS::Queue }\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.Color\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("AWS::SQS::Queue 'A' has no attribute 'Color'"),
        "{e}"
    );
    let e =
        load("Parameters:\n  P: { Type: String, Default: x, AllowedValues: [a] }\nResources: {}\n")
            .unwrap_err();
    assert_eq!(e.path, "Parameters.P.Default");
}

#[test]
fn globals_merge_into_functions() {
    let t = r#"
Globals:
  Function:
    Timeout: 9
    Environment: { Variables: { A: global, B: global } }
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { B: own } }
"#;
    let m = load(t).unwrap();
    let p = &m.resource("F").unwrap().properties;
    assert_eq!(p["Timeout"], json!(9));
    assert_eq!(
        p["Environment"]["Variables"],
        json!({"B": "own", "A": "global"})
    );
}

#[test]
fn json_templates_and_metadata() {
    let t = r#"{"Metadata": {"Playground": {"Seed": 42, "AccountId": "111122223333", "Region": "eu-west-1"}},
               "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}},
                             "F": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"U": {"Ref": "Q"}}}}}}}"#;
    let m = load(t).unwrap();
    assert_eq!(m.seed, 42);
    assert_eq!(
        m.resource("F").unwrap().properties["Environment"]["Variables"]["U"],
        json!("https://sqs.eu-west-1.amazonaws.com/111122223333/q")
    );
}
