//! What the `/api/v1/…` families share: their error shape.

mod error;

pub use error::{DetailBody, DetailError, LocPart, ValidationBody, ValidationItem};
