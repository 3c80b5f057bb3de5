//! `X-Mindbody-Signature: sha256=<base64(HMAC-SHA256(key = the subscription's
//! messageSignatureKey as UTF-8 bytes, message = the raw body))>`. It covers no timestamp, so
//! replays are stopped by de-duplicating on `messageId`, not here.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the delivery has no X-Mindbody-Signature header")]
    Missing,
    #[error("the X-Mindbody-Signature header is not `sha256=` and base64")]
    Malformed,
    #[error(
        "the X-Mindbody-Signature does not match the body (forged, altered, or signed with another subscription's key)"
    )]
    Mismatch,
}

/// The header value Mindbody sends for `body`.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!(
        "sha256={}",
        crate::encoding::base64(&mac.finalize().into_bytes())
    )
}

/// Checks a delivery's header against its raw body, in constant time.
pub fn verify(key: &str, header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let encoded = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let claimed = crate::encoding::base64_decode(encoded).ok_or(SignatureError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "dGVzdC1zaWduYXR1cmUta2V5LW5vdC1yZWFsLTAwMDA=";

    #[test]
    fn signs_as_mindbody_does_and_checks_its_own() {
        let body = br#"{"messageId":"x"}"#;
        let header = sign(KEY, body);
        assert!(header.starts_with("sha256="));
        assert_eq!(verify(KEY, Some(&header), body), Ok(()));
        assert_eq!(
            verify("another key", Some(&header), body),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_told_apart_from_forgeries() {
        assert_eq!(verify(KEY, None, b"{}"), Err(SignatureError::Missing));
        assert_eq!(
            verify(KEY, Some("md5=abc"), b"{}"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(KEY, Some("sha256=%%%"), b"{}"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(KEY, Some("sha256=AAAA"), b"{}"),
            Err(SignatureError::Mismatch)
        );
    }
}
