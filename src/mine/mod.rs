//! The template miner.
