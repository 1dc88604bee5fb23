//! The AWS deployment's adapters: DynamoDB (one table) for jobs and executions, EventBridge
//! Scheduler for schedules, S3 for objects. Clients are built once per process and injected.

pub mod app;
pub mod dynamo;
mod health;
pub mod request_count;
pub mod s3;
pub mod scheduler;
pub mod sdk;
