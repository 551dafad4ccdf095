//! IAM: the execution role a function or state machine acts with, built as SAM and
//! CloudFormation build it, and calls it does not allow failing as AWS fails them —
//! the service's error code, AWS's message naming the assumed role, action and resource,
//! and a hint naming the SAM policy template that grants it.

use playground_core::trace::TraceKind;
use playground_core::Sim;
use serde_json::{json, Value};

/// A function `fn` that sends one message to queue `out` and reports what happened.
fn sender(policies: &str, extra: &str) -> String {
    format!(
        r#"
Resources:
  Out: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: out }} }}
  Alerts: {{ Type: AWS::SNS::Topic, Properties: {{ TopicName: alerts }} }}
{extra}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: fn
      Runtime: nodejs22.x
      Handler: index.handler
{policies}
      Environment: {{ Variables: {{ OUT: !Ref Out, ALERTS: !Ref Alerts }} }}
      InlineCode: |
        const {{ SQSClient, SendMessageCommand }} = require('@aws-sdk/client-sqs');
        const {{ SNSClient, PublishCommand }} = require('@aws-sdk/client-sns');
        exports.handler = async () => {{
          const out = {{}};
          try {{ await new SQSClient({{}}).send(new SendMessageCommand({{ QueueUrl: process.env.OUT, MessageBody: 'x' }})); out.sqs = 'sent'; }}
          catch (e) {{ out.sqs = {{ name: e.name, status: e.$metadata.httpStatusCode, message: e.message }}; }}
          try {{ await new SNSClient({{}}).send(new PublishCommand({{ TopicArn: process.env.ALERTS, Message: 'x' }})); out.sns = 'sent'; }}
          catch (e) {{ out.sns = {{ name: e.name, message: e.message }}; }}
          return out;
        }};
"#
    )
}

fn invoke(sim: &mut Sim) -> Value {
    let r = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "Payload": "{}"}),
        )
        .unwrap();
    serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap()
}

#[test]
fn a_sam_function_without_policies_may_only_write_logs() {
    let mut sim = Sim::load(&sender("", "")).unwrap();
    let out = invoke(&mut sim);
    assert_eq!(out["sqs"]["name"], "AccessDenied");
    assert_eq!(out["sqs"]["status"], 403);
    assert_eq!(
        out["sqs"]["message"],
        "User: arn:aws:sts::123456789012:assumed-role/playground-FnRole-"
            .to_string()
            + &role_suffix(&out["sqs"]["message"])
            + "/fn is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:out because no identity-based policy allows the sqs:SendMessage action"
    );
    // SNS names the error AuthorizationError and writes the action as SNS:Publish.
    assert_eq!(out["sns"]["name"], "AuthorizationError");
    assert!(out["sns"]["message"]
        .as_str()
        .unwrap()
        .contains("is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:alerts because no identity-based policy allows the SNS:Publish action"));
    // Nothing reached the queue; the trace says which policy template grants the call.
    assert_eq!(
        sim.report()["resources"]["Out"]["metrics"]["NumberOfMessagesSent"],
        0
    );
    let hints: Vec<&str> = sim
        .trace()
        .iter()
        .filter(|e| e.kind == TraceKind::Failure)
        .filter_map(|e| e.detail["hint"].as_str())
        .collect();
    assert_eq!(hints.len(), 2, "{hints:?}");
    assert!(
        hints[0].contains("SQSSendMessagePolicy: { QueueName: !GetAtt Out.QueueName } grants sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:out: add it to the Policies of Fn."),
        "{}",
        hints[0]
    );
    assert!(
        hints[1].contains("SNSPublishMessagePolicy: { TopicName: !GetAtt Alerts.TopicName }"),
        "{}",
        hints[1]
    );
}

fn role_suffix(message: &Value) -> String {
    let m = message.as_str().unwrap();
    let start = m.find("FnRole-").unwrap() + "FnRole-".len();
    m[start..start + 12].to_string()
}

