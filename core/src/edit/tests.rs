use super::text::{apply, path, Op};
use super::*;

const BASE: &str = "\
# My orders system (comment kept)
Transform: AWS::Serverless-2016-10-31
Resources:
  Inbox:
    Type: AWS::SQS::Queue   # the front door
    Properties:
      VisibilityTimeout: 10

  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async () => 'ok';
  Alerts: { Type: AWS::SNS::Topic }
";

fn load(t: &str) -> Model {
    template::load(t).unwrap_or_else(|e| panic!("{e}\n{t}"))
}

#[test]
fn set_inserts_into_a_block_and_keeps_everything_else() {
    let out = apply(
        BASE,
        &[Op::Set(
            path("Resources.Inbox.Properties.DelaySeconds"),
            json!(5),
        )],
    )
    .unwrap();
    assert!(
        out.contains("      VisibilityTimeout: 10\n      DelaySeconds: 5\n\n  Worker:"),
        "{out}"
    );
    assert!(out.starts_with("# My orders system (comment kept)\n"));
    assert!(out.contains("Type: AWS::SQS::Queue   # the front door"));
}

#[test]
fn set_replaces_a_value_in_place() {
    let out = apply(
        BASE,
        &[Op::Set(
            path("Resources.Inbox.Properties.VisibilityTimeout"),
            json!(60),
        )],
    )
    .unwrap();
    assert_eq!(
        out,
        BASE.replace("VisibilityTimeout: 10", "VisibilityTimeout: 60")
    );
}

#[test]
fn nested_values_use_short_form_tags_and_block_style() {
    let out = apply(
        BASE,
        &[Op::Set(
            path("Resources.Worker.Properties.Events.FromInbox"),
            json!({"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Inbox", "Arn"]}, "BatchSize": 10}}),
        )],
    )
    .unwrap();
    assert!(
        out.contains(
            "        exports.handler = async () => 'ok';\n      Events:\n        FromInbox:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Inbox.Arn\n            BatchSize: 10\n  Alerts:"
        ),
        "{out}"
    );
    load(&out);
}

#[test]
fn a_flow_style_resource_is_rewritten_in_block_style() {
    let out = apply(
        BASE,
        &[Op::Set(
            path("Resources.Alerts.Properties.TopicName"),
            json!("alerts"),
        )],
    )
    .unwrap();
    assert!(
        out.ends_with(
            "  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: alerts\n"
        ),
        "{out}"
    );
    assert_eq!(
        load(&out).resource("Alerts").unwrap().physical_name,
        "alerts"
    );
}

#[test]
fn remove_takes_the_key_and_an_emptied_parent() {
    let with = apply(
        BASE,
        &[Op::Set(
            path("Resources.Worker.Properties.Events.FromInbox"),
            json!({"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Inbox", "Arn"]}}}),
        )],
    )
    .unwrap();
    let without = apply(
        &with,
        &[Op::Remove(path(
            "Resources.Worker.Properties.Events.FromInbox",
        ))],
    )
    .unwrap();
    assert_eq!(without, BASE);
}

#[test]
fn lists_append_and_remove_items() {
    let t = "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n        - Id: a\n          Arn: x\n";
    let out = apply(
        t,
        &[Op::Append(
            path("Resources.R.Properties.Targets"),
            json!({"Id": "b", "Arn": "w"}),
        )],
    )
    .unwrap();
    assert_eq!(out, format!("{t}        - Id: b\n          Arn: w\n"));
    let out = apply(
        &out,
        &[Op::Remove(path("Resources.R.Properties.Targets[0]"))],
    )
    .unwrap();
    assert_eq!(out, "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n        - Id: b\n          Arn: w\n");
    let out = apply(
        &out,
        &[Op::Remove(path("Resources.R.Properties.Targets[0]"))],
    )
    .unwrap();
    assert_eq!(
        out,
        "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties: {}\n"
    );
    // Lists written at the key's own indentation are lists too.
    let flush = "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n      - Id: a\n        Arn: x\n      State: ENABLED\n";
    let out = apply(
        flush,
        &[Op::Append(
            path("Resources.R.Properties.Targets"),
            json!({"Id": "b"}),
        )],
    )
    .unwrap();
    assert_eq!(out, "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n      - Id: a\n        Arn: x\n      - Id: b\n      State: ENABLED\n");
    // A key inside a list item.
    let out = apply(
        t,
        &[Op::Set(
            path("Resources.R.Properties.Targets[0].Arn"),
            json!("z"),
        )],
    )
    .unwrap();
    assert!(out.contains("        - Id: a\n          Arn: z\n"), "{out}");
}

