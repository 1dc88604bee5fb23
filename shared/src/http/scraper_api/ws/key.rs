//! The API key of a browser's WebSocket. A page cannot set `X-API-Key` on `new WebSocket(…)`;
//! the one header it controls is `Sec-WebSocket-Protocol`, the list of subprotocols it offers. So
//! a client offers two: [`PROTOCOL`], which the server selects (a browser drops a connection whose
//! answer selects none of its offers), and `jobsmith.key.<API key>`, which is lifted into
//! `X-API-Key` for the auth layer. A key in a header stays out of URLs, and so out of access logs,
//! browser history and `Referer`s, where a `?api_key=` would go.

use axum::extract::Request;
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::API_KEY_HEADER;

/// The subprotocol the server selects: its messages are seed 002's job views as JSON text.
pub const PROTOCOL: &str = "jobsmith";
/// What precedes the key in the subprotocol that carries it.
pub const KEY_PROTOCOL_PREFIX: &str = "jobsmith.key.";

/// Puts a key offered as a subprotocol where the auth layer reads keys. A request that already
/// has `X-API-Key` keeps it: the header is the way every route takes the key.
pub async fn key_from_protocol(mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(API_KEY_HEADER)
        && let Some(mut key) = offered_key(request.headers())
    {
        key.set_sensitive(true);
        request.headers_mut().insert(API_KEY_HEADER, key);
    }
    next.run(request).await
}

fn offered_key(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|offers| offers.split(','))
        .find_map(|offer| offer.trim().strip_prefix(KEY_PROTOCOL_PREFIX))
        .and_then(|key| HeaderValue::from_str(key).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_key_is_found_among_the_offers_in_any_header_line() {
        let key = |headers: &HeaderMap| offered_key(headers).map(|k| k.to_str().unwrap().to_owned());
        assert_eq!(key(&offers(&["jobsmith, jobsmith.key.jsk_abc-_9"])), Some("jsk_abc-_9".to_owned()));
        assert_eq!(key(&offers(&["jobsmith", "jobsmith.key.jsk_x"])), Some("jsk_x".to_owned()));
        assert_eq!(key(&offers(&["jobsmith"])), None);
        assert_eq!(key(&offers(&["graphql-ws, key.jsk_x"])), None);
        assert_eq!(key(&HeaderMap::new()), None);
    }
}
