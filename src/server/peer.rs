//! Who sent a request. The socket's address, unless that address is a proxy the config trusts
//! (`[server] trusted_proxies`): then the right-most address in `X-Forwarded-For` that is not
//! itself a trusted proxy. Anyone can send `X-Forwarded-For`, so from anyone else it means
//! nothing; and only its last [`FORWARDED_TAIL`] bytes are read, however long it is.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The end of `X-Forwarded-For` that is read: proxies append, so the hops that matter are last.
pub const FORWARDED_TAIL: usize = 512;
/// Hops looked at, right to left, before giving up and taking the socket's address.
const HOPS_MAX: usize = 16;

pub fn client_address(socket: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let socket_ip = canonical(socket.ip());
    if !trusted.contains(&socket_ip) {
        return socket_ip;
    }
    // Several headers are one list, in order: the last one is the nearest proxy's.
    let mut hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .flat_map(|value| {
            let bytes = value.as_bytes();
            let tail = &bytes[bytes.len().saturating_sub(FORWARDED_TAIL)..];
            let mut hops: Vec<&[u8]> = tail.split(|b| *b == b',').collect();
            if tail.len() < bytes.len() {
                // The first piece of a cut header is part of an address: not one.
                hops.remove(0);
            }
            hops.into_iter().rev()
        })
        .take(HOPS_MAX);
    hops.find_map(|hop| {
        let ip = std::str::from_utf8(hop)
            .ok()?
            .trim()
            .parse::<IpAddr>()
            .ok()?;
        let ip = canonical(ip);
        (!trusted.contains(&ip)).then_some(ip)
    })
    .unwrap_or(socket_ip)
}

/// `::ffff:127.0.0.1` (a dual-stack socket's IPv4 peer) is `127.0.0.1`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const PROXY: &str = "127.0.0.1:50000";

    #[test]
    fn an_untrusted_peer_is_its_socket_address_whatever_it_forwards() {
        let socket: SocketAddr = "203.0.113.9:4000".parse().unwrap();
        let trusted = [ip("127.0.0.1")];
        assert_eq!(
            client_address(socket, &headers(&["198.51.100.1"]), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &headers(&["198.51.100.1"]), &[]),
            ip("127.0.0.1"),
            "no proxy is trusted by default"
        );
    }

    #[test]
    fn a_trusted_proxy_gives_the_right_most_untrusted_hop() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let socket = PROXY.parse().unwrap();
        // The client claims to be 192.0.2.1; the outer proxy saw 198.51.100.7.
        let h = headers(&["192.0.2.1, 198.51.100.7, 10.0.0.2"]);
        assert_eq!(client_address(socket, &h, &trusted), ip("198.51.100.7"));
        let split = headers(&["192.0.2.1", "198.51.100.7"]);
        assert_eq!(client_address(socket, &split, &trusted), ip("198.51.100.7"));
        assert_eq!(
            client_address(socket, &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        let garbage = headers(&["not an address"]);
        assert_eq!(client_address(socket, &garbage, &trusted), ip("127.0.0.1"));
    }

    #[test]
    fn a_huge_header_is_read_only_at_its_end() {
        let trusted = [ip("127.0.0.1")];
        let huge = format!("{}, 198.51.100.7", "9".repeat(400_000));
        let h = headers(&[&huge]);
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &h, &trusted),
            ip("198.51.100.7")
        );
        let cut_inside = format!("{}198.51.100.77", "1".repeat(FORWARDED_TAIL));
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &headers(&[&cut_inside]), &trusted),
            ip("127.0.0.1"),
            "a cut address is not an address"
        );
    }

    #[test]
    fn a_dual_stack_peer_is_its_ipv4_address() {
        let socket: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let trusted = [ip("127.0.0.1")];
        assert_eq!(
            client_address(socket, &headers(&["198.51.100.7"]), &trusted),
            ip("198.51.100.7")
        );
    }
}