#[test]
fn strings_are_quoted_only_when_yaml_would_read_them_otherwise() {
    use super::text::scalar;
    assert_eq!(scalar("index.handler"), "index.handler");
    assert_eq!(scalar("s3:ObjectCreated:*"), "s3:ObjectCreated:*");
    assert_eq!(scalar("2"), "\"2\"");
    assert_eq!(scalar("yes"), "\"yes\"");
    assert_eq!(scalar("a: b"), "\"a: b\"");
    assert_eq!(scalar("*.jpg"), "\"*.jpg\"");
    assert_eq!(scalar(""), "\"\"");
}

#[test]
fn json_templates_are_edited_as_json() {
    let t = r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}"#;
    let out = apply(
        t,
        &[Op::Set(
            path("Resources.Q.Properties.DelaySeconds"),
            json!(1),
        )],
    )
    .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Resources"]["Q"]["Properties"]["DelaySeconds"], 1);
}

#[test]
fn palette_adds_every_kind_with_a_unique_id_and_a_loadable_template() {
    let mut t = BASE.to_string();
    for k in PALETTE {
        let c = add_resource(&t, k.key, Some((500.0, 300.0)))
            .unwrap_or_else(|e| panic!("{}: {e}", k.key));
        t = c.text;
    }
    let model = load(&t);
    assert!(model.resource("Function").is_some() && model.resource("Function2").is_some());
    assert!(model.resource("StateMachine2").is_some());
    // Positions for the new box and for the boxes that were laid out automatically.
    assert!(model.playground.pointer("/Layout/Inbox").is_some());
    assert!(t.starts_with("# My orders system (comment kept)\n"));
    // A second run of the same model says the same (deterministic).
    assert_eq!(
        add_resource(BASE, "sqs-queue", None)
            .unwrap()
            .select
            .as_deref(),
        Some("Queue")
    );
}

fn wired(t: &str, from: &str, to: &str, choice: usize) -> (String, Graph) {
    let c = connect(t, from, to, choice).unwrap_or_else(|e| panic!("{from}->{to}: {e}"));
    let g = crate::graph::build(&load(&c.text));
    (c.text, g)
}

