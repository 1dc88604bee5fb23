//! Open mode's guard against other sites. With no keys every caller is an admin, so "every caller"
//! must mean this machine's own clients: a page on another site can make the browser send
//! requests to a loopback port (CSRF), and, with DNS rebinding, under its own name.
//!
//! A request passes only when its `Host` names a loopback host with the port the server bound
//! (a rebound name is not a loopback name), its `Origin`, when a browser sent one, is that same
//! `http://` origin, and a state-changing request carries no body but JSON (the types a browser
//! sends cross-site without asking first are `text/plain`, forms and multipart). Reads are
//! guarded by the `Host` rule too: with DNS rebinding they would be same-origin reads.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::admission::{Admission, Admitted};
use super::body::require_json;
use super::family::error_for;

/// The guard, for a server bound to `port` on a loopback address.
#[derive(Debug, Clone, Copy)]
pub struct SameOrigin {
    port: u16,
}

#[derive(Debug, PartialEq)]
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn forbidden(why: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: format!("Forbidden: requests from other sites are refused ({why})"),
        }
    }
}

/// A loopback host as a browser writes it in `Host` and `Origin`, with its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Authority {
    host: Loopback,
    port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loopback {
    Localhost,
    Ip(IpAddr),
}

impl SameOrigin {
    pub fn new(port: u16) -> Self {
        Self { port }
    }

    fn check(&self, request: &Request) -> Result<(), Refusal> {
        let headers = request.headers();
        let host = self.host(headers, request.uri().authority().map(|a| a.as_str()))?;
        if let Some(origin) = single(headers, ORIGIN, "Origin")? {
            let text = origin.to_str().unwrap_or("(unreadable)");
            if parse_origin(text) != Some(host.parsed) {
                let why = format!("Origin {text} is not this server's origin http://{}", host.text);
                return Err(Refusal::forbidden(why));
            }
        }
        if changes_state(request.method()) {
            let declared = single(headers, CONTENT_TYPE, "Content-Type").map_err(|_| Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "Unsupported Media Type: the request has more than one Content-Type header".to_owned(),
            })?;
            let has_body = request.body().size_hint().exact() != Some(0);
            require_json(declared, has_body)
                .map_err(|err| Refusal { status: StatusCode::UNSUPPORTED_MEDIA_TYPE, message: err.message })?;
        }
        Ok(())
    }

    /// The one authority the request names (`Host`, or HTTP/2's `:authority`), if it is this
    /// server's. When both are given both must be.
    fn host<'a>(&self, headers: &'a HeaderMap, target: Option<&'a str>) -> Result<Named<'a>, Refusal> {
        let header = single(headers, HOST, "Host")?
            .map(|value| value.to_str().map_err(|_| Refusal::forbidden("the Host header is not readable")))
            .transpose()?;
        let mut named = None;
        for text in header.into_iter().chain(target) {
            match parse_authority(text) {
                Some(parsed) if parsed.port == self.port => named = named.or(Some(Named { text, parsed })),
                _ => return Err(Refusal::forbidden(format!("Host {text} is not this server"))),
            }
        }
        named.ok_or_else(|| Refusal::forbidden("the request has no Host header"))
    }
}

struct Named<'a> {
    text: &'a str,
    parsed: Authority,
}

/// `inner` behind the guard, when there is one (open mode's local server), or `inner` alone.
/// It wraps the whole router rather than being one of its layers: a router layer wraps every
/// route in a box of its own that each request clones, and the guard needs nothing the router
/// finds, so outside it covers unknown paths and documents alike at no cost per route.
pub type Guarded<S> = Admitted<Option<SameOrigin>, S>;

impl Admission for Option<SameOrigin> {
    /// Admits a request only from this machine's own pages and clients: see the module's comment.
    fn admit(&self, request: &mut Request) -> Result<(), Box<Response>> {
        match self.map(|guard| guard.check(request)) {
            Some(Err(refusal)) => Err(Box::new(error_for(request.uri().path(), refusal.status, &refusal.message))),
            Some(Ok(())) | None => Ok(()),
        }
    }
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// A header given at most once: two differing copies would leave the check to a guess.
fn single<'a>(headers: &'a HeaderMap, name: HeaderName, shown: &str) -> Result<Option<&'a HeaderValue>, Refusal> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    match values.next() {
        None => Ok(first),
        Some(_) => Err(Refusal::forbidden(format!("the request has more than one {shown} header"))),
    }
}

/// `http://` and a loopback authority: the only origin a page served by this server has.
fn parse_origin(text: &str) -> Option<Authority> {
    text.strip_prefix("http://").filter(|rest| !rest.contains('/')).and_then(parse_authority)
}

/// `localhost`, `127.x.y.z` or `[::1]`, with an optional port (80 when absent, as for `http:`).
fn parse_authority(text: &str) -> Option<Authority> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (ip, after) = rest.split_once(']')?;
            let port = if after.is_empty() { None } else { Some(after.strip_prefix(':')?) };
            (Loopback::Ip(IpAddr::V6(ip.parse::<Ipv6Addr>().ok()?).to_canonical()), port)
        }
        None => {
            let (name, port) = match text.split_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (text, None),
            };
            let host = if name.eq_ignore_ascii_case("localhost") {
                Loopback::Localhost
            } else {
                Loopback::Ip(IpAddr::V4(name.parse::<Ipv4Addr>().ok()?))
            };
            (host, port)
        }
    };
    if let Loopback::Ip(ip) = host
        && !ip.is_loopback()
    {
        return None;
    }
    let port = match port {
        None => 80,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok()?,
        Some(_) => return None,
    };
    Some(Authority { host, port })
}

#[cfg(test)]
mod tests;
