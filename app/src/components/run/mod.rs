//! Run controls: play, pause, reset, speed and the virtual clock.

mod controls;

pub use controls::Controls;
