//! Saving, loading and merging miner state.

/// Why a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Not a logsift miner state.
    #[error("not a logsift miner state")]
    NotAState,
}
