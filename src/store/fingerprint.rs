//! The master key's id: a short fingerprint the hub records beside the sealed values, so a key
//! that is not theirs is named and refused before anything is sealed with it. The id is the
//! first 8 bytes of SHA-256 over a domain-separated derivation of the key: it says which key it
//! is and nothing about it.

use sha2::{Digest, Sha256};

/// What the derivation is for; a fingerprint of the same key for another purpose differs.
const DOMAIN: &[u8] = b"legion-hub master key id v1\0";

/// The key's id, 16 hex characters.
pub fn key_id(key: &[u8]) -> String {
    let digest = Sha256::new_with_prefix(DOMAIN).chain_update(key).finalize();
    super::seal::to_hex(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_stable_and_differ_per_key() {
        let a = key_id(&[1u8; 32]);
        assert_eq!(a.len(), 16);
        assert_eq!(a, key_id(&[1u8; 32]));
        assert_ne!(a, key_id(&[2u8; 32]));
        assert!(!a.contains(&super::super::seal::to_hex(&[1u8; 8])));
    }
}
