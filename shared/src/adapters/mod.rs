//! Implementations of the ports: `local` for the embedded default, `aws` for the serverless one.

pub mod aws;
mod health;
pub mod local;
mod object_token;
mod offset_walk;
mod part_file;
mod video_record;
