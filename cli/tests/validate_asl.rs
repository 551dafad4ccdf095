//! `playground validate-asl`: an invalid definition prints every diagnostic with its
//! code and JSON location and fails; a template's state machines are validated too.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_playground"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn invalid_definitions_list_every_problem() {
    let dir = std::env::temp_dir().join(format!("validate-asl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Succeed"}}}"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["validate-asl", bad.to_str().unwrap()]);
    assert!(!ok, "an invalid definition must fail");
    assert!(
        stdout.contains("ERROR MISSING_TRANSITION_TARGET /States/A/Next: Missing 'Next' target: B"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ERROR UNREACHABLE_STATE /States/C"),
        "{stdout}"
    );
    assert!(stderr.contains("not valid"), "{stderr}");

    let (ok, stdout, _) = run(&["validate-asl", bad.to_str().unwrap(), "--json"]);
    assert!(!ok);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["result"], "FAIL");
    assert_eq!(v["diagnostics"][0]["code"], "MISSING_TRANSITION_TARGET");
}

#[test]
fn a_templates_state_machines_are_validated() {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/examples/step-functions-order.yaml"
    );
    let (ok, stdout, stderr) = run(&["validate-asl", root]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("OrderFlow: OK"), "{stdout}");
}