fn has_edge(g: &Graph, from: &str, to: &str, kind: &str) -> bool {
    g.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

#[test]
fn every_wire_draws_the_edge_it_means_and_deleting_it_restores_the_text() {
    let mut t = BASE.to_string();
    for key in [
        "sqs-queue",
        "s3-bucket",
        "eventbridge-bus",
        "eventbridge-rule",
        "sam-state-machine",
        "lambda-function",
        "lambda-layer",
        "kinesis-stream",
        "firehose",
    ] {
        t = add_resource(&t, key, None).unwrap().text;
    }
    let cases: &[(&str, &str, usize, &str)] = &[
        ("Inbox", "Worker", 0, "event-source"),
        ("Inbox", "Queue", 0, "dead-letter"),
        ("Alerts", "Inbox", 0, "subscription"),
        ("Alerts", "Worker", 0, "subscription"),
        ("Alerts", "Function", 0, "subscription"),
        ("Inbox", "Function", 0, "event-source"),
        ("Bucket", "Worker", 0, "notification"),
        ("Bucket", "Inbox", 0, "notification"),
        ("Bucket", "Function", 0, "notification"),
        ("Bus", "Rule", 0, "rule"),
        ("Bus", "Worker", 0, "rule"),
        ("Rule", "Worker", 0, "target"),
        ("Rule", "StateMachine", 0, "target"),
        ("Rule", "Alerts", 0, "target"),
        ("Worker", "Queue", 0, "on-failure"),
        ("Worker", "Alerts", 1, "on-success"),
        ("Worker", "Queue", 2, "dead-letter"),
        ("Worker", "Inbox", 3, "reference"),
        ("Function", "Queue", 0, "dead-letter"),
        ("Worker", "Layer", 0, "layer"),
        ("Stream", "Worker", 0, "event-source"),
        ("Stream", "Function", 0, "event-source"),
        ("Rule", "Stream", 0, "target"),
        ("Rule", "DeliveryStream", 0, "target"),
        ("Worker", "Stream", 0, "reference"),
    ];
    for &(from, to, choice, kind) in cases {
        let (after, g) = wired(&t, from, to, choice);
        assert!(
            has_edge(&g, from, to, kind),
            "{from}->{to} as {kind}:\n{after}"
        );
        if kind == "reference" {
            continue;
        }
        let back = disconnect(&after, &g, from, to).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.text, t, "removing {from}->{to} left:\n{}", back.text);
    }
}

#[test]
fn impossible_wires_say_why() {
    let t = add_resource(BASE, "eventbridge-bus", None).unwrap().text;
    let model = load(&t);
    let e = connections(&model, "Inbox", "Alerts").unwrap_err();
    assert!(e.contains("a queue only holds messages"), "{e}");
    let e = connections(&model, "Bus", "Inbox").unwrap_err();
    assert!(e.contains("add an EventBridge rule"), "{e}");
    assert!(connections(&model, "Inbox", "Inbox")
        .unwrap_err()
        .contains("itself"));
}

#[test]
fn the_sdk_wire_sets_a_variable_and_a_policy_template() {
    let model = load(BASE);
    let options = connections(&model, "Worker", "Inbox").unwrap();
    let sdk = options
        .iter()
        .position(|c| c.label.contains("SDK"))
        .unwrap();
    let (t, _) = wired(BASE, "Worker", "Inbox", sdk);
    assert!(t.contains("          INBOX_QUEUE_URL: !Ref Inbox\n"), "{t}");
    assert!(t.contains("      Policies:\n        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Inbox.QueueName\n"), "{t}");
    assert_eq!(snake("OrdersQueue"), "ORDERS_QUEUE");
    assert_eq!(snake("S3Bucket"), "S3_BUCKET");
}

#[test]
fn deleting_a_resource_takes_its_wires_layout_and_drivers() {
    let t = "Metadata:\n  Playground:\n    Layout:\n      Inbox: [100, 100]\n      Worker: [400, 100]\n    Drivers:\n      - Action: sqs:SendMessage\n        Target: Inbox\n        Params: { MessageBody: hi }\n".to_string() + BASE;
    let (t, g) = wired(&t, "Inbox", "Worker", 0);
    let c = delete_resource(&t, &g, "Inbox").unwrap();
    let model = load(&c.text);
    assert!(model.resource("Inbox").is_none());
    assert!(!c.text.contains("Inbox"), "{}", c.text);
    assert!(c.text.contains("      Worker: [400, 100]\n"));
    // Something that still refers to a resource keeps it.
    let (t2, g2) = wired(BASE, "Worker", "Inbox", 3);
    let env_only = delete_resource(&t2, &g2, "Inbox").unwrap_err();
    assert!(env_only.contains("still refers to Inbox"), "{env_only}");
}

