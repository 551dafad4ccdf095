//! The palette: every resource type the playground knows, searchable.

#[allow(clippy::module_inception)]
mod palette;

pub use palette::Palette;
