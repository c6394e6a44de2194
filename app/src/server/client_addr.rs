//! Who is asking: the client's address, for the limits keyed on it. Behind a reverse proxy
//! every request comes from the proxy, so the address it forwards (`X-Forwarded-For`, else
//! `Forwarded: for=`) is read, but only from peers named in `KLAXON_TRUSTED_PROXIES`: anyone
//! else could write any address there.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use http::HeaderMap;
use ipnet::IpNet;

/// The networks whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDRs or single addresses (`10.0.0.0/8, 127.0.0.1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| IpNet::from_str(s).or_else(|_| IpAddr::from_str(s).map(IpNet::from)).map_err(|_| format!("{s:?} is not an address or a CIDR network")))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request that came from `peer` with `headers`: the peer
    /// itself unless it is a trusted proxy; then the nearest forwarded address that is not
    /// one (the right-most untrusted hop, which the first proxy wrote).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer.ip());
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops = forwarded_for(headers);
        // walk back from the nearest hop; the first one not ours is the client
        while let Some(hop) = hops.pop() {
            if !self.trusts(hop) || hops.is_empty() {
                return hop;
            }
        }
        peer
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:1.2.3.4`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The forwarded chain, client first: `X-Forwarded-For` if present, else `Forwarded`. An
/// entry that is not an address ends the chain there (nothing before it can be trusted).
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).map(String::from).collect::<Vec<_>>()
    };
    let xff = values("x-forwarded-for");
    let raw: Vec<String> = if !xff.is_empty() {
        xff
    } else {
        values("forwarded")
            .iter()
            .filter_map(|element| {
                element.split(';').map(str::trim).find_map(|pair| pair.strip_prefix("for=").or_else(|| pair.strip_prefix("For="))).map(String::from)
            })
            .collect()
    };
    let mut chain = Vec::new();
    for entry in raw.iter().rev() {
        match parse_hop(entry) {
            Some(ip) => chain.push(canonical(ip)),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = IpAddr::from_str(s) {
        return Some(ip);
    }
    if let Ok(sock) = SocketAddr::from_str(s) {
        return Some(sock.ip());
    }
    s.strip_prefix('[').and_then(|r| r.split(']').next()).and_then(|ip| IpAddr::from_str(ip).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(http::HeaderName::from_str(k).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 40000)
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let xff = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(trusted.client(peer("10.1.2.3"), &xff), "203.0.113.7".parse::<IpAddr>().unwrap());
        // a client that writes the header itself is still itself
        assert_eq!(trusted.client(peer("198.51.100.9"), &xff), "198.51.100.9".parse::<IpAddr>().unwrap());
        // nobody trusted: the header means nothing
        assert_eq!(TrustedProxies::default().client(peer("10.1.2.3"), &xff), "10.1.2.3".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // the client forged a first entry; the proxies appended the real one and themselves
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(trusted.client(peer("10.0.0.1"), &h), "203.0.113.7".parse::<IpAddr>().unwrap());
        // two header lines are one list
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.8")]);
        assert_eq!(trusted.client(peer("10.0.0.1"), &h), "203.0.113.8".parse::<IpAddr>().unwrap());
        // only proxies in the chain: the first one
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(trusted.client(peer("10.0.0.1"), &h), "10.9.9.9".parse::<IpAddr>().unwrap());
        // garbage stops the walk; no header: the proxy itself
        let h = headers(&[("x-forwarded-for", "203.0.113.9, nonsense")]);
        assert_eq!(trusted.client(peer("10.0.0.1"), &h), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(trusted.client(peer("10.0.0.1"), &HeaderMap::new()), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn forwarded_header_and_address_forms() {
        let trusted = TrustedProxies::parse("::1, 127.0.0.0/8").unwrap();
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\"")]);
        assert_eq!(trusted.client(peer("::1"), &h), "2001:db8:cafe::17".parse::<IpAddr>().unwrap());
        let h = headers(&[("x-forwarded-for", "192.0.2.1:5555")]);
        assert_eq!(trusted.client(peer("127.0.0.1"), &h), "192.0.2.1".parse::<IpAddr>().unwrap());
        // an IPv4 peer seen through an IPv6 socket is still trusted
        let h = headers(&[("x-forwarded-for", "192.0.2.2")]);
        assert_eq!(trusted.client(peer("::ffff:127.0.0.1"), &h), "192.0.2.2".parse::<IpAddr>().unwrap());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").unwrap_err().contains("proxy.internal"));
        assert_eq!(TrustedProxies::parse(" ").unwrap(), TrustedProxies::default());
    }
}
