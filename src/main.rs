//! The `cdc-engine` command line. It parses arguments and hands each command to the library;
//! logic that a library user could need lives in the library, not here.
#![forbid(unsafe_code)]

mod cli;
// Built-in strategies, compiled in so that `run` and `demo` can build them by name; they see only
// the library's public API, as a user's own strategy would. Some of their helpers serve tests only.
#[allow(dead_code)]
#[path = "../strategies/mod.rs"]
mod strategies;

fn main() -> std::process::ExitCode {
    cli::main()
}
