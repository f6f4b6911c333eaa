//! Placeholder so the crate compiles in this worktree; not committed.
