//! Implementations of the ports: `local` for the embedded default.

pub mod local;
