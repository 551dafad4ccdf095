//! The example gallery: runnable scenarios for the topics of the seed notes.

mod picker;

pub use picker::ExamplePicker;
