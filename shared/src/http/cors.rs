//! The web origins a server with keys lets browsers call it from (`JOBSMITH_CORS_ORIGINS`): none
//! unless configured, and then exactly those.

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowMethods, AllowOrigin, CorsLayer};

use super::API_KEY_HEADER;
use super::routes::ROUTES;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorsOrigins(Vec<HeaderValue>);

impl CorsOrigins {
    /// Origins as a browser sends them, `scheme://host[:port]`; blank entries are skipped. A path
    /// or a wildcard is refused: it would never match, or match everyone.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut origins = Vec::new();
        for entry in entries.iter().map(|e| e.as_ref().trim()).filter(|e| !e.is_empty()) {
            let authority = entry.strip_prefix("https://").or_else(|| entry.strip_prefix("http://"));
            let valid = authority.is_some_and(|a| {
                !a.is_empty() && !a.contains(['/', '?', '#', '*', '@']) && !a.contains(char::is_whitespace)
            });
            let value = HeaderValue::from_str(&entry.to_ascii_lowercase()).ok().filter(|_| valid).ok_or_else(|| {
                format!(
                    "{entry:?} is not an origin: write it as a browser sends it, scheme://host[:port], with no path"
                )
            })?;
            origins.push(value);
        }
        Ok(Self(origins))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Preflights and answers for these origins, with the API's methods and the two request
    /// headers its clients send; `None` when there are none, so no CORS header is ever sent.
    pub fn layer(&self) -> Option<CorsLayer> {
        if self.is_empty() {
            return None;
        }
        let mut methods: Vec<Method> = vec![Method::HEAD];
        for route in ROUTES {
            if let Ok(method) = route.method.parse::<Method>()
                && !methods.contains(&method)
            {
                methods.push(method);
            }
        }
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(self.0.iter().cloned()))
                .allow_methods(AllowMethods::list(methods))
                .allow_headers([header::HeaderName::from_static(API_KEY_HEADER), header::CONTENT_TYPE]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_taken_as_browsers_send_them() {
        let parsed = CorsOrigins::parse(&["https://App.example", " http://localhost:3000 ", ""]).unwrap();
        assert_eq!(
            parsed.0,
            [HeaderValue::from_static("https://app.example"), HeaderValue::from_static("http://localhost:3000")]
        );
        assert!(CorsOrigins::parse::<&str>(&[]).unwrap().is_empty());
        assert!(CorsOrigins::parse(&[" "]).unwrap().layer().is_none());
        for wrong in [
            "*",
            "app.example",
            "https://app.example/",
            "https://app.example/ui",
            "https://",
            "ftp://x",
            "https://*.example",
        ] {
            let err = CorsOrigins::parse(&[wrong]).unwrap_err();
            assert!(err.contains("scheme://host[:port]"), "{wrong}: {err}");
        }
    }
}
