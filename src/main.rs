//! The `logsift` binary: parse, run, exit. Everything else lives in the library.

fn main() {
    std::process::exit(logsift::cli::main());
}
