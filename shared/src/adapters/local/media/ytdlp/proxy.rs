//! The proxy yt-dlp sends every request through, when one is set: scraping from behind a
//! corporate proxy, or through a proxy service so that one address's rate limits and blocks do
//! not stop every run. Without one, yt-dlp is told to use none, whatever the environment says.

/// yt-dlp's `--proxy`: an `http`, `https`, `socks4`, `socks4a`, `socks5` or `socks5h` URL with a
/// host. Credentials in the URL are passed on the child's command line, where other users of the
/// machine can read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YtDlpProxy {
    url: String,
    check_certificates: bool,
}

const SCHEMES: [&str; 6] = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("a proxy URL is `scheme://host[:port]` with scheme one of {SCHEMES:?}; got {0:?}")]
    NotAProxyUrl(String),
}

impl YtDlpProxy {
    pub fn parse(raw: &str) -> Result<Self, ProxyError> {
        let invalid = || ProxyError::NotAProxyUrl(raw.to_owned());
        let (scheme, rest) = raw.split_once("://").ok_or_else(invalid)?;
        let authority = rest.split('/').next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let usable = SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
            && !host.is_empty()
            && !host.starts_with(':')
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
        if !usable {
            return Err(invalid());
        }
        Ok(Self { url: raw.to_owned(), check_certificates: true })
    }

    /// HTTPS certificates are not checked (`--no-check-certificates`): for a proxy that
    /// terminates TLS itself with a certificate of its own, as some proxy services and
    /// corporate gateways do. Everything the platform answers is then the proxy's word.
    pub fn without_certificate_checks(self) -> Self {
        Self { check_certificates: false, ..self }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn checks_certificates(&self) -> bool {
        self.check_certificates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_and_everything_else_is_refused() {
        for good in ["http://127.0.0.1:8080", "socks5h://user:pw@proxy.example:1080", "HTTPS://gw.corp/"] {
            let proxy = YtDlpProxy::parse(good).unwrap();
            assert_eq!(proxy.url(), good);
            assert!(proxy.checks_certificates(), "checked unless said otherwise");
        }
        for bad in ["", "127.0.0.1:8080", "ftp://proxy:21", "http://", "http://:8080", "http://a b:1", "http://a\n:1"] {
            assert_eq!(YtDlpProxy::parse(bad), Err(ProxyError::NotAProxyUrl(bad.to_owned())), "{bad:?}");
        }
        let unchecked = YtDlpProxy::parse("http://127.0.0.1:1").unwrap().without_certificate_checks();
        assert!(!unchecked.checks_certificates());
    }
}
