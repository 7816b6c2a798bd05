//! Who is on the other end of a request: the client's address and the host it asked
//! for, taking forwarding headers into account only from trusted reverse proxies.
//!
//! Anyone can send `X-Forwarded-For`, so by default it is ignored and the connection's
//! peer is the client. When the peer is a configured proxy, the forwarding chain is
//! read from the right (the hop nearest to us) and the first address that is not
//! itself a trusted proxy is the client: everything left of it was written by the
//! client and proves nothing.

use std::net::IpAddr;
use std::str::FromStr;

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap, HOST};
use actix_web::{web, FromRequest, HttpRequest};
use ipnet::IpNet;

use crate::config::Settings;
use crate::db::models::Origin;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// The address the portal listens on, as bound (so port 0 shows the real port).
#[derive(Debug, Clone, Copy)]
pub struct Listening(pub std::net::SocketAddr);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses and CIDR blocks, such as
    /// `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                IpNet::from_str(item)
                    .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                    .map_err(|_| format!("{item:?} is neither an IP address nor a CIDR block"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn is_proxy(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|p| self.trusts(p))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the
    /// right-most forwarded address that is not a trusted proxy.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let chain = forwarded_for(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        return Some(client);
                    }
                }
                // A hop our own proxy could not name: the nearest known one stands.
                None => return Some(client),
            }
        }
        Some(client)
    }

    /// The host the browser asked for: `Host`, or a trusted proxy's forwarded host.
    /// Only characters a host name or address may have are kept.
    pub fn public_host(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<String> {
        let forwarded = self
            .is_proxy(peer)
            .then(|| {
                forwarded_param(headers, "host").or_else(|| last_value(headers, "x-forwarded-host"))
            })
            .flatten();
        let host = forwarded.or_else(|| {
            headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })?;
        let host = host.trim();
        let fine = !host.is_empty()
            && host.len() <= 255
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
        fine.then(|| host.to_string())
    }

    /// `https` when a trusted proxy says the browser used it, `http` otherwise.
    pub fn public_scheme(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> &'static str {
        let said = self
            .is_proxy(peer)
            .then(|| {
                forwarded_param(headers, "proto")
                    .or_else(|| last_value(headers, "x-forwarded-proto"))
            })
            .flatten();
        match said.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => "https",
            _ => "http",
        }
    }
}

/// IPv4 addresses that arrive mapped into IPv6 compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The addresses of the forwarding chain, left (client side) to right; `None` for a
/// hop that names no address ("unknown", an obfuscated name). `Forwarded` (RFC 7239)
/// wins over `X-Forwarded-For` when both are present.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let standard: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| param(element, "for"))
        .map(|node| parse_node(&node))
        .collect();
    if !standard.is_empty() {
        return standard;
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|node| parse_node(node.trim()))
        .collect()
}

/// A node of a forwarding header: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:80`
/// or a bare IPv6 address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = IpAddr::from_str(node) {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest
            .split_once(']')
            .and_then(|(ip, _)| IpAddr::from_str(ip).ok());
    }
    node.rsplit_once(':')
        .and_then(|(ip, _)| std::net::Ipv4Addr::from_str(ip).ok())
        .map(IpAddr::V4)
}

/// The value of `name=` in one element of a `Forwarded` header.
fn param(element: &str, name: &str) -> Option<String> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// `name=` of the right-most `Forwarded` element that has it.
fn forwarded_param(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| param(element, name))
        .next_back()
}

/// The right-most value of a comma-separated header.
fn last_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())
        .map(str::to_string)
}

/// The client's address: the peer's, or what a trusted reverse proxy says it is.
/// Every use of the client's address (the login limit, the history, the security
/// log) takes it from here.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<web::Data<Settings>>() {
        Some(settings) => settings.trusted_proxies.client_ip(peer, req.headers()),
        None => peer,
    }
}

/// The key under which per-address limits count a client: an IPv4 address as it is,
/// an IPv6 address by its /64 prefix (`2001:db8::/64`). One IPv6 subscriber or host is
/// usually handed a whole /64 and may send from any address in it, so counting each
/// address alone would let one client rotate around every limit.
pub fn limit_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

/// The per-address limit key of the request's client (see [`limit_key`]);
/// `"unknown"` when the connection has no peer address.
pub fn client_limit_key(req: &HttpRequest) -> String {
    client_ip(req).map_or_else(|| "unknown".to_string(), limit_key)
}

/// The origin of a request: the client's address (see [`client_ip`]: a forwarding
/// header counts only from a trusted proxy) and the User-Agent cut to a sane length.
impl FromRequest for Origin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Origin::of(req)))
    }
}

impl Origin {
    /// The origin of `req`.
    pub fn of(req: &HttpRequest) -> Origin {
        Origin {
            client_ip: client_ip(req).map(|ip| ip.to_string()),
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(256).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_str(k).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(IpAddr::from_str(s).unwrap())
    }

    #[test]
    fn without_trusted_proxies_forwarding_headers_are_ignored() {
        let none = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(none.client_ip(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        // The client wrote "6.6.6.6" itself; our proxy appended the real address.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.2.3")]);
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &h), ip("203.0.113.7"));
        // A peer that is not a proxy is the client, whatever it says.
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &h),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_standard_header_wins_and_ports_and_brackets_are_read() {
        let proxies = TrustedProxies::parse("::1").unwrap();
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::17]:4711\";proto=https;host=portal.example",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        assert_eq!(proxies.client_ip(ip("::1"), &h), ip("2001:db8::17"));
        assert_eq!(
            proxies.public_host(ip("::1"), &h).as_deref(),
            Some("portal.example")
        );
        assert_eq!(proxies.public_scheme(ip("::1"), &h), "https");
        assert_eq!(parse_node("192.0.2.1:80"), ip("192.0.2.1"));
    }

    #[test]
    fn a_forwarded_host_counts_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        let h = headers(&[
            ("host", "portal.local:8080"),
            ("x-forwarded-host", "evil.example"),
        ]);
        assert_eq!(
            TrustedProxies::default()
                .public_host(ip("127.0.0.1"), &h)
                .as_deref(),
            Some("portal.local:8080")
        );
        assert_eq!(
            proxies.public_host(ip("127.0.0.1"), &h).as_deref(),
            Some("evil.example")
        );
        let odd = headers(&[("host", "a\"b<c")]);
        assert_eq!(proxies.public_host(ip("1.1.1.1"), &odd), None);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_prefix() {
        let key = |s: &str| limit_key(IpAddr::from_str(s).unwrap());
        assert_eq!(key("2001:db8::a"), "2001:db8::/64");
        assert_eq!(key("2001:db8::15"), key("2001:db8:0:0:ffff:1:2:3"));
        assert_ne!(key("2001:db8::a"), key("2001:db8:0:1::a"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        // An IPv4 address mapped into IPv6 is still the IPv4 address.
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
