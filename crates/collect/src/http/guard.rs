//! The SSRF policy: which addresses websense may connect to. Shared by the HTTP client's
//! resolver ([`super::Fetcher`]) and the Jetstream websocket, which connects by itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// The SSRF policy: which hosts may be reached at non-public addresses.
#[derive(Clone, Debug, Default)]
pub struct NetworkPolicy {
    pub allow_private_networks: bool,
    /// Host names (lower case) allowed to reach non-public addresses anyway.
    pub allow_private_hosts: Vec<String>,
}

impl NetworkPolicy {
    pub(crate) fn exempt(&self, host: &str) -> bool {
        self.allow_private_networks
            || self
                .allow_private_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Check a URL before requesting it: scheme, and the address if the host is an IP literal.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "refused: scheme `{}` (only http and https are fetched)",
                url.scheme()
            ));
        }
        let host = url.host_str().unwrap_or_default();
        if self.exempt(host) {
            return Ok(());
        }
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => return Err("refused: URL without host".into()),
        };
        if is_public(ip) {
            Ok(())
        } else {
            Err(format!(
                "refused: {ip} is not a public address (allow_private_networks is off)"
            ))
        }
    }
}

impl NetworkPolicy {
    /// The addresses a connection that does not go through the HTTP client (the Jetstream
    /// websocket) may use for `url`: resolved here, the non-public ones dropped unless the
    /// host is exempt, as the HTTP client's resolver does. The caller connects to exactly
    /// these, so the address checked is the address connected to.
    pub async fn resolve_checked(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| format!("refused: `{url}` names no port"))?;
        let host = url.host_str().unwrap_or_default();
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| format!("cannot resolve `{name}`: {e}"))?
                .collect(),
            None => return Err("refused: URL without host".into()),
        };
        self.public_only(host, addrs)
    }

    /// `addrs` of `host` without the non-public ones (all of them when `host` is exempt); an
    /// error when none is left.
    pub(crate) fn public_only(
        &self,
        host: &str,
        addrs: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, String> {
        if self.exempt(host) {
            return Ok(addrs);
        }
        let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
            addrs.into_iter().partition(|a| is_public(a.ip()));
        if public.is_empty() {
            let list: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
            return Err(format!(
                "refused: `{host}` resolves to non-public addresses only ({}); allow_private_networks is off",
                list.join(", ")
            ));
        }
        Ok(public)
    }
}

/// Whether an address is on the public internet, as far as fetching is concerned.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside some networks)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x0064 && seg[1] == 0xff9b && !is_public_v4(embedded_v4(v6))) // NAT64 to a private v4
                || (seg[..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible ::a.b.c.d (deprecated)
        }
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Ipv4Addr {
    let o = v6.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240) // reserved
}
