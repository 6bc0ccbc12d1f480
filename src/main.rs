//! The `cdc-engine` command line. It parses arguments and hands each command to the libraries
//! (the engine, the simulator, the built-in strategies and this package's `cdc_cli`); logic that
//! a library user could need lives in a library, not here.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
