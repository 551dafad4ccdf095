//! The canvas: the template drawn as nodes and wires, with messages moving along them.

#[allow(clippy::module_inception)]
mod canvas;
mod node;

pub use canvas::{anchors, Canvas, KIND_MIME};
