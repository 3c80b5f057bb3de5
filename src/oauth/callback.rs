//! Reading the address the browser was sent back to, from the loopback listener or pasted by
//! the user: it must be the redirect URI, carry this sign-in's `state` (compared in constant
//! time), and a `code` (or the provider's `error`).

use subtle::ConstantTimeEq;
use url::Url;

use super::OAuthError;

/// The `code` in a callback address, once everything about it checks out.
pub fn read_callback(address: &str, redirect: &Url, state: &str) -> Result<String, OAuthError> {
    let text = address
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '<' || c == '>');
    let url = Url::parse(text).map_err(|_| {
        OAuthError::NotAUrl(crate::text::one_line(
            &text.chars().take(80).collect::<String>(),
        ))
    })?;
    if !same_endpoint(&url, redirect) {
        let mut got = url.clone();
        got.set_query(None);
        return Err(OAuthError::WrongRedirect {
            expected: redirect.to_string(),
            got: got.to_string(),
        });
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    // The state comes first: an error or a code from someone else's attempt is not ours to act on.
    let given = param("state").unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(state.as_bytes())) {
        return Err(OAuthError::StateMismatch);
    }
    if let Some(error) = param("error") {
        return Err(OAuthError::Denied {
            error: crate::text::one_line(&error),
            description: param("error_description").map(|d| crate::text::one_line(&d)),
        });
    }
    param("code")
        .filter(|c| !c.is_empty())
        .ok_or(OAuthError::MissingCode)
}

/// Scheme, port and path must match; `localhost`, `127.0.0.1` and `[::1]` are the same host.
fn same_endpoint(url: &Url, redirect: &Url) -> bool {
    let loopback = |u: &Url| {
        matches!(
            u.host_str(),
            Some("localhost") | Some("127.0.0.1") | Some("[::1]") | Some("::1")
        )
    };
    let same_host = url.host_str() == redirect.host_str() || (loopback(url) && loopback(redirect));
    url.scheme() == redirect.scheme()
        && same_host
        && url.port_or_known_default() == redirect.port_or_known_default()
        && url.path() == redirect.path()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect() -> Url {
        Url::parse("http://localhost:3000/api/integrations/mindbody/callback").unwrap()
    }

    #[test]
    fn a_good_callback_gives_its_code() {
        let code = read_callback(
            "  http://127.0.0.1:3000/api/integrations/mindbody/callback?code=abc&state=S1&scope=x ",
            &redirect(),
            "S1",
        );
        assert_eq!(code.unwrap(), "abc");
    }

    #[test]
    fn forged_wrong_and_refused_addresses_are_told_apart() {
        let r = redirect();
        let base = "http://localhost:3000/api/integrations/mindbody/callback";
        assert_eq!(
            read_callback(&format!("{base}?code=abc&state=OTHER"), &r, "S1"),
            Err(OAuthError::StateMismatch)
        );
        assert_eq!(
            read_callback(&format!("{base}?code=abc"), &r, "S1"),
            Err(OAuthError::StateMismatch)
        );
        assert!(matches!(
            read_callback("http://localhost:3000/other?code=abc&state=S1", &r, "S1"),
            Err(OAuthError::WrongRedirect { .. })
        ));
        assert!(matches!(
            read_callback(
                "https://evil.example/api/integrations/mindbody/callback?code=a&state=S1",
                &r,
                "S1"
            ),
            Err(OAuthError::WrongRedirect { .. })
        ));
        assert!(matches!(
            read_callback(&format!("{base}?error=access_denied&error_description=The+user+said+no&state=S1"), &r, "S1"),
            Err(OAuthError::Denied { error, description: Some(d) }) if error == "access_denied" && d == "The user said no"
        ));
        assert_eq!(
            read_callback(&format!("{base}?state=S1"), &r, "S1"),
            Err(OAuthError::MissingCode)
        );
        assert!(matches!(
            read_callback("just some text", &r, "S1"),
            Err(OAuthError::NotAUrl(_))
        ));
    }
}
