//! The page's components, one per file, grouped by area.

mod about;
pub mod asl_graph;
mod banner;
pub mod canvas;
mod commands;
pub mod editor;
pub mod gallery;
pub mod inspector;
pub mod palette;
pub mod panels;
pub mod run;
pub mod share;
mod theme;

pub use about::About;
pub use banner::Banner;
pub use canvas::Canvas;
pub use commands::CommandPalette;
pub use editor::{LastChangeView, TemplateEditor};
pub use gallery::ExamplePicker;
pub use inspector::Inspector;
pub use palette::Palette;
pub use panels::BottomPanels;
pub use run::Controls;
pub use share::ShareBar;
pub use theme::ThemeToggle;
