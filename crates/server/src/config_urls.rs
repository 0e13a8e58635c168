//! Addresses read from the environment: the listeners (`PORTAL_BIND`,
//! `PORTAL_INTERNAL_BIND`), the origins that may embed the app
//! (`PORTAL_ALLOWED_PARENT_ORIGINS`) and the Redis server or cluster (`REDIS_URL`).

use std::net::SocketAddr;

use crate::config_error::ConfigError;

/// A listener's address from `var`, else `default`.
pub(crate) fn listen_address(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
) -> Result<SocketAddr, ConfigError> {
    let raw = get(var).unwrap_or_else(|| default.to_owned());
    raw.trim()
        .parse()
        .map_err(|_| ConfigError::new(var, format!("'{raw}' is not an address like {default}")))
}

/// `PORTAL_ALLOWED_PARENT_ORIGINS`: comma-separated `http(s)://host[:port]` origins.
pub(crate) fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = rest.is_some_and(|host| {
                !host.is_empty() && !host.contains(['/', '?', '#', '*', ' ', '\'', '"', ';'])
            });
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::new(
                    "PORTAL_ALLOWED_PARENT_ORIGINS",
                    format!("'{origin}' is not an origin like https://workbench.example.com"),
                ))
            }
        })
        .collect()
}

/// `REDIS_URL`: one server's URL, or the nodes of a Redis Cluster separated by commas
/// (`redis://h1:p1,redis://h2:p2`); each must be a `redis://` or `rediss://` URL with a
/// host. Returned with the spaces around the commas removed.
pub(crate) fn redis_urls(raw: &str) -> Result<String, ConfigError> {
    let urls: Vec<&str> = raw.split(',').map(str::trim).collect();
    for url in &urls {
        let rest = url
            .strip_prefix("redis://")
            .or_else(|| url.strip_prefix("rediss://"))
            .ok_or_else(|| {
                ConfigError::new(
                    "REDIS_URL",
                    format!("'{url}' must start with redis:// or rediss://"),
                )
            })?;
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let host = host.split(['/', '?']).next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') || host.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                "REDIS_URL",
                format!("'{url}' names no host (like redis://127.0.0.1:6379)"),
            ));
        }
    }
    Ok(urls.join(","))
}
