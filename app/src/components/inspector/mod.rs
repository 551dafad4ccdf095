//! The inspector: the selected resource's properties as a form, and for a function the
//! Lambda console's test events.

#[allow(clippy::module_inception)]
mod inspector;

pub use inspector::Inspector;
