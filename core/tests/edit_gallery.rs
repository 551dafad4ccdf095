//! Canvas edits on every gallery example: each wire the canvas offers between any two
//! boxes gives a template that loads, draws that wire (a reference is drawn once
//! between two boxes already wired) and keeps every comment; deleting
//! any box either works (and the template loads) or is refused with a reason; moving a
//! box never disturbs anything but the layout.

use playground_core::{edit, graph, template};
use std::fs;

fn comments(t: &str) -> Vec<&str> {
    t.lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .collect()
}

#[test]
fn every_offered_wire_and_every_delete_on_the_gallery() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/examples");
    let mut wires = 0;
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for file in names {
        let text = fs::read_to_string(&file).unwrap();
        let model = template::load(&text).unwrap();
        let g = graph::build(&model);
        let ids: Vec<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
        for a in &ids {
            for b in &ids {
                let Ok(options) = edit::connections(&model, a, b) else {
                    continue;
                };
                for (i, o) in options.iter().enumerate() {
                    match edit::connect(&text, a, b, i) {
                        Ok(c) => {
                            let m = template::load(&c.text).unwrap();
                            let g2 = graph::build(&m);
                            assert!(
                                g2.edges.iter().any(|e| (&e.from == a && &e.to == b)
                                    || (&e.from == b && &e.to == a)),
                                "{file:?}: {a} -> {b} ({}) drew no wire",
                                o.label
                            );
                            assert_eq!(comments(&c.text), comments(&text), "{file:?}: {a} -> {b}");
                            wires += 1;
                        }
                        // The engine may refuse a link AWS refuses too (a FIFO queue's
                        // dead-letter queue must be FIFO); the reason names it.
                        Err(e) => assert!(e.starts_with("Not done"), "{file:?}: {a} -> {b}: {e}"),
                    }
                }
            }
            match edit::delete_resource(&text, &g, a) {
                Ok(c) => {
                    template::load(&c.text).unwrap();
                    assert!(
                        !c.text.contains(&format!("\n  {a}:")),
                        "{file:?}: {a} still there"
                    );
                }
                Err(e) => assert!(
                    e.contains("remove that reference first"),
                    "{file:?}: {a}: {e}"
                ),
            }
            let moved = edit::move_node(&text, &g, a, 33.0, 44.0).unwrap();
            assert_eq!(comments(&moved.text), comments(&text));
        }
    }
    assert!(wires > 100, "only {wires} wires were tried");
}
