//! Edits of a state machine definition made from its graph, as Workflow Studio makes
//! them: add a state after another, delete one (whatever led to it then leads to its
//! successor), rename one (every transition and `StartAt` follow), and point a state's
//! `Next` at another. Each works on the definition's JSON wherever the state is — the
//! top level, a Parallel branch or a Map's item processor (state names are unique in
//! the whole machine, as the States Language requires) — changes nothing else, keeps
//! the order of the keys, and refuses, with a message, an edit that would leave a
//! transition with nowhere to go. What an edit leaves for the user to finish (a new
//! Task's function, a Choice's rule) is then reported by validation like any text edit.

use serde_json::{json, Map, Value};

/// The state types the graph can add, in the order the UI offers them.
pub const ADDABLE: &[&str] = &[
    "Pass", "Task", "Choice", "Wait", "Parallel", "Map", "Succeed", "Fail",
];

/// The longest state name AWS accepts.
const MAX_NAME: usize = 80;

/// JSON pointer of the object (`{StartAt, States}`) whose `States` holds `name`.
fn block_of(v: &Value, name: &str, at: &str) -> Option<String> {
    let states = v.get("States")?.as_object()?;
    if states.contains_key(name) {
        return Some(at.to_string());
    }
    states.iter().find_map(|(s, state)| {
        let here = format!("{at}/States/{}", escape(s));
        let branches = state.get("Branches").and_then(Value::as_array);
        branches
            .into_iter()
            .flatten()
            .enumerate()
            .find_map(|(i, b)| block_of(b, name, &format!("{here}/Branches/{i}")))
            .or_else(|| {
                ["ItemProcessor", "Iterator"]
                    .iter()
                    .find_map(|k| block_of(state.get(*k)?, name, &format!("{here}/{k}")))
            })
    })
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The block holding `name`, or an error naming it.
fn block_mut<'a>(def: &'a mut Value, name: &str) -> Result<&'a mut Map<String, Value>, String> {
    let at = block_of(def, name, "").ok_or_else(|| format!("There is no state {name}."))?;
    def.pointer_mut(&at)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("There is no state {name}."))
}

fn states_mut(block: &mut Map<String, Value>) -> &mut Map<String, Value> {
    block
        .get_mut("States")
        .and_then(Value::as_object_mut)
        .expect("a block found by block_of has States")
}

/// Where `key` is in the map's order.
fn index_of(map: &Map<String, Value>, key: &str) -> Option<usize> {
    map.keys().position(|k| k == key)
}

fn kind(state: &Value) -> &str {
    state.get("Type").and_then(Value::as_str).unwrap_or("")
}

/// Whether `name` is free anywhere in the machine.
fn free(def: &Value, name: &str) -> bool {
    block_of(def, name, "").is_none()
}

/// `base`, or `base 2`, `base 3`… — the first name not used in the machine.
fn unique_name(def: &Value, base: &str) -> String {
    if free(def, base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base} {n}"))
        .find(|n| free(def, n))
        .expect("some suffix is free")
}

