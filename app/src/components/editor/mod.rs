//! Editors. The template editor is a plain text area for now; CodeMirror arrives with
//! the visual-playground issue.

mod template_editor;

pub use template_editor::TemplateEditor;
