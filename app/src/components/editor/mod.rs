//! Editors. The template editor is a plain text area for now (CodeMirror is still to
//! come); the last-change view shows what each edit did as a diff.

mod last_change;
mod template_editor;

pub use last_change::LastChangeView;
pub use template_editor::TemplateEditor;
