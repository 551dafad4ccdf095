//! The Serverless Playground page: mounts the app. Everything else lives in `app` and
//! `components`; the engine runs in a Web Worker (`src/bin/worker.rs`).

mod app;
mod code_editor;
mod components;
mod editing;
mod embed;
mod engine;
mod files;
/// A template text's fingerprint (shared with build.rs): is this an untouched example?
mod fingerprint;
mod state;
mod storage;
mod url;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
