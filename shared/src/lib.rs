//! jobsmith's library: the one model behind every route, the use cases over it, the ports they
//! need, the adapters that implement those ports, and the HTTP routers.

pub mod adapters;
pub mod app;
pub mod domain;
pub mod http;
pub mod ports;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
