//! Tokenisation and typed masking of variables.