#[test]
fn policy_templates_managed_policies_and_inline_statements_grant() {
    // A policy template for the queue, an inline statement for the topic.
    let p = "      Policies:\n        - SQSSendMessagePolicy: { QueueName: !GetAtt Out.QueueName }\n        - Statement:\n            - Effect: Allow\n              Action: sns:Publish\n              Resource: !Ref Alerts";
    let mut sim = Sim::load(&sender(p, "")).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    // A managed policy by name grants the whole service.
    let p = "      Policies: [AmazonSQSFullAccess]";
    let mut sim = Sim::load(&sender(p, "")).unwrap();
    let out = invoke(&mut sim);
    assert_eq!(out["sqs"], "sent");
    assert_eq!(out["sns"]["name"], "AuthorizationError");
    // The template's parameter scopes it: another queue's name grants nothing here.
    let p = "      Policies: [{ SQSSendMessagePolicy: { QueueName: other } }]";
    let mut sim = Sim::load(&sender(p, "")).unwrap();
    assert_eq!(invoke(&mut sim)["sqs"]["name"], "AccessDenied");
}

#[test]
fn an_explicit_deny_wins_over_an_allow() {
    let p = "      Policies:\n        - AmazonSQSFullAccess\n        - Statement:\n            - Effect: Deny\n              Action: sqs:Send*\n              Resource: '*'";
    let mut sim = Sim::load(&sender(p, "")).unwrap();
    let out = invoke(&mut sim);
    assert!(out["sqs"]["message"]
        .as_str()
        .unwrap()
        .ends_with("with an explicit deny in an identity-based policy"));
}

#[test]
fn a_role_resource_with_inline_and_attached_policies() {
    let roles = r#"
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: sender-role
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
      Policies:
        - PolicyName: send
          PolicyDocument:
            Statement: { Effect: Allow, Action: [sqs:SendMessage], Resource: !GetAtt Out.Arn }
  Publish:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: publish
      Roles: [!Ref FnRole]
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: sns:Publish, Resource: '*' }]
"#;
    let mut sim = Sim::load(&sender("      Role: !GetAtt FnRole.Arn", roles)).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    // Without the attached policy the publish is refused, naming the role the template gave.
    let roles = roles.split("  Publish:").next().unwrap();
    let mut sim = Sim::load(&sender("      Role: !GetAtt FnRole.Arn", roles)).unwrap();
    let msg = invoke(&mut sim)["sns"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.starts_with("User: arn:aws:sts::123456789012:assumed-role/sender-role/fn "),
        "{msg}"
    );
    // No warning: IAM resources are run, not merely drawn.
    assert!(
        sim.model().warnings.is_empty(),
        "{:?}",
        sim.model().warnings
    );
}

#[test]
fn a_role_from_outside_the_template_is_not_checked_and_says_so() {
    let t = sender(
        "      Role: arn:aws:iam::123456789012:role/made-elsewhere",
        "",
    );
    let mut sim = Sim::load(&t).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    assert!(sim
        .model()
        .warnings
        .iter()
        .any(|w| w.contains("made-elsewhere is not defined in this template")));
}

#[test]
fn enforcement_can_be_switched_off() {
    let t = format!(
        "Metadata: {{ Playground: {{ Iam: off }} }}\n{}",
        sender("", "")
    );
    let mut sim = Sim::load(&t).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
}

#[test]
fn a_mapping_needs_the_rights_to_poll_its_queue() {
    let t = |policies: &str| {
        format!(
            r#"
Resources:
  Q: {{ Type: AWS::SQS::Queue }}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
{policies}
      InlineCode: "exports.handler = async () => {{}};"
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{ EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref Worker }}
"#
        )
    };
    let e = Sim::load(&t("")).err().unwrap().to_string();
    assert!(
        e.starts_with("Resources.Mapping") && e.contains("InvalidParameterValueException: The provided execution role does not have permissions to call ReceiveMessage on SQS"),
        "{e}"
    );
    assert!(Sim::load(&t("      Policies: [AWSLambdaSQSQueueExecutionRole]")).is_ok());
    // A SAM SQS event brings its own rights (SAM adds the managed policy).
    let sam = t("").replace(
        "      InlineCode",
        "      Events: { Q: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } } }\n      InlineCode",
    );
    let sam = sam.split("  Mapping:").next().unwrap();
    assert!(Sim::load(sam).is_ok());
}

