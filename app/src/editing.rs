//! The canvas's actions on the template: add from the palette, wire, delete, move, and
//! undo / redo. Each goes through `playground_core::edit` (which keeps the user's text
//! and refuses a change that would not load), becomes one undo step, and is shown as a
//! diff beside the editor.

use crate::state::{LastChange, Playground, Selection, WireChoice};
use leptos::prelude::*;
use playground_core::edit::{self, Change};

const UNDO_DEPTH: usize = 200;

impl Playground {
    fn show_change(&self, old: &str, new: &str, summary: String) {
        let lines = edit::diff(old, new, 2)
            .into_iter()
            .map(|d| (d.sign, d.text))
            .collect();
        self.last_change.set(Some(LastChange { summary, lines }));
    }

    /// Makes `c` the template: one undo step, the diff shown, the result loaded.
    fn commit(&self, c: Change) {
        let old = self.template.get_untracked();
        self.undo_stack.update(|u| {
            u.push(old.clone());
            if u.len() > UNDO_DEPTH {
                u.remove(0);
            }
        });
        self.redo_stack.set(Vec::new());
        self.show_change(&old, &c.text, c.summary.clone());
        self.template.set(c.text);
        self.apply_template();
        self.notice.set(Some(c.summary));
        self.selected.set(c.select.map(Selection::Node));
    }

    fn outcome(&self, r: Result<Change, String>) {
        if self.read_only() {
            self.notice
                .set(Some("This embedded scenario is read-only.".into()));
            return;
        }
        match r {
            Ok(c) => self.commit(c),
            Err(e) => self.error.set(Some(e)),
        }
    }

    /// Applies the editor's text; a text that loads and differs is one undo step.
    pub fn apply_edited(&self) {
        let old = self.loaded.get_untracked();
        let new = self.template.get_untracked();
        if self.apply_template() && old != new && !old.is_empty() {
            self.undo_stack.update(|u| u.push(old.clone()));
            self.redo_stack.set(Vec::new());
            self.show_change(&old, &new, "Edited the template".into());
        }
    }

    /// A template file chosen by the user replaces the editor's text (one undo step);
    /// a file that does not load is kept in the editor with the error shown.
    pub fn import(&self, name: &str, text: String) {
        if self.read_only() {
            return;
        }
        let summary = format!("Imported {name}");
        match playground_core::template::load(&text) {
            Ok(_) => self.commit(Change {
                text,
                summary,
                select: None,
            }),
            Err(e) => {
                self.template.set(text);
                self.error
                    .set(Some(format!("{name} was imported but does not load: {e}")));
            }
        }
    }

    /// The inspector's change to one property; the error (a limit, or a template that
    /// would not load) goes back to the field instead of the banner.
    pub fn set_property(&self, id: &str, name: &str, input: &str) -> Result<(), String> {
        if self.read_only() {
            return Err("This embedded scenario is read-only.".into());
        }
        let text = self.template.get_untracked();
        let c = edit::fields::set_property(&text, id, name, input)?;
        self.commit(c);
        Ok(())
    }

    /// Saves a function's handler code from the code editor (one undoable edit).
    pub fn set_code(&self, id: &str, code: &str) {
        let text = self.template.get_untracked();
        self.outcome(edit::fields::set_code(&text, id, code));
    }

    /// Saves a state machine's definition from the definition editor.
    pub fn set_definition(&self, id: &str, definition: &serde_json::Value) {
        let text = self.template.get_untracked();
        self.outcome(edit::fields::set_definition(&text, id, definition));
    }

    pub fn add_resource(&self, key: &str, at: Option<(f64, f64)>) {
        let text = self.template.get_untracked();
        self.outcome(edit::add_resource(&text, key, at));
    }

    /// Starts a wire from the selected box with the keyboard (W): the next Enter on
    /// another box draws it.
    pub fn start_keyboard_wire(&self) {
        match self.selected.get_untracked() {
            Some(Selection::Node(id)) if !self.read_only() => self.kb_wire.set(Some(id)),
            _ => self.notice.set(Some(
                "Select the box the wire starts from first (Tab to it).".into(),
            )),
        }
    }

    /// Enter during keyboard wiring: the wire goes to the selected box.
    pub fn finish_keyboard_wire(&self) -> bool {
        let Some(from) = self.kb_wire.get_untracked() else {
            return false;
        };
        match self.selected.get_untracked() {
            Some(Selection::Node(to)) if to != from => {
                self.kb_wire.set(None);
                self.drop_wire(&from, &to);
                true
            }
            _ => false,
        }
    }

    /// Moves several boxes in one change (a dragged or nudged multi-selection).
    pub fn move_nodes(&self, moves: Vec<(String, f64, f64)>) {
        let Some(g) = self.graph.get_untracked() else {
            return;
        };
        if moves.is_empty() {
            return;
        }
        let text = self.template.get_untracked();
        // Moving keeps the selection as it was (a change selects only its first box).
        let (sel, multi) = (self.selected.get_untracked(), self.multi.get_untracked());
        self.outcome(edit::move_nodes(&text, &g, &moves));
        if moves.len() > 1 {
            self.selected.set(sel);
            self.multi.set(multi);
        }
    }

