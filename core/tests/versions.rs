//! Lambda versions and aliases: `AWS::Lambda::Version` / `AWS::Lambda::Alias` and SAM
//! `AutoPublishAlias`, Invoke with a Qualifier (number, alias, qualified ARN), weighted
//! aliases (RoutingConfig), ExecutedVersion, per-version environments and log lines,
//! invocations by ExecutedVersion, and the version/alias API with AWS's errors.

use playground_core::Sim;
use serde_json::{json, Value};

const T: &str = r#"
Metadata: { Playground: { Seed: 9 } }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: pay
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async (e, ctx) => ({ v: process.env.AWS_LAMBDA_FUNCTION_VERSION, fv: ctx.functionVersion, arn: ctx.invokedFunctionArn });"
  V1: { Type: AWS::Lambda::Version, Properties: { FunctionName: !Ref Fn } }
  V2: { Type: AWS::Lambda::Version, Properties: { FunctionName: !Ref Fn } }
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      Name: live
      FunctionVersion: !GetAtt V1.Version
      RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: !GetAtt V2.Version, FunctionWeight: 0.25 }] }
  Refs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: refs
      Tags: [{ Key: v2, Value: !Ref V2 }, { Key: alias, Value: !Ref Live }]
"#;

fn invoke(
    sim: &mut Sim,
    name: &str,
    qualifier: Option<&str>,
) -> Result<serde_json::Value, playground_core::AwsError> {
    let mut p = json!({"FunctionName": name});
    if let Some(q) = qualifier {
        p["Qualifier"] = json!(q);
    }
    sim.call("console", "lambda:Invoke", p)
}

