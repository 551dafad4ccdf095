//! Panels under the canvas. The logs panel is the first; metrics, queues and traces
//! follow in later issues.

mod logs;

pub use logs::LogsPanel;
