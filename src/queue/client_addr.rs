//! The address a sign-in really came from. Behind the agency's reverse proxy every request
//! arrives from the proxy, so throttling by the socket's peer would put every operator in
//! one bucket: five typos anywhere would lock everyone out. `X-Forwarded-For` is believed
//! only when the peer is a configured proxy, and only as far back as the chain of trusted
//! hops goes; a client cannot name its own address by sending the header itself.

use std::net::{IpAddr, Ipv6Addr};

use axum::http::HeaderMap;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Addresses or CIDR blocks ("10.0.0.2", "10.0.0.0/8", "fd00::/8").
    pub fn parse(list: &[String]) -> Result<TrustedProxies, String> {
        list.iter()
            .map(|item| {
                let bad = || {
                    format!("web.trusted_proxies: {item:?} no es una dirección ni un bloque CIDR")
                };
                let (addr, bits) = match item.trim().split_once('/') {
                    Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
                    None => (item.trim(), None),
                };
                let addr: IpAddr = addr.parse().map_err(|_| bad())?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let bits = bits.unwrap_or(max);
                if bits > max {
                    return Err(bad());
                }
                Ok((addr.to_canonical(), bits))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(net, bits)| in_block(ip, *net, *bits))
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the nearest hop of
    /// `X-Forwarded-For` (read from the right) that is not itself a trusted proxy. A hop that
    /// does not parse ends the walk at the last trusted one: garbage never becomes an address.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.contains(client) {
            return Some(client);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let host = match hop.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        None => hop.rsplit_once(':')?.0,
    };
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// What the throttle counts by: IPv4 addresses as they are, IPv6 by their /64, since one
/// subscriber usually holds a whole /64 and could otherwise take a fresh address per guess.
pub fn throttle_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let headers = xff("203.0.113.9, 10.0.0.7");
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &headers),
            Some(ip("203.0.113.9")),
            "the chain of trusted hops is walked back to the client"
        );
        assert_eq!(
            proxies.client(Some(ip("198.51.100.4")), &headers),
            Some(ip("198.51.100.4")),
            "a direct client cannot choose its address"
        );
        let spoofed = xff("1.1.1.1, 203.0.113.9");
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &spoofed),
            Some(ip("203.0.113.9")),
            "what the client wrote before the proxy's entry is not believed"
        );
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &xff("no-es-ip")),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            proxies.client(Some(ip("::1")), &xff("[2001:db8::5]:4431")),
            Some(ip("2001:db8::5"))
        );
        assert_eq!(
            proxies.client(Some(ip("::ffff:10.1.2.3")), &xff("203.0.113.1:80")),
            Some(ip("203.0.113.1")),
            "IPv4-mapped peers count as IPv4"
        );
        assert_eq!(proxies.client(None, &headers), None);
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
        assert!(
            TrustedProxies::parse(&[])
                .unwrap()
                .client(Some(ip("10.0.0.2")), &headers)
                == Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn ipv6_is_counted_by_its_64() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(throttle_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(throttle_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}