#[test]
fn moving_a_box_writes_the_layout() {
    let model = load(BASE);
    let g = crate::graph::build(&model);
    let c = move_node(BASE, &g, "Worker", 612.4, 80.0).unwrap();
    assert!(c.text.contains("Layout:\n      Inbox: ["), "{}", c.text);
    assert!(c.text.contains("      Worker: [612, 80]\n"), "{}", c.text);
    let again = move_node(
        &c.text,
        &crate::graph::build(&load(&c.text)),
        "Worker",
        10.0,
        20.0,
    )
    .unwrap();
    assert!(again.text.contains("      Worker: [10, 20]\n"));
    assert_eq!(again.text.matches("Worker: [").count(), 1);
}

#[test]
fn diff_shows_the_changed_lines_with_context() {
    let out = apply(
        BASE,
        &[Op::Set(
            path("Resources.Inbox.Properties.VisibilityTimeout"),
            json!(60),
        )],
    )
    .unwrap();
    let d = diff(BASE, &out, 1);
    let signs: String = d.iter().map(|l| l.sign).collect();
    assert_eq!(signs, " -+ ");
    assert_eq!(d[1].text, "      VisibilityTimeout: 10");
    assert_eq!(d[2].text, "      VisibilityTimeout: 60");
    assert!(diff(BASE, BASE, 2).is_empty());
}

#[test]
fn inspector_fields_check_aws_limits_before_writing() {
    use super::fields::{fields, hint, set_property};
    let f = fields("AWS::Serverless::Function")
        .into_iter()
        .find(|f| f.name == "MemorySize")
        .unwrap();
    assert_eq!(hint(&f), "128–10,240 · default 128");
    assert!(!fields("AWS::Lambda::Function")
        .iter()
        .any(|f| f.name == "AutoPublishAlias"));
    let e = set_property(BASE, "Worker", "Timeout", "1000").unwrap_err();
    assert!(e.contains("between 1 and 900"), "{e}");
    let c = set_property(BASE, "Worker", "Timeout", "30").unwrap();
    assert!(c.text.contains("      Timeout: 30\n"), "{}", c.text);
    let c = set_property(&c.text, "Worker", "Timeout", "").unwrap();
    assert_eq!(c.text, BASE);
    let e = set_property(BASE, "Inbox", "MaximumMessageSize", "2000000").unwrap_err();
    assert!(e.contains("1048576"), "{e}");
    // CloudFormation names an unnamed FIFO queue with the .fifo suffix.
    let c = set_property(BASE, "Inbox", "FifoQueue", "true").unwrap();
    let m = load(&c.text);
    assert!(m
        .resource("Inbox")
        .unwrap()
        .physical_name
        .ends_with(".fifo"));
    for ty in crate::template::SUPPORTED_TYPES {
        for f in fields(ty) {
            assert!(!f.about.is_empty(), "{ty}.{}", f.name);
        }
    }
}

#[test]
fn duplicate_and_auto_layout() {
    let t = "Metadata:\n  Playground:\n    Layout:\n      Inbox: [100, 100]\n".to_string()
        + &BASE.replace(
            "VisibilityTimeout: 10",
            "VisibilityTimeout: 10\n      QueueName: inbox",
        );
    let c = duplicate(&t, "Inbox").unwrap();
    let m = load(&c.text);
    assert_eq!(c.select.as_deref(), Some("Inbox2"));
    assert_ne!(m.resource("Inbox2").unwrap().physical_name, "inbox");
    assert!(c.text.contains("      Inbox2: [130, 130]\n"), "{}", c.text);
    let a = auto_layout(&c.text).unwrap();
    assert!(!a.text.contains("Layout"), "{}", a.text);
    assert!(auto_layout(BASE).is_err());
}

