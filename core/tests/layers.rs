//! Layers beyond the scenario test (tests/scenarios/lambda-layers.yaml): at most five
//! per function, and `import` of a layer's module from an ES module handler.

use playground_core::Sim;
use serde_json::json;

fn layers(n: usize) -> String {
    let mut t = String::from("Resources:\n");
    for i in 0..n {
        t.push_str(&format!(
            "  L{i}:\n    Type: AWS::Serverless::LayerVersion\n    Properties: {{ LayerName: l{i} }}\n    Metadata:\n      Playground:\n        Files:\n          nodejs/node_modules/m{i}.js: 'exports.n = {i};'\n"
        ));
    }
    let refs: Vec<String> = (0..n).map(|i| format!("!Ref L{i}")).collect();
    t.push_str(&format!(
        "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: f\n      Runtime: nodejs22.x\n      Handler: index.handler\n      Layers: [{}]\n      InlineCode: |\n        import m4 from 'm4';\n        export const handler = async () => m4.n;\n",
        refs.join(", ")
    ));
    t
}

#[test]
fn five_layers_at_most_and_imports_find_layer_modules() {
    let e = Sim::load(&layers(6)).err().expect("six layers are refused");
    assert!(
        e.to_string()
            .contains("Cannot reference more than 5 layers."),
        "{e}"
    );
    let mut sim = Sim::load(&layers(5)).unwrap();
    let out = sim
        .call(
            "console",
            "lambda:Invoke",
            json!({"FunctionName": "f", "Payload": "{}"}),
        )
        .unwrap();
    assert_eq!(out["Payload"], "4", "{out}");
}