/// Every transition field in one state: (`Next` / `Default` / a rule's or a catcher's
/// `Next`), as mutable references.
fn transitions(state: &mut Value) -> Vec<(&'static str, &mut Value)> {
    let mut out = Vec::new();
    let Some(o) = state.as_object_mut() else {
        return out;
    };
    for (k, v) in o.iter_mut() {
        match k.as_str() {
            "Next" => out.push(("Next", v)),
            "Default" => out.push(("Default", v)),
            "Choices" | "Catch" => {
                let what = if k == "Choices" {
                    "a Choice rule"
                } else {
                    "a Catch"
                };
                for item in v.as_array_mut().into_iter().flatten() {
                    if let Some(n) = item.get_mut("Next") {
                        out.push((what, n));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Adds a new state of type `kind` after `after` and returns its name. The new state
/// takes over `after`'s `Next` (or its `End`); a Succeed or Fail state ends the path
/// there, leaving what followed unreachable until it is wired again.
pub fn add_after(def: &mut Value, after: &str, kind_name: &str) -> Result<String, String> {
    if !ADDABLE.contains(&kind_name) {
        return Err(format!(
            "The graph cannot add a {kind_name} state; write it in the text."
        ));
    }
    let jsonata = def.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    let name = unique_name(def, kind_name);
    // New inner states' names are checked against the machine as it was (the new state
    // itself is not in it yet).
    let snapshot = def.clone();
    let def_names = &snapshot;
    let block = block_mut(def, after)?;
    let states = states_mut(block);
    let prev = states.get(after).expect("found above");
    match kind(prev) {
        "Choice" => {
            return Err(format!(
                "{after} is a Choice: add the new state after one of the states its rules go to, or write the rule in the text."
            ))
        }
        "Succeed" | "Fail" => {
            return Err(format!("{after} ends the execution: nothing can run after it."))
        }
        _ => {}
    }
    let successor = prev.get("Next").and_then(Value::as_str).map(str::to_string);
    let mut state = match kind_name {
        "Pass" => json!({"Type": "Pass"}),
        "Wait" => json!({"Type": "Wait", "Seconds": 5}),
        "Task" if jsonata => json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:MyFunction", "Payload": "{% $states.input %}"},
            "Output": "{% $states.result.Payload %}"}),
        "Task" => json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:MyFunction", "Payload.$": "$"},
            "OutputPath": "$.Payload"}),
        "Choice" => {
            let Some(next) = successor.clone() else {
                return Err(format!(
                    "{after} ends the execution, so a Choice after it would have nowhere to go: add a state after it first."
                ));
            };
            if jsonata {
                json!({"Type": "Choice", "Choices": [{"Condition": "{% $exists($states.input.value) %}", "Next": next}], "Default": next})
            } else {
                json!({"Type": "Choice", "Choices": [{"Variable": "$.value", "IsPresent": true, "Next": next}], "Default": next})
            }
        }
        "Succeed" => json!({"Type": "Succeed"}),
        "Fail" => json!({"Type": "Fail", "Error": "Failed", "Cause": "Added from the graph"}),
        // Two branches / an inline item processor, each one Pass state to start from
        // (the States Language requires a state in each), named uniquely in the machine.
        "Parallel" => {
            let first = unique_name(def_names, &format!("{name} branch 1"));
            let second = unique_name(def_names, &format!("{name} branch 2"));
            let branch =
                |n: &str| json!({"StartAt": n, "States": {n: {"Type": "Pass", "End": true}}});
            json!({"Type": "Parallel", "Branches": [branch(&first), branch(&second)]})
        }
        _ => {
            let item = unique_name(def_names, &format!("{name} item"));
            json!({"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": item, "States": {item.clone(): {"Type": "Pass", "End": true}}}})
        }
    };
    let ends = !matches!(kind_name, "Choice" | "Succeed" | "Fail");
    if ends {
        match &successor {
            Some(n) => state["Next"] = json!(n),
            None => state["End"] = json!(true),
        }
    }
    let prev = states
        .get_mut(after)
        .and_then(Value::as_object_mut)
        .expect("found above");
    prev.shift_remove("End");
    prev.insert("Next".into(), json!(name));
    let at = index_of(states, after).map_or(states.len(), |i| i + 1);
    states.shift_insert(at, name.clone(), state);
    Ok(name)
}

/// Deletes `name`: every transition to it goes to its successor instead (or, if it had
/// none, the states before it end there). A Choice is not deleted from the graph (its
/// rules lead to several states), nor the last state of a block.
pub fn delete(def: &mut Value, name: &str) -> Result<(), String> {
    let block = block_mut(def, name)?;
    let states = states_mut(block);
    if states.len() == 1 {
        return Err(format!(
            "{name} is the only state here, and a state machine needs one."
        ));
    }
    let state = states.get(name).expect("found above");
    if kind(state) == "Choice" {
        return Err(format!(
            "{name} is a Choice: its rules lead to several states. Delete it in the text."
        ));
    }
    let successor = state
        .get("Next")
        .and_then(Value::as_str)
        .map(str::to_string);
    // Check first, so that a refusal changes nothing.
    if successor.is_none() {
        for (other, s) in states.iter_mut().filter(|(o, _)| *o != name) {
            for (what, target) in transitions(s) {
                if what != "Next" && target.as_str() == Some(name) {
                    return Err(format!(
                        "{what} in {other} goes to {name}, which ends the execution; point it elsewhere first."
                    ));
                }
            }
        }
    }
    for (other, s) in states.iter_mut() {
        if other == name {
            continue;
        }
        let mut ends_here = false;
        for (_, target) in transitions(s) {
            if target.as_str() == Some(name) {
                match &successor {
                    Some(n) => *target = json!(n),
                    None => ends_here = true,
                }
            }
        }
        if ends_here {
            let o = s.as_object_mut().expect("a state is an object");
            o.shift_remove("Next");
            o.insert("End".into(), json!(true));
        }
    }
    states.shift_remove(name);
    if block.get("StartAt").and_then(Value::as_str) == Some(name) {
        let first = successor
            .or_else(|| states_mut(block).keys().next().cloned())
            .expect("another state remains");
        block.insert("StartAt".into(), json!(first));
    }
    Ok(())
}

/// Renames `from` to `to`; its transitions and `StartAt` follow. The name must be 1–80
/// characters and not used elsewhere in the machine.
pub fn rename(def: &mut Value, from: &str, to: &str) -> Result<(), String> {
    let to = to.trim();
    if to.is_empty() || to.chars().count() > MAX_NAME {
        return Err(format!("A state name has 1 to {MAX_NAME} characters."));
    }
    if to == from {
        return Ok(());
    }
    if !free(def, to) {
        return Err(format!("There is already a state named {to}."));
    }
    let block = block_mut(def, from)?;
    let states = states_mut(block);
    let at = index_of(states, from).expect("found above");
    let state = states.shift_remove(from).expect("found above");
    states.shift_insert(at, to.to_string(), state);
    for (_, s) in states.iter_mut() {
        for (_, target) in transitions(s) {
            if target.as_str() == Some(from) {
                *target = json!(to);
            }
        }
    }
    if block.get("StartAt").and_then(Value::as_str) == Some(from) {
        block.insert("StartAt".into(), json!(to));
    }
    Ok(())
}

/// Points `name`'s `Next` at `next` (a state of the same block), replacing its `End`.
pub fn set_next(def: &mut Value, name: &str, next: &str) -> Result<(), String> {
    let block = block_mut(def, name)?;
    let states = states_mut(block);
    if !states.contains_key(next) {
        return Err(format!(
            "{next} is not beside {name}: a transition stays within its branch."
        ));
    }
    let state = states.get_mut(name).expect("found above");
    match kind(state) {
        "Choice" => {
            return Err(format!(
                "{name} is a Choice: set its rules' Next in the text."
            ))
        }
        "Succeed" | "Fail" => return Err(format!("{name} ends the execution; it has no Next.")),
        _ => {}
    }
    let o = state.as_object_mut().expect("a state is an object");
    o.shift_remove("End");
    o.insert("Next".into(), json!(next));
    Ok(())
}

/// The states `name` could go to (its block's other states), for the UI's choice.
pub fn siblings(def: &Value, name: &str) -> Vec<String> {
    let Some(at) = block_of(def, name, "") else {
        return Vec::new();
    };
    def.pointer(&at)
        .and_then(|b| b.get("States"))
        .and_then(Value::as_object)
        .map(|s| s.keys().filter(|k| *k != name).cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Value {
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "f"},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}], "Next": "C"},
            "C": {"Type": "Pass", "End": true},
            "Oops": {"Type": "Fail", "Error": "E"}
        }})
    }

    fn problems(def: &Value) -> Vec<String> {
        crate::asl::definition::read(def)
            .1
            .into_iter()
            .map(|d| format!("{} {}", d.code, d.location))
            .collect()
    }

    fn order(def: &Value, at: &str) -> Vec<String> {
        def.pointer(at)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn add_after_takes_over_next_or_end_and_stays_valid() {
        let mut d = chain();
        assert_eq!(add_after(&mut d, "A", "Wait").unwrap(), "Wait");
        assert_eq!(d["States"]["A"]["Next"], "Wait");
        assert_eq!(
            d["States"]["Wait"],
            json!({"Type": "Wait", "Seconds": 5, "Next": "B"})
        );
        assert_eq!(order(&d, "/States"), ["A", "Wait", "B", "C", "Oops"]);
        // After the last state: it no longer ends, the new one does; names stay unique.
        assert_eq!(add_after(&mut d, "C", "Wait").unwrap(), "Wait 2");
        assert_eq!(d["States"]["C"], json!({"Type": "Pass", "Next": "Wait 2"}));
        assert_eq!(d["States"]["Wait 2"]["End"], true);
        // A Choice goes to the successor by its rule and by default.
        assert_eq!(add_after(&mut d, "A", "Choice").unwrap(), "Choice");
        assert_eq!(d["States"]["Choice"]["Default"], "Wait");
        assert_eq!(d["States"]["Choice"]["Choices"][0]["Next"], "Wait");
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn add_after_uses_the_machines_query_language_and_refuses_what_cannot_follow() {
        let mut d = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
        add_after(&mut d, "A", "Task").unwrap();
        assert_eq!(
            d["States"]["Task"]["Arguments"]["Payload"],
            "{% $states.input %}"
        );
        assert_eq!(problems(&d), Vec::<String>::new());
        let mut d = chain();
        assert!(add_after(&mut d, "Oops", "Pass")
            .unwrap_err()
            .contains("ends the execution"));
        assert!(add_after(&mut d, "C", "Choice")
            .unwrap_err()
            .contains("nowhere to go"));
        assert!(add_after(&mut d, "Nope", "Pass")
            .unwrap_err()
            .contains("no state Nope"));
        assert!(add_after(&mut d, "A", "Activity").is_err());
        assert_eq!(d, chain(), "a refused edit changes nothing");
    }

    #[test]
    fn delete_hands_transitions_to_the_successor() {
        let mut d = chain();
        delete(&mut d, "B").unwrap();
        assert_eq!(d["States"]["A"]["Next"], "C");
        // Oops is now unreachable: validation says so, as AWS's would.
        assert_eq!(problems(&d), ["UNREACHABLE_STATE /States/Oops"]);
        // Deleting the start moves StartAt to its successor.
        delete(&mut d, "A").unwrap();
        assert_eq!(d["StartAt"], "C");
        // Deleting a last state: what led to it ends there.
        let mut d = chain();
        delete(&mut d, "C").unwrap();
        assert_eq!(d["States"]["B"]["End"], true);
        assert!(d["States"]["B"].get("Next").is_none());
    }

    #[test]
    fn delete_refuses_what_would_leave_a_dangling_transition() {
        let mut d = chain();
        let err = delete(&mut d, "Oops").unwrap_err();
        assert!(err.contains("a Catch in B goes to Oops"), "{err}");
        let mut one = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
        assert!(delete(&mut one, "A").unwrap_err().contains("only state"));
        assert_eq!(d, chain());
    }

    #[test]
    fn rename_follows_every_reference_and_keeps_the_order() {
        let mut d = chain();
        rename(&mut d, "Oops", "Handle error").unwrap();
        assert_eq!(d["States"]["B"]["Catch"][0]["Next"], "Handle error");
        assert_eq!(order(&d, "/States"), ["A", "B", "C", "Handle error"]);
        rename(&mut d, "A", "Start").unwrap();
        assert_eq!(d["StartAt"], "Start");
        assert!(rename(&mut d, "Start", "C")
            .unwrap_err()
            .contains("already"));
        assert!(rename(&mut d, "Start", "").is_err());
        assert!(rename(&mut d, "Start", &"x".repeat(81)).is_err());
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn edits_reach_states_inside_parallel_branches_and_map_processors() {
        let mut d = json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
                {"StartAt": "R/1", "States": {"R/1": {"Type": "Pass", "End": true}}}
            ], "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}
        }});
        add_after(&mut d, "R/1", "Pass").unwrap();
        assert_eq!(
            d["States"]["P"]["Branches"][1]["States"]["R/1"]["Next"],
            "Pass"
        );
        rename(&mut d, "I", "Item").unwrap();
        assert_eq!(d["States"]["M"]["ItemProcessor"]["StartAt"], "Item");
        // A new name is unique across the whole machine, branches included.
        assert_eq!(add_after(&mut d, "L", "Pass").unwrap(), "Pass 2");
        assert!(set_next(&mut d, "L", "M")
            .unwrap_err()
            .contains("within its branch"));
        assert_eq!(siblings(&d, "L"), ["Pass 2"]);
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn parallel_and_map_come_with_a_state_in_each_branch_and_stay_valid() {
        let mut d = chain();
        assert_eq!(add_after(&mut d, "A", "Parallel").unwrap(), "Parallel");
        let p = &d["States"]["Parallel"];
        assert_eq!(p["Next"], "B");
        assert_eq!(p["Branches"][0]["StartAt"], "Parallel branch 1");
        assert_eq!(p["Branches"][1]["States"]["Parallel branch 2"]["End"], true);
        add_after(&mut d, "C", "Map").unwrap();
        assert_eq!(d["States"]["Map"]["ItemProcessor"]["StartAt"], "Map item");
        assert_eq!(d["States"]["Map"]["End"], true);
        // Their inner states are states like any other: edits reach them.
        add_after(&mut d, "Map item", "Wait").unwrap();
        assert_eq!(
            d["States"]["Map"]["ItemProcessor"]["States"]["Map item"]["Next"],
            "Wait"
        );
        // A second Parallel's branches get names of their own.
        add_after(&mut d, "Parallel", "Parallel").unwrap();
        assert_eq!(
            d["States"]["Parallel 2"]["Branches"][0]["StartAt"],
            "Parallel 2 branch 1"
        );
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn set_next_replaces_end() {
        let mut d = chain();
        set_next(&mut d, "C", "A").unwrap();
        assert_eq!(d["States"]["C"], json!({"Type": "Pass", "Next": "A"}));
        assert!(set_next(&mut d, "Oops", "A").is_err());
    }
}