#[test]
fn handler_code_round_trips_as_a_block_scalar() {
    use super::fields::{code_of, set_code};
    let code = "exports.handler = async (event) => {\n  return event.Records.length;\n};\n";
    let c = set_code(BASE, "Worker", code).unwrap();
    assert!(c.text.contains("      InlineCode: |\n        exports.handler = async (event) => {\n          return event.Records.length;\n        };\n"), "{}", c.text);
    assert_eq!(code_of(&load(&c.text), "Worker").unwrap(), code);
    let t = add_resource(BASE, "lambda-function", None).unwrap().text;
    let c = set_code(&t, "Function", "exports.handler = async () => 7;").unwrap();
    assert_eq!(
        code_of(&load(&c.text), "Function").unwrap(),
        "exports.handler = async () => 7;\n"
    );
}

#[test]
fn a_state_machine_definition_is_saved_where_the_template_keeps_it() {
    use super::fields::{definition_of, set_definition};
    let t = add_resource(BASE, "sam-state-machine", None).unwrap().text;
    let mut d = definition_of(&load(&t), "StateMachine").unwrap();
    d["States"]["Hello"]["Result"] = json!({"hello": "again"});
    let c = set_definition(&t, "StateMachine", &d).unwrap();
    assert!(
        c.text.contains("              hello: again\n"),
        "{}",
        c.text
    );
    assert_eq!(definition_of(&load(&c.text), "StateMachine").unwrap(), d);
    // A definition that does not validate is refused with the validator's words.
    let bad = json!({"StartAt": "Nope", "States": {"Hello": {"Type": "Pass", "End": true}}});
    let e = set_definition(&t, "StateMachine", &bad).unwrap_err();
    assert!(e.contains("Not done"), "{e}");
}

#[test]
fn copy_and_paste_into_another_scenario_renames_and_keeps_links() {
    let (t, _) = wired(BASE, "Inbox", "Worker", 0);
    let copied = copy_resources(&t, &["Inbox".into(), "Worker".into()]).unwrap();
    // Into the same scenario: new ids, and the copy's event source is the copied queue.
    let c = paste_resources(&t, &copied).unwrap();
    let m = load(&c.text);
    assert!(m.resource("Inbox2").is_some() && m.resource("Worker2").is_some());
    assert!(c.text.contains("Queue: !GetAtt Inbox2.Arn"), "{}", c.text);
    let g = crate::graph::build(&m);
    assert!(has_edge(&g, "Inbox2", "Worker2", "event-source"));
    // Into a scenario without the queue: the function alone refers to a missing queue.
    let only_fn = copy_resources(&t, &["Worker".into()]).unwrap();
    let e =
        paste_resources("Resources:\n  Other: { Type: AWS::SNS::Topic }\n", &only_fn).unwrap_err();
    assert!(e.contains("Inbox"), "{e}");
    assert!(paste_resources(BASE, &json!({})).is_err());
}

#[test]
fn a_delivery_wire_brings_the_resource_policy_aws_needs() {
    let t = add_resource(BASE, "sns-topic", None).unwrap().text;
    let (after, g) = wired(&t, "Alerts", "Inbox", 0);
    assert!(after.contains("Type: AWS::SQS::QueuePolicy"), "{after}");
    assert!(after.contains("Service: sns.amazonaws.com"), "{after}");
    // Not a box of its own, and the wired scenario delivers.
    assert!(g.nodes.iter().all(|n| !n.id.contains("Allows")));
    let mut sim = crate::Sim::load(&after).unwrap();
    let topic =
        sim.call("console", "sns:ListTopics", json!({})).unwrap()["Topics"][0]["TopicArn"].clone();
    sim.call(
        "console",
        "sns:Publish",
        json!({"TopicArn": topic, "Message": "hi"}),
    )
    .unwrap();
    sim.run_until(5_000);
    assert_eq!(
        sim.report()["resources"]["Inbox"]["metrics"]["NumberOfMessagesSent"],
        1
    );
    // Deleting the queue takes its policy along.
    let gone = delete_resource(&after, &g, "Inbox").unwrap().text;
    assert!(!gone.contains("QueuePolicy"), "{gone}");
}
