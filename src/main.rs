//! The `cdc-engine` command line. It parses arguments and hands each command to the library;
//! logic that a library user could need lives in the library, not here.
#![forbid(unsafe_code)]

mod cli;
// Built-in strategies; the CLI's `run` command will build them by name.
#[allow(dead_code)]
#[path = "../strategies/mod.rs"]
mod strategies;

fn main() -> std::process::ExitCode {
    cli::main()
}
