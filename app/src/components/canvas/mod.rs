//! The canvas: the template drawn as nodes and wires, with messages moving along them.

#[allow(clippy::module_inception)]
mod canvas;
mod messages;
mod node;

pub use canvas::{anchors, Canvas, KIND_MIME};
pub use messages::dot_kind;
