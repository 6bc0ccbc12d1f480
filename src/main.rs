//! The `cdc-engine` command line. It parses arguments and hands each command to the library;
//! logic that a library user could need lives in the library, not here.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
