//! Errors that reach the user, and the exit codes they map to.
//!
//! Each stage has its own error type next to its code; this module only collects them for the
//! front ends, which print them as one line and exit with [`Error::exit_code`].

use std::io;

use crate::input::InputError;

/// Exit code for a run that worked (whatever it found, unless `--fail-on-anomaly`).
pub const EXIT_OK: i32 = 0;
/// Exit code with `--fail-on-anomaly` when something was flagged.
pub const EXIT_ANOMALY: i32 = 1;
/// Exit code for bad input or bad usage: a missing file, a corrupt archive, an invalid flag,
/// an unwritable output.
pub const EXIT_INPUT: i32 = 2;

/// An error that ends a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or configuration value that cannot be used; the message says which and why.
    #[error("{0}")]
    Usage(String),
    /// An input that could not be read at all.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Writing the output failed (disk full, closed terminal, ...).
    #[error("could not write the output: {0}")]
    Output(io::Error),
    /// The reader of our output went away (`logsift ... | head`): not an error for the user.
    #[error("broken pipe")]
    BrokenPipe,
}

impl Error {
    /// Wraps an output error, recognising a closed pipe.
    pub fn output(e: io::Error) -> Error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Output(e)
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BrokenPipe => EXIT_OK,
            Error::Usage(_) | Error::Input(_) | Error::Output(_) => EXIT_INPUT,
        }
    }
}
