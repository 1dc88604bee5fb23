//! A clip's source given as a page: yt-dlp reads the page and fetches its video into the run's
//! work folder. The page's address comes from a client, so a server refuses pages on loopback,
//! private, link-local and other non-public addresses (its own metadata endpoints among them)
//! unless its operator allows them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::domain::video::SourceUrl;
use crate::ports::{Downloaded, ListRequest, ListedVideo, VideoSource};

/// Which addresses a clip's page may be on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageAccess {
    /// Public addresses only: every address the host resolves to must be one.
    #[default]
    PublicOnly,
    /// Any address, for a server whose videos are on its own network.
    Any,
}

/// Checks the page's host against `access`, then lists it with yt-dlp and fetches its one video
/// into `dir`.
pub async fn fetch_page(
    source: &dyn VideoSource,
    access: PageAccess,
    url: &SourceUrl,
    dir: &Path,
    cancel: &CancellationToken,
) -> Result<(ListedVideo, Downloaded), String> {
    if access == PageAccess::PublicOnly {
        check_public(url).await?;
    }
    let request = ListRequest { url: url.as_str().to_owned(), limit: 1, since: None, until: None };
    let listed =
        source.list(&request, cancel.clone()).await.map_err(|e| format!("cannot read {}: {e}", url.as_str()))?;
    let video = listed.into_iter().next().ok_or_else(|| format!("yt-dlp found no video at {}", url.as_str()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make the download folder: {e}"))?;
    let downloaded = source
        .download(&video, dir, false, cancel.clone())
        .await
        .map_err(|e| format!("cannot fetch the video of {}: {e}", url.as_str()))?;
    Ok((video, downloaded))
}

/// Resolves the host and refuses it unless every address is public. yt-dlp resolves again when
/// it fetches; a host that changes its answer in between is not caught here.
async fn check_public(url: &SourceUrl) -> Result<(), String> {
    let parsed = url::Url::parse(url.as_str()).map_err(|e| format!("url: {e}"))?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("cannot resolve {name}: {e}"))?
            .map(|socket| socket.ip())
            .collect(),
        None => return Err("url: no host".to_owned()),
    };
    match addresses.iter().find(|ip| !is_public(**ip)) {
        Some(ip) => Err(format!(
            "{} is on a non-public address ({ip}); this server fetches pages from public addresses only",
            parsed.host_str().unwrap_or_default()
        )),
        None if addresses.is_empty() => Err("the page's host has no address".to_owned()),
        None => Ok(()),
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared_cgnat = a == 100 && (64..128).contains(&b);
    let benchmarking = a == 198 && (b == 18 || b == 19);
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared_cgnat
        || benchmarking
        || a == 0
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() || unique_local || link_local || documentation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for public in ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }

    #[tokio::test]
    async fn literal_and_named_private_hosts_are_refused() {
        for url in ["http://127.0.0.1:8080/v", "http://[::1]/v", "http://169.254.169.254/latest", "http://localhost/v"]
        {
            let err = check_public(&SourceUrl::parse(url).unwrap()).await.unwrap_err();
            assert!(err.contains("non-public address"), "{url}: {err}");
        }
    }
}