#[test]
fn destinations_need_the_role_unless_sam_adds_it() {
    // CloudFormation's EventInvokeConfig adds nothing to the role: the delivery fails and
    // DestinationDeliveryFailures counts it. SAM's typed destination adds the right.
    let t = |sam_typed: bool| {
        let config = if sam_typed {
            "      EventInvokeConfig:\n        DestinationConfig:\n          OnSuccess: { Type: SQS, Destination: !GetAtt Done.Arn }\n".to_string()
        } else {
            String::new()
        };
        let cfn = if sam_typed {
            ""
        } else {
            "  Config:\n    Type: AWS::Lambda::EventInvokeConfig\n    Properties:\n      FunctionName: !Ref Fn\n      Qualifier: $LATEST\n      DestinationConfig: { OnSuccess: { Destination: !GetAtt Done.Arn } }\n"
        };
        format!(
            "Resources:\n  Done: {{ Type: AWS::SQS::Queue, Properties: {{ QueueName: done }} }}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: fn\n      Runtime: nodejs22.x\n      Handler: index.handler\n{config}      InlineCode: \"exports.handler = async () => 'ok';\"\n{cfn}"
        )
    };
    for (typed, delivered, failures) in [(true, 1, 0), (false, 0, 1)] {
        let mut sim = Sim::load(&t(typed)).unwrap();
        sim.call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "fn", "InvocationType": "Event", "Payload": "{}"}),
        )
        .unwrap();
        sim.run_to_idle(3_600_000);
        let r = sim.report();
        assert_eq!(
            r["resources"]["Done"]["metrics"]["NumberOfMessagesSent"], delivered,
            "typed {typed}"
        );
        assert_eq!(
            r["resources"]["Fn"]["metrics"]["DestinationDeliveryFailures"], failures,
            "typed {typed}"
        );
    }
}

#[test]
fn a_state_machine_task_needs_its_role_to_allow_the_call() {
    let t = |policies: &str| {
        format!(
            r#"
Resources:
  Work:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => ({{ ok: true }});"
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: flow
{policies}
      Definition:
        StartAt: Work
        States:
          Work: {{ Type: Task, Resource: arn:aws:states:::lambda:invoke, Parameters: {{ FunctionName: !GetAtt Work.Arn }}, End: true }}
"#
        )
    };
    let run = |t: String| {
        let mut sim = Sim::load(&t).unwrap();
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:flow";
        let e = sim
            .call(
                "console",
                "states:StartExecution",
                json!({"stateMachineArn": arn}),
            )
            .unwrap();
        sim.run_to_idle(60_000);
        sim.call(
            "console",
            "states:DescribeExecution",
            json!({"executionArn": e["executionArn"]}),
        )
        .unwrap()
    };
    let failed = run(t(""));
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"], "Lambda.AccessDeniedException");
    assert!(failed["cause"]
        .as_str()
        .unwrap()
        .contains("is not authorized to perform: lambda:InvokeFunction"));
    let ok = run(t(
        "      Policies: [{ LambdaInvokePolicy: { FunctionName: !Ref Work } }]",
    ));
    assert_eq!(ok["status"], "SUCCEEDED", "{ok}");
}

