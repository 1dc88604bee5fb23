//! Static assets kept gzipped in the binary (`shared/build.rs`): sent as they are to a client
//! that accepts gzip, inflated for one that does not. Browsers always accept it; a client that
//! sends no `Accept-Encoding` (curl, most HTTP libraries) gets the plain bytes, although HTTP
//! would allow gzip then, since such a client would rarely decode it.

use std::io::Read;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::read::GzDecoder;

/// The assets change only with jobsmith itself; a day's caching spares the transfer.
const CACHE_CONTROL: &str = "public, max-age=86400";

pub struct Gzipped {
    pub content_type: &'static str,
    pub gzip: &'static [u8],
}

impl Gzipped {
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let headers = [
            (header::CONTENT_TYPE, HeaderValue::from_static(self.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        if accepts_gzip(request_headers) {
            return (headers, [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))], self.gzip)
                .into_response();
        }
        let mut plain = Vec::new();
        match GzDecoder::new(self.gzip).read_to_end(&mut plain) {
            Ok(_) => (headers, plain).into_response(),
            // Only a broken build could get here: the bytes were gzipped by build.rs.
            Err(error) => {
                tracing::error!(%error, "an embedded asset does not inflate");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// Whether `Accept-Encoding` admits gzip: named (or `x-gzip`) with a weight above zero, or not
/// named and `*` admitted. A request without the header gets the identity encoding (above).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let items =
        headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    for item in items {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if coding == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_only_where_the_client_admits_it() {
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("x-gzip"));
        assert!(accepts("*"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0, *"));
        assert!(!accepts("*;q=0"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
