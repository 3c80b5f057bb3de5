//! What the sandbox's Mindbody identity server knows of the hub's application, as a real one
//! knows it from the app's registration: its client id and secret, the redirect URIs it
//! registered, and the sites (`subscriberId`) it may be granted: the sandbox's, `-99`, `-98`,
//! ... as many as it runs.
//!
//! A code goes only to a registered redirect URI (RFC 6749 §4.1.2.1; any other gets an error
//! page, never a redirect). The hub's redirect is a loopback one, and the hub listens on
//! whatever port is free (the demo, the tests) or was configured, so for loopback redirects the
//! port is not compared (RFC 8252 §7.3); scheme, host and path are. The SSH paste-back flow
//! uses the very same redirect URI (the browser fails to reach it; the user pastes the address),
//! so it needs no registration of its own.

use url::Url;

pub const SANDBOX_CLIENT_ID: &str = "legion-finance-sandbox";
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-client-secret";
/// The studio's site: Mindbody's public sandbox.
pub const SANDBOX_SITE_ID: &str = "-99";
/// The second site of a chain (and of the Mindbody fake's `start`, so a token can be seen to
/// belong to one site only).
pub const SANDBOX_SECOND_SITE_ID: &str = "-98";

/// The most sites one sandbox runs (`legion-hub sandbox --sites N`).
pub const MAX_SITES: usize = 20;

/// The last site of the largest sandbox (`-80`).
pub const LAST_SITE_ID: i64 = super::studio::site::FIRST_SITE + MAX_SITES as i64 - 1;

/// The ids of a sandbox of `count` sites (1 to [`MAX_SITES`]): `-99`, `-98`, `-97`, ...
pub fn site_ids(count: usize) -> Vec<i64> {
    (0..count.clamp(1, MAX_SITES) as i64)
        .map(|k| super::studio::site::FIRST_SITE + k)
        .collect()
}

/// The hub's registered redirect URIs (`DEFAULT_REDIRECT_URI` and its loopback spellings).
const REDIRECT_URIS: &[&str] = &[
    "http://localhost:3000/api/integrations/mindbody/callback",
    "http://127.0.0.1:3000/api/integrations/mindbody/callback",
    "http://[::1]:3000/api/integrations/mindbody/callback",
];

fn is_loopback(url: &Url) -> bool {
    matches!(
        url.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    )
}

/// Whether a code may be sent to `redirect_uri`: a registered one, on any port when loopback.
pub fn redirect_registered(redirect_uri: &str) -> bool {
    let Ok(asked) = Url::parse(redirect_uri) else {
        return false;
    };
    REDIRECT_URIS
        .iter()
        .filter_map(|r| Url::parse(r).ok())
        .any(|registered| {
            let same_port = is_loopback(&registered) || asked.port() == registered.port();
            asked.scheme() == registered.scheme()
                && asked.host_str() == registered.host_str()
                && same_port
                && asked.path() == registered.path()
                && asked.query() == registered.query()
                && asked.fragment().is_none()
                && asked.username().is_empty()
                && asked.password().is_none()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_count_down_from_the_sandbox_site() {
        assert_eq!(site_ids(1), vec![-99]);
        assert_eq!(site_ids(1)[0].to_string(), SANDBOX_SITE_ID);
        assert_eq!(site_ids(3), vec![-99, -98, -97]);
        assert_eq!(site_ids(2)[1].to_string(), SANDBOX_SECOND_SITE_ID);
        assert_eq!(site_ids(MAX_SITES).last(), Some(&LAST_SITE_ID));
        assert_eq!(LAST_SITE_ID, -80);
        assert_eq!(site_ids(0), vec![-99], "never fewer than one");
        assert_eq!(site_ids(99).len(), MAX_SITES, "never more than the most");
    }

    #[test]
    fn loopback_redirects_on_any_port_and_nothing_else() {
        for ok in [
            "http://localhost:3000/api/integrations/mindbody/callback",
            "http://localhost:41211/api/integrations/mindbody/callback",
            "http://127.0.0.1:9/api/integrations/mindbody/callback",
            "http://[::1]:8080/api/integrations/mindbody/callback",
        ] {
            assert!(redirect_registered(ok), "{ok}");
        }
        for refused in [
            "https://localhost:3000/api/integrations/mindbody/callback",
            "http://evil.example:3000/api/integrations/mindbody/callback",
            "http://localhost.evil.example/api/integrations/mindbody/callback",
            "http://user@localhost:3000/api/integrations/mindbody/callback",
            "http://localhost:3000/api/integrations/mindbody/callback#x",
            "http://localhost:3000/api/integrations/mindbody/callback/",
            "http://localhost:3000/cb",
            "",
        ] {
            assert!(!redirect_registered(refused), "{refused}");
        }
    }
}