#[test]
fn qualifiers_pick_versions_and_aliases_split_traffic() {
    let mut sim = Sim::load(T).unwrap();
    let r = invoke(&mut sim, "pay", Some("2")).unwrap();
    assert_eq!(r["ExecutedVersion"], "2");
    let out: serde_json::Value = serde_json::from_str(r["Payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        out,
        json!({"v": "2", "fv": "2", "arn": "arn:aws:lambda:us-east-1:123456789012:function:pay:2"})
    );
    let r = invoke(
        &mut sim,
        "arn:aws:lambda:us-east-1:123456789012:function:pay",
        None,
    )
    .unwrap();
    assert_eq!(r["ExecutedVersion"], "$LATEST");
    let mut twos = 0;
    for _ in 0..400 {
        let r = invoke(
            &mut sim,
            "arn:aws:lambda:us-east-1:123456789012:function:pay:live",
            None,
        )
        .unwrap();
        match r["ExecutedVersion"].as_str().unwrap() {
            "2" => twos += 1,
            v => assert_eq!(v, "1"),
        }
    }
    assert!(
        (70..=130).contains(&twos),
        "about 25% of 400 go to version 2, got {twos}"
    );
    let report = sim.report();
    let by = &report["resources"]["Fn"]["executed_versions"];
    assert_eq!(by["$LATEST"], 1);
    assert_eq!(by["2"].as_u64().unwrap(), twos + 1);
    let logs = report["resources"]["Fn"]["logs"].to_string();
    assert!(
        logs.contains("Version: 1")
            && logs.contains("Version: 2")
            && logs.contains("Version: $LATEST")
    );
    // Refs: a version's ARN ends with its number, an alias's with its name.
    let model = playground_core::template::load(T).unwrap();
    let q = model.resource("Refs").unwrap();
    assert_eq!(
        q.properties["Tags"][0]["Value"],
        "arn:aws:lambda:us-east-1:123456789012:function:pay:2"
    );
    assert_eq!(
        q.properties["Tags"][1]["Value"],
        "arn:aws:lambda:us-east-1:123456789012:function:pay:live"
    );
}

#[test]
fn unknown_qualifiers_and_the_alias_api() {
    let mut sim = Sim::load(T).unwrap();
    let e = invoke(&mut sim, "pay", Some("7")).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:pay:7"
        )
    );
    let v = sim
        .call(
            "console",
            "lambda:PublishVersion",
            json!({"FunctionName": "pay"}),
        )
        .unwrap();
    assert_eq!(v["Version"], "3");
    assert_eq!(
        v["FunctionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:pay:3"
    );
    let e = sim
        .call(
            "console",
            "lambda:CreateAlias",
            json!({"FunctionName": "pay", "Name": "live", "FunctionVersion": "3"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ResourceConflictException");
    let a = sim
        .call("console", "lambda:UpdateAlias", json!({"FunctionName": "pay", "Name": "live", "FunctionVersion": "3", "RoutingConfig": {"AdditionalVersionWeights": {}}}))
        .unwrap();
    assert_eq!(a["FunctionVersion"], "3");
    assert_eq!(
        invoke(&mut sim, "pay", Some("live")).unwrap()["ExecutedVersion"],
        "3"
    );
    let list = sim
        .call(
            "console",
            "lambda:ListVersionsByFunction",
            json!({"FunctionName": "pay"}),
        )
        .unwrap();
    assert_eq!(list["Versions"].as_array().unwrap().len(), 4);
    let e = sim
        .call(
            "console",
            "lambda:CreateAlias",
            json!({"FunctionName": "pay", "Name": "x", "FunctionVersion": "9"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[test]
fn auto_publish_alias_and_mappings_on_an_alias() {
    let t = r#"
Resources:
  Q: { Type: AWS::SQS::Queue }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      AutoPublishAlias: live
      Policies: [{ SQSPollerPolicy: { QueueName: !GetAtt Q.QueueName } }]
      InlineCode: "exports.handler = async (e, ctx) => { console.log('RAN', ctx.functionVersion); };"
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Q.Arn
      FunctionName: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Worker}:live"
"#;
    let mut sim = Sim::load(t).unwrap();
    let q = sim.call("console", "sqs:ListQueues", json!({})).unwrap()["QueueUrls"][0].clone();
    sim.call(
        "console",
        "sqs:SendMessage",
        json!({"QueueUrl": q, "MessageBody": "x"}),
    )
    .unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let logs = sim.report()["resources"]["Worker"]["logs"].to_string();
    assert!(
        logs.contains("START RequestId:") && logs.contains("Version: 1") && logs.contains("RAN 1"),
        "{logs}"
    );
}

#[test]
fn provisioned_environments_have_no_cold_start_and_spill_over() {
    let t = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/examples/provisioned-concurrency.yaml"
    ))
    .unwrap();
    let mut sim = Sim::load(&t).unwrap();
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let r = sim.report();
    let inits = |id: &str| {
        r["resources"][id]["logs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l.as_str().unwrap().contains("Init Duration"))
            .count()
    };
    assert_eq!(inits("Cold"), 6);
    assert_eq!(inits("Warm"), 2, "only the spill-over started cold");
    let bad = t.replace(
        "ProvisionedConcurrentExecutions: 4",
        "ProvisionedConcurrentExecutions: 4\n      ReservedConcurrentExecutions: 2",
    );
    let e = Sim::load(&bad).err().unwrap().to_string();
    assert!(
        e.contains("ProvisionedConcurrentExecutions must be between 1 and 2"),
        "{e}"
    );
    let no_alias = t.replace("      AutoPublishAlias: live\n", "");
    assert!(Sim::load(&no_alias)
        .err()
        .unwrap()
        .to_string()
        .contains("needs AutoPublishAlias"));
}

#[test]
fn the_scaling_rate_limits_new_environments_per_function() {
    let t = r#"
Metadata: { Playground: { Account: { ConcurrentExecutions: 5000 } } }
Resources:
  Busy:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: busy
      Runtime: nodejs22.x
      Handler: index.handler
      Timeout: 60
      InlineCode: "exports.handler = () => new Promise((r) => setTimeout(r, 30000));"
"#;
    let mut sim = Sim::load(t).unwrap();
    let mut throttled = 0;
    sim.call(
        "console",
        "lambda:Invoke",
        json!({"FunctionName": "busy", "InvocationType": "Event"}),
    )
    .unwrap();
    // 1,200 asynchronous invocations at once: 1,000 environments start at once, the
    // rest wait for the bucket to refill at 100 per second.
    for i in 0..1_200 {
        sim.call("console", "lambda:Invoke", json!({"FunctionName": "busy", "InvocationType": "Event", "Payload": format!("{{\"i\":{i}}}")})).unwrap();
    }
    sim.run_until(500);
    let m = sim.report()["resources"]["Busy"]["metrics"].clone();
    throttled += m["Throttles"].as_u64().unwrap();
    assert!(
        throttled >= 199,
        "about 200 throttled by the scaling rate, got {throttled}"
    );
    assert!(m["ConcurrentExecutions"].as_u64().unwrap() <= 1_001, "{m}");
    sim.run_to_idle(playground_core::DEFAULT_CAP_MS);
    let m = sim.report()["resources"]["Busy"]["metrics"].clone();
    assert_eq!(
        m["Invocations"], 1_201,
        "the throttled events were retried and ran: {m}"
    );
}

/// The canary example with the new code's bug fixed or not: (deployment status, invocations
/// by version before and after the five minutes).
fn canary(fixed: bool) -> (Value, Value, Value) {
    let mut t = include_str!("../../public/examples/canary-deployment.yaml").to_string();
    if fixed {
        t = t.replace(
            "if (event.cart % 3 === 0) throw new Error(`cannot price cart ${event.cart}`);",
            "",
        );
    }
    let mut sim = Sim::load(&t).unwrap();
    sim.run_until(299_000);
    let before = sim.report()["resources"]["Checkout"]["executed_versions"].clone();
    sim.run_until(480_000);
    let r = sim.report()["resources"]["Checkout"].clone();
    (
        r["deployment"]["Status"].clone(),
        before,
        r["executed_versions"].clone(),
    )
}

#[test]
fn a_canary_deployment_shifts_traffic_and_rolls_back_on_its_alarm() {
    // SAM "Deploying serverless applications gradually": Canary10Percent5Minutes sends
    // 10% to the new version, then all of it after five minutes, unless an alarm fires.
    let (status, before, after) = canary(true);
    assert_eq!(status, "Succeeded");
    let (v1, v2) = (before["1"].as_u64().unwrap(), before["2"].as_u64().unwrap());
    assert!(v2 > 0 && v2 * 4 < v1, "about 10% on version 2: {before}");
    assert_eq!(
        after["1"], before["1"],
        "after five minutes all traffic is on version 2: {after}"
    );
    // With the bug the alarm fires in the first minute and the alias goes back.
    let (status, _, after) = canary(false);
    assert_eq!(status, "Stopped");
    assert!(after["2"].as_u64().unwrap() < 20, "{after}");
}

#[test]
fn deployment_preference_needs_a_known_type_and_an_errors_alarm() {
    let t = include_str!("../../public/examples/canary-deployment.yaml");
    let e = Sim::load(&t.replace("Canary10Percent5Minutes", "Fast"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("DeploymentPreference.Type") && e.contains("predefined configuration"),
        "{e}"
    );
    let e = Sim::load(&t.replace("MetricName: Errors", "MetricName: Throttles"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("Errors metric"), "{e}");
    // Without PreviousCode it is the first deployment: the alias is on the new version.
    let first = t.replace(
        "    Metadata:\n      Playground:\n        # The code of the version being replaced (the previous deployment).\n        PreviousCode: |\n          exports.handler = async (event) => ({ cart: event.cart, total: 42 });\n",
        "",
    );
    let mut sim = Sim::load(&first).unwrap();
    sim.run_until(10_000);
    let r = sim.report()["resources"]["Checkout"].clone();
    assert!(r["deployment"].is_null());
    assert_eq!(
        r["executed_versions"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["1"]
    );
}

#[test]
fn each_deployment_alarm_counts_the_errors_of_its_own_period() {
    // A lenient alarm listed first must not hide the errors from the strict one.
    let t = include_str!("../../public/examples/canary-deployment.yaml")
        .replace(
            "        Alarms:\n          - !Ref CheckoutErrors\n",
            "        Alarms:\n          - !Ref Lenient\n          - !Ref CheckoutErrors\n",
        )
        .replace(
            "  CheckoutErrors:\n",
            "  Lenient:\n    Type: AWS::CloudWatch::Alarm\n    Properties: { Namespace: AWS/Lambda, MetricName: Errors, Statistic: Sum, Period: 60, EvaluationPeriods: 1, Threshold: 100, ComparisonOperator: GreaterThanThreshold }\n  CheckoutErrors:\n",
        );
    assert!(t.contains("!Ref Lenient"));
    let mut sim = Sim::load(&t).unwrap();
    sim.run_until(480_000);
    assert_eq!(
        sim.report()["resources"]["Checkout"]["deployment"]["Status"],
        "Stopped"
    );
}

/// The fixed canary example with lifecycle hooks: `pre` and `post` are the hooks'
/// handler bodies (they get `event` and `cd`, a CodeDeploy client, and report through
/// `report(status)`).
fn with_hooks(pre_name: &str, pre: &str, post: &str, allow: bool) -> String {
    let policy = if allow {
        "      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: codedeploy:PutLifecycleEventHookExecutionStatus\n              Resource: !Sub 'arn:aws:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${ServerlessDeploymentApplication}/*'\n            - Effect: Allow\n              Action: lambda:InvokeFunction\n              Resource: '*'\n"
    } else {
        ""
    };
    let hook = |logical: &str, name: &str, body: &str| {
        format!(
            "  {logical}:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: {name}\n      Runtime: nodejs22.x\n      Handler: index.handler\n{policy}      InlineCode: |\n        const {{ CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand }} = require('@aws-sdk/client-codedeploy');\n        const cd = new CodeDeployClient({{}});\n        exports.handler = async (event) => {{\n          const report = (status) => cd.send(new PutLifecycleEventHookExecutionStatusCommand({{ deploymentId: event.DeploymentId, lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status }}));\n          {body}\n        }};\n"
        )
    };
    include_str!("../../public/examples/canary-deployment.yaml")
        .replace(
            "if (event.cart % 3 === 0) throw new Error(`cannot price cart ${event.cart}`);",
            "",
        )
        .replace(
            "        Alarms:\n          - !Ref CheckoutErrors\n",
            "        Alarms:\n          - !Ref CheckoutErrors\n        Hooks:\n          PreTraffic: !Ref PreHook\n          PostTraffic: !Ref PostHook\n",
        )
        + &hook("PreHook", pre_name, pre)
        + &hook("PostHook", "CodeDeployHook_post", post)
}

fn deployment(t: &str, until_ms: u64) -> (Value, Value) {
    let mut sim = Sim::load(t).unwrap_or_else(|e| panic!("{e}"));
    sim.run_until(until_ms);
    let r = sim.report()["resources"]["Checkout"].clone();
    let trace: Vec<String> = sim
        .trace()
        .iter()
        .filter(|e| e.from == "codedeploy")
        .map(|e| e.summary.clone())
        .collect();
    (r["deployment"].clone(), json!(trace))
}

#[test]
fn lifecycle_hooks_gate_the_traffic_shift() {
    // The CodeDeploy user guide's Lambda hooks: BeforeAllowTraffic before any shift,
    // AfterAllowTraffic once it is complete; each reports through
    // PutLifecycleEventHookExecutionStatus.
    let t = with_hooks(
        "CodeDeployHook_pre",
        "await report('Succeeded');",
        "await report('Succeeded');",
        true,
    );
    let (d, trace) = deployment(&t, 480_000);
    assert_eq!(d["Status"], "Succeeded", "{trace:#}");
    let trace = trace.to_string();
    for step in [
        "BeforeAllowTraffic hook of Checkout's deployment d-",
        "live sends 10% to version 2",
        "live sends 100% to version 2; AfterAllowTraffic next",
        "AfterAllowTraffic hook",
        "succeeded, live → version 2 (100%)",
    ] {
        assert!(trace.contains(step), "{step}: {trace}");
    }
    // A failing AfterAllowTraffic hook rolls the alias back after the shift.
    let t = with_hooks(
        "CodeDeployHook_pre",
        "await report('Succeeded');",
        "await report('Failed');",
        true,
    );
    let (d, trace) = deployment(&t, 480_000);
    assert_eq!(d["Status"], "Failed");
    assert!(
        trace
            .to_string()
            .contains("AfterAllowTraffic hook reported Failed; live rolled back to version 1"),
        "{trace}"
    );
}

#[test]
fn a_hook_that_cannot_run_or_report_fails_the_deployment() {
    // SAM's CodeDeploy role may invoke only CodeDeployHook_* functions.
    let t = with_hooks("pre-check", "await report('Succeeded');", "", true);
    let (d, trace) = deployment(&t, 10_000);
    assert_eq!(d["Status"], "Failed");
    assert!(
        trace
            .to_string()
            .contains("may invoke only functions named CodeDeployHook_*"),
        "{trace}"
    );
    // A hook whose role may not report waits out CodeDeploy's hour; no traffic moved.
    let t = with_hooks(
        "CodeDeployHook_pre",
        "try { await report('Succeeded'); } catch (e) { console.log(e.name); }",
        "",
        false,
    );
    let mut sim = Sim::load(&t).unwrap();
    sim.run_until(3_500_000);
    assert_eq!(
        sim.report()["resources"]["Checkout"]["deployment"]["Status"],
        "InProgress"
    );
    let logs = sim.report()["resources"]["PreHook"]["logs"].to_string();
    assert!(logs.contains("AccessDeniedException"), "{logs}");
    sim.run_until(3_700_000);
    let r = sim.report()["resources"]["Checkout"].clone();
    assert_eq!(r["deployment"]["Status"], "Failed");
    assert!(
        r["executed_versions"].get("2").is_none(),
        "{}",
        r["executed_versions"]
    );
}
