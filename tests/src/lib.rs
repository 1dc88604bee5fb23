//! Test code shared by jobsmith's integration tests: the store contract suite that every backend
//! runs.

pub mod contract;
pub mod lambda_watch;
pub mod moto;
