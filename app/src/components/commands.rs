//! The command palette (Ctrl+K): every named action of the page with its shortcut —
//! run controls, editing, adding each resource type, panels, examples, sharing, files,
//! theme — found by typing and run with Enter.

use crate::state::{Playground, Tab, EXAMPLES};
use leptos::prelude::*;
use playground_core::edit::PALETTE;
use wasm_bindgen::JsCast;

#[derive(Clone, Debug, PartialEq)]
struct Command {
    id: String,
    label: String,
    shortcut: &'static str,
}

fn cmd(id: impl Into<String>, label: impl Into<String>, shortcut: &'static str) -> Command {
    Command {
        id: id.into(),
        label: label.into(),
        shortcut,
    }
}

fn all() -> Vec<Command> {
    let mut v = vec![
        cmd("play", "Play / pause", "Space"),
        cmd("step", "Step to the next event", "N"),
        cmd("reset", "Reset the run", "R"),
        cmd("undo", "Undo", "Ctrl+Z"),
        cmd("redo", "Redo", "Ctrl+Shift+Z"),
        cmd("delete", "Delete the selection", "Delete"),
        cmd("duplicate", "Duplicate the selected resource", "Ctrl+D"),
        cmd("copy", "Copy the selected resources", "Ctrl+C"),
        cmd(
            "paste",
            "Paste copied resources (also into another scenario)",
            "Ctrl+V",
        ),
        cmd("arrange", "Arrange the boxes automatically", ""),
        cmd(
            "wire",
            "Wire the selected box to another (then Tab to it and press Enter)",
            "W",
        ),
        cmd("apply", "Apply the template text", "Ctrl+Enter"),
        cmd("zoom-in", "Zoom in", "+"),
        cmd("zoom-out", "Zoom out", "−"),
        cmd("zoom-fit", "Fit the canvas", "0"),
        cmd("share", "Share link", ""),
        cmd("embed-button", "Embed in a course page…", ""),
        cmd("export", "Export the template", ""),
        cmd("export-json", "Export as CloudFormation JSON", ""),
        cmd("import", "Import a template file…", ""),
        cmd("save-as", "Save the scenario in this browser as…", ""),
        cmd("theme", "Switch between light and dark themes", ""),
    ];
    for t in [
        Tab::Logs,
        Tab::Metrics,
        Tab::Queues,
        Tab::Executions,
        Tab::Console,
    ] {
        v.push(cmd(
            format!("tab:{}", t.name()),
            format!("Show the {} panel", t.name()),
            "",
        ));
    }
    for k in PALETTE {
        v.push(cmd(
            format!("add:{}", k.key),
            format!("Add {} ({})", k.label, k.resource_type),
            "",
        ));
    }
    for (id, title) in EXAMPLES {
        v.push(cmd(
            format!("example:{id}"),
            format!("Open example: {title}"),
            "",
        ));
    }
    v
}

/// Clicks a page control by id (actions whose state lives in their component).
fn click(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        el.click();
    }
}

fn run(pg: Playground, id: &str) {
    match id {
        "play" => {
            if pg.playing.get_untracked() {
                pg.pause()
            } else {
                pg.play()
            }
        }
        "step" => pg.step(),
        "reset" => pg.reset(),
        "undo" => pg.undo(),
        "redo" => pg.redo(),
        "delete" => pg.delete_selected(),
        "duplicate" => pg.duplicate_selected(),
        "copy" => pg.copy_selected(),
        "paste" => pg.paste(),
        "arrange" => pg.arrange(),
        "wire" => pg.start_keyboard_wire(),
        "apply" => pg.apply_edited(),
        other => {
            if let Some(t) = other.strip_prefix("tab:").and_then(Tab::from_name) {
                pg.tab.set(t);
            } else if let Some(k) = other.strip_prefix("add:") {
                pg.add_resource(k, None);
            } else if let Some(e) = other.strip_prefix("example:") {
                if EXAMPLES.iter().any(|(i, _)| *i == e) {
                    pg.open_example(e);
                }
            } else {
                click(other);
            }
        }
    }
}

#[component]
pub fn CommandPalette() -> impl IntoView {
    let pg = expect_context::<Playground>();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let input = NodeRef::<leptos::html::Input>::new();
    let shown = move || {
        let q = query.get().to_lowercase();
        let words: Vec<&str> = q.split_whitespace().collect();
        all()
            .into_iter()
            .filter(|c| {
                let l = c.label.to_lowercase();
                words.iter().all(|w| l.contains(w))
            })
            .take(12)
            .collect::<Vec<_>>()
    };
    let close = move || {
        open.set(false);
        query.set(String::new());
        active.set(0);
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            open.set(true);
            active.set(0);
            request_animation_frame(move || {
                if let Some(i) = input.get() {
                    let _ = i.focus();
                }
            });
        }
    });
    on_cleanup(move || handle.remove());
    let on_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Escape" => close(),
        "ArrowDown" => {
            ev.prevent_default();
            let n = shown().len().max(1);
            active.update(|a| *a = (*a + 1) % n);
        }
        "ArrowUp" => {
            ev.prevent_default();
            let n = shown().len().max(1);
            active.update(|a| *a = (*a + n - 1) % n);
        }
        "Enter" => {
            ev.prevent_default();
            if let Some(c) = shown().get(active.get_untracked()) {
                let id = c.id.clone();
                close();
                run(pg, &id);
            }
        }
        _ => {}
    };
    view! {
        <Show when=move || open.get()>
            <div class="command-backdrop" on:click=move |_| close()></div>
            <div id="commands" class="command-palette" role="dialog" aria-label="Command palette">
                <input node_ref=input id="command-input" type="text" placeholder="Type a command…" aria-label="Command"
                    aria-controls="command-list" autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                    on:keydown=on_key/>
                <ul id="command-list" role="listbox">
                    {move || shown().into_iter().enumerate().map(|(i, c)| {
                        let id = c.id.clone();
                        view! {
                            <li role="option" data-command=c.id.clone() aria-selected=move || (active.get() == i).to_string()
                                class:active=move || active.get() == i
                                on:click=move |_| { close(); run(pg, &id); }>
                                <span>{c.label.clone()}</span>
                                <kbd>{c.shortcut}</kbd>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}
