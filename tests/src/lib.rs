//! Test code shared by jobsmith's integration tests: the store contract suite that every backend
//! runs, the emulators' processes, and API Gateway's events.

pub mod apigw;
pub mod contract;
pub mod lambda_watch;
pub mod moto;
