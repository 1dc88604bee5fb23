//! Test code shared by jobsmith's integration tests: the store, video, audit and object contract
//! suites that every backend runs, the emulators' and S3 servers' processes, API Gateway's
//! events, a Lambda Runtime API, and the SAM template as a tree.

pub mod apigw;
pub mod audit_contract;
pub mod contract;
pub mod cursor_walk;
pub mod function_reach;
pub mod lambda_watch;
pub mod moto;
pub mod object_contract;
pub mod runtime_api;
pub mod sam_local;
pub mod seaweed;
pub mod template;
pub mod video_contract;
