//! Sharing: the scenario compressed into the link.

mod share_bar;

pub use share_bar::ShareBar;
