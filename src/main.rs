//! The `mugai` binary: parse the command line, call the library.

fn main() -> std::process::ExitCode {
    mugai::cli::main()
}
