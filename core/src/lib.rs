//! playground-core: the Serverless Playground engine. A deterministic, virtual-time
//! simulation of AWS serverless services, driven by SAM / CloudFormation templates.
//! Pure Rust with no browser or OS dependency: it builds for native and wasm32, reads
//! no clock and no ambient randomness. Same template + same seed ⇒ same run.
//!
//! Entry points: [`Sim`] (load a template, step or run it, make API calls, read the
//! trace and the report), [`graph`] (what the canvas draws), [`share`] (links).

pub mod asl;
pub mod bench;
pub mod console;
pub mod drivers;
pub mod edit;
pub mod error;
pub mod graph;
pub mod iam;
pub mod jsonata;
mod kernel;
pub mod memory;
pub mod patterns;
pub mod rng;
mod services;
pub mod share;
mod sim;
pub mod template;
pub mod trace;
pub mod util;
pub mod zip;

pub use error::{AwsError, TemplateError};
pub use services::sfn::definition_of as sfn_definition;
pub use sim::{CallRecord, Sim, DEFAULT_CAP_MS};
pub use trace::{TraceEntry, TraceKind};

/// Parses a duration such as `10m` for the CLI's `--for`.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    util::parse_duration_ms(text)
}
