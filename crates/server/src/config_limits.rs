//! `PORTAL_TRUSTED_PROXIES` (§17): the proxies whose `X-Forwarded-For` names the client
//! the rate limit counts.

use ipnet::IpNet;

use crate::config_error::ConfigError;

/// Comma-separated CIDRs (`10.0.0.0/8, 2001:db8::/32`; a bare address is its own /32 or
/// /128); unset: none, the socket peer is the client.
pub fn trusted_proxies(get: impl Fn(&str) -> Option<String>) -> Result<Vec<IpNet>, ConfigError> {
    let Some(raw) = get("PORTAL_TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|cidr| {
            cidr.parse::<IpNet>()
                .or_else(|_| cidr.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        "PORTAL_TRUSTED_PROXIES",
                        format!("'{cidr}' is not an address or CIDR such as 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(raw: &str) -> Result<Vec<IpNet>, ConfigError> {
        trusted_proxies(|k| (k == "PORTAL_TRUSTED_PROXIES").then(|| raw.to_owned()))
    }

    #[test]
    fn cidrs_and_bare_addresses_are_read_and_bad_ones_named() {
        let nets = read("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(trusted_proxies(|_| None).unwrap().is_empty());
        assert_eq!(
            read("10.0.0.0/33").unwrap_err().variable,
            "PORTAL_TRUSTED_PROXIES"
        );
        assert_eq!(
            read("proxy.internal").unwrap_err().variable,
            "PORTAL_TRUSTED_PROXIES"
        );
    }
}