#[test]
fn conditions_are_evaluated_against_the_request_context() {
    // Region, principal and virtual time: a grant that holds only in another region
    // grants nothing; one scoped to this function's ARN does; one that ends a minute
    // into the run stops granting then (aws:CurrentTime is virtual time).
    let grant = |cond: &str| {
        format!("      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: [sqs:SendMessage, sns:Publish]\n              Resource: '*'\n              Condition: {cond}")
    };
    let mut sim = Sim::load(&sender(
        &grant("{ StringEquals: { 'aws:RequestedRegion': eu-west-1 } }"),
        "",
    ))
    .unwrap();
    assert_eq!(invoke(&mut sim)["sqs"]["name"], "AccessDenied");
    let mut sim = Sim::load(&sender(
        &grant("{ ArnLike: { 'lambda:SourceFunctionArn': 'arn:aws:lambda:*:*:function:fn' }, Bool: { 'aws:SecureTransport': true } }"),
        "",
    ))
    .unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    let mut sim = Sim::load(&sender(
        &grant("{ DateLessThan: { 'aws:CurrentTime': '1970-01-01T00:01:00Z' } }"),
        "",
    ))
    .unwrap();
    assert_eq!(invoke(&mut sim)["sqs"], "sent");
    sim.run_until(90_000);
    assert_eq!(invoke(&mut sim)["sqs"]["name"], "AccessDenied");
}

#[test]
fn a_deny_with_a_negated_condition_and_bad_conditions() {
    // A Deny for principals outside an account: StringNotEquals holds (and denies)
    // only when the principal's account is another one.
    let p = "      Policies:\n        - AmazonSQSFullAccess\n        - AmazonSNSFullAccess\n        - Statement:\n            - Effect: Deny\n              Action: '*'\n              Resource: '*'\n              Condition: { StringNotEquals: { 'aws:PrincipalAccount': '123456789012' } }";
    let mut sim = Sim::load(&sender(p, "")).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    let p = p.replace("123456789012", "111111111111");
    let mut sim = Sim::load(&sender(&p, "")).unwrap();
    assert!(invoke(&mut sim)["sqs"]["message"]
        .as_str()
        .unwrap()
        .ends_with("with an explicit deny in an identity-based policy"));
    // An operator IAM does not know is refused where it is written.
    let bad = "      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: sqs:SendMessage\n              Resource: '*'\n              Condition: { StringEqual: { 'aws:RequestedRegion': us-east-1 } }";
    let e = Sim::load(&sender(bad, "")).err().unwrap().to_string();
    assert!(
        e.contains("Policies[0].Statement[0].Condition.StringEqual")
            && e.contains("Invalid Condition type : StringEqual"),
        "{e}"
    );
    // A key the playground never sets is absent, and the template is told so.
    let unknown = "      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: sqs:SendMessage\n              Resource: '*'\n              Condition: { StringEquals: { 'aws:SourceVpc': vpc-1 } }";
    let mut sim = Sim::load(&sender(unknown, "")).unwrap();
    assert_eq!(invoke(&mut sim)["sqs"]["name"], "AccessDenied");
    let warnings = sim.report()["warnings"].to_string();
    assert!(
        warnings.contains("Condition on aws:SourceVpc"),
        "{warnings}"
    );
}

#[test]
fn a_queue_policy_naming_the_role_allows_on_its_own_and_its_deny_wins() {
    // In one account, a resource-based policy that names the role is enough (IAM's
    // evaluation logic: the identity and resource policies are a union there).
    let extra = |effect: &str| {
        format!(
            r#"
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bare-role
      AssumeRolePolicyDocument:
        Statement: [{{ Effect: Allow, Principal: {{ Service: lambda.amazonaws.com }}, Action: sts:AssumeRole }}]
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement: [{{ Effect: Allow, Action: sns:Publish, Resource: '*' }}]
  OutPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Out]
      PolicyDocument:
        Statement:
          - Effect: {effect}
            Principal: {{ AWS: !GetAtt FnRole.Arn }}
            Action: sqs:SendMessage
            Resource: !GetAtt Out.Arn
"#
        )
    };
    let mut sim = Sim::load(&sender("      Role: !GetAtt FnRole.Arn", &extra("Allow"))).unwrap();
    assert_eq!(invoke(&mut sim), json!({"sqs": "sent", "sns": "sent"}));
    let mut sim = Sim::load(&sender("      Role: !GetAtt FnRole.Arn", &extra("Deny"))).unwrap();
    let msg = invoke(&mut sim)["sqs"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.ends_with("with an explicit deny in a resource-based policy"),
        "{msg}"
    );
}