    /// What a wire from `from` to `to` can mean (labels), or why it cannot exist.
    pub fn wire_options(&self, from: &str, to: &str) -> Result<Vec<String>, String> {
        let model = playground_core::template::load(&self.template.get_untracked())
            .map_err(|e| format!("Fix the template first: {e}"))?;
        edit::connections(&model, from, to).map(|cs| cs.into_iter().map(|c| c.label).collect())
    }

    /// A wire dropped on `to`: made at once when it has one meaning, else the user picks.
    pub fn drop_wire(&self, from: &str, to: &str) {
        match self.wire_options(from, to) {
            Ok(labels) if labels.len() == 1 => self.connect(from, to, 0),
            Ok(labels) => self.wire_choice.set(Some(WireChoice {
                from: from.into(),
                to: to.into(),
                labels,
            })),
            Err(e) => self.error.set(Some(format!("No wire: {e}"))),
        }
    }

    pub fn connect(&self, from: &str, to: &str, choice: usize) {
        self.wire_choice.set(None);
        let text = self.template.get_untracked();
        self.outcome(edit::connect(&text, from, to, choice));
    }

    /// The selected boxes: the primary selection and those added with Shift+click.
    pub fn selected_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = match self.selected.get_untracked() {
            Some(Selection::Node(id)) => vec![id],
            _ => Vec::new(),
        };
        for id in self.multi.get_untracked() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Adds or removes a box from the selection (Shift+click).
    pub fn toggle_selected(&self, id: String) {
        if self.selected.with_untracked(|s| s.is_none()) {
            self.selected.set(Some(Selection::Node(id)));
            return;
        }
        if self.selected.get_untracked() == Some(Selection::Node(id.clone())) {
            let rest = self.multi.get_untracked();
            self.selected
                .set(rest.first().cloned().map(Selection::Node));
            self.multi.update(|m| {
                if !m.is_empty() {
                    m.remove(0);
                }
            });
            return;
        }
        self.multi.update(|m| {
            if let Some(i) = m.iter().position(|x| *x == id) {
                m.remove(i);
            } else {
                m.push(id);
            }
        });
    }

    /// Copies the selected resources to this browser's clipboard for the playground
    /// (Ctrl+C), so they can be pasted here or into another scenario.
    pub fn copy_selected(&self) {
        let ids = self.selected_ids();
        if ids.is_empty() {
            return;
        }
        let text = self.template.get_untracked();
        match edit::copy_resources(&text, &ids) {
            Ok(v) => {
                crate::storage::set_clipboard(&v.to_string());
                self.notice.set(Some(format!("Copied {}", ids.join(", "))));
            }
            Err(e) => self.error.set(Some(e)),
        }
    }

    /// Pastes what was copied (Ctrl+V), with free logical ids.
    pub fn paste(&self) {
        let Some(copied) = crate::storage::clipboard()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            self.error.set(Some(
                "Nothing to paste: copy a resource first (Ctrl+C)".into(),
            ));
            return;
        };
        let text = self.template.get_untracked();
        self.outcome(edit::paste_resources(&text, &copied));
    }

    /// Deletes what is selected: resources (with their wires) or one wire's property.
    pub fn delete_selected(&self) {
        let Some(g) = self.graph.get_untracked() else {
            return;
        };
        let text = self.template.get_untracked();
        let ids = self.selected_ids();
        if ids.len() > 1 {
            // One undo step for the lot: each deletion on the result of the previous.
            let mut t = text.clone();
            for id in &ids {
                let graph = match playground_core::template::load(&t) {
                    Ok(m) => playground_core::graph::build(&m),
                    Err(e) => return self.error.set(Some(e.to_string())),
                };
                match edit::delete_resource(&t, &graph, id) {
                    Ok(c) => t = c.text,
                    Err(e) => return self.error.set(Some(e)),
                }
            }
            self.multi.set(Vec::new());
            return self.outcome(Ok(Change {
                text: t,
                summary: format!("Deleted {}", ids.join(", ")),
                select: None,
            }));
        }
        match self.selected.get_untracked() {
            Some(Selection::Node(id)) => self.outcome(edit::delete_resource(&text, &g, &id)),
            Some(Selection::Wire(from, to)) => {
                self.outcome(edit::disconnect(&text, &g, &from, &to))
            }
            None => {}
        }
    }

    /// Copies the selected resource under a new id (Ctrl+D).
    pub fn duplicate_selected(&self) {
        if let Some(Selection::Node(id)) = self.selected.get_untracked() {
            let text = self.template.get_untracked();
            self.outcome(edit::duplicate(&text, &id));
        }
    }

    /// Lets the automatic layout place every box again.
    pub fn arrange(&self) {
        let text = self.template.get_untracked();
        self.outcome(edit::auto_layout(&text));
    }

    pub fn undo(&self) {
        let Some(prev) = self.undo_stack.try_update(|u| u.pop()).flatten() else {
            return;
        };
        let now = self.template.get_untracked();
        self.redo_stack.update(|r| r.push(now.clone()));
        self.show_change(&now, &prev, "Undone".into());
        self.template.set(prev);
        self.apply_template();
    }

    pub fn redo(&self) {
        let Some(next) = self.redo_stack.try_update(|r| r.pop()).flatten() else {
            return;
        };
        let now = self.template.get_untracked();
        self.undo_stack.update(|u| u.push(now.clone()));
        self.show_change(&now, &next, "Redone".into());
        self.template.set(next);
        self.apply_template();
    }
}
