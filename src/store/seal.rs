//! Sealing secrets before they reach sled: XChaCha20-Poly1305 with a random nonce, and the tree
//! and key as associated data so a sealed value cannot be moved to another record.
//!
//! The master key comes from `LEGION_HUB_MASTER_KEY` (64 hex characters) or a 32-byte key file
//! created with mode 0600. A key file others can read is refused, as ssh refuses such a private
//! key. The key is loaded on first use: commands that touch no secret never read it.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

pub const MASTER_KEY_ENV: &str = "LEGION_HUB_MASTER_KEY";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// First byte of every sealed value, so the format can change later.
const FORMAT: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(
        "{MASTER_KEY_ENV} must be 64 hex characters (32 bytes); make one with `openssl rand -hex 32`"
    )]
    BadEnvKey,
    #[error(
        "the key file {path} can be read by others (mode {mode:o}); legion-hub refuses it, as ssh refuses such a private key: run `chmod 600 {path}`"
    )]
    KeyFileTooOpen { path: PathBuf, mode: u32 },
    #[error(
        "the key file {path} is {len} bytes, not 32: it is not a legion-hub master key (restore it from a backup, or set {MASTER_KEY_ENV})"
    )]
    KeyFileWrongSize { path: PathBuf, len: u64 },
    #[error(
        "there is no master key ({path} does not exist and {MASTER_KEY_ENV} is not set), so the saved secrets cannot be opened: restore the key file, or set {MASTER_KEY_ENV}"
    )]
    NoKey { path: PathBuf },
    #[error("cannot use the key file {path}: {source}")]
    KeyFileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "a sealed secret ({what}) could not be opened: the master key is not the one it was sealed with, or the value is damaged"
    )]
    Unseal { what: String },
}

/// Seals and opens secrets with the master key, loading (or creating) it on first use.
pub struct Sealer {
    key_file: PathBuf,
    cipher: Mutex<Option<XChaCha20Poly1305>>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("key_file", &self.key_file)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    pub fn new(key_file: PathBuf) -> Sealer {
        Sealer {
            key_file,
            cipher: Mutex::new(None),
        }
    }

    /// Seals `plaintext`, bound to `context` (e.g. "integration_tokens/mindbody").
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let cipher = self.cipher(true)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, context: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let unseal = || SealError::Unseal {
            what: context.to_string(),
        };
        if blob.len() < 1 + NONCE_LEN || blob[0] != FORMAT {
            return Err(unseal());
        }
        let cipher = self.cipher(false)?;
        let (nonce, sealed) = blob[1..].split_at(NONCE_LEN);
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| unseal())
    }

    fn cipher(&self, create_if_missing: bool) -> Result<XChaCha20Poly1305, SealError> {
        let mut slot = self.cipher.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cipher) = slot.as_ref() {
            return Ok(cipher.clone());
        }
        let key = load_key(&self.key_file, create_if_missing)?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_slice()).expect("32-byte key");
        *slot = Some(cipher.clone());
        Ok(cipher)
    }
}

fn load_key(key_file: &Path, create_if_missing: bool) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if let Some(hex) = std::env::var_os(MASTER_KEY_ENV).filter(|v| !v.is_empty()) {
        return decode_hex_key(&hex.to_string_lossy()).ok_or(SealError::BadEnvKey);
    }
    let io = |source| SealError::KeyFileIo {
        path: key_file.to_path_buf(),
        source,
    };
    match std::fs::metadata(key_file) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SealError::KeyFileTooOpen {
                    path: key_file.to_path_buf(),
                    mode,
                });
            }
            if meta.len() != KEY_LEN as u64 {
                return Err(SealError::KeyFileWrongSize {
                    path: key_file.to_path_buf(),
                    len: meta.len(),
                });
            }
            std::fs::read(key_file).map(Zeroizing::new).map_err(io)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create_if_missing => {
            create_key_file(key_file).map_err(io)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SealError::NoKey {
            path: key_file.to_path_buf(),
        }),
        Err(e) => Err(io(e)),
    }
}

fn create_key_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    rand::rngs::OsRng.fill_bytes(&mut key);
    // create_new: never overwrite a key another process just wrote.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(&key)?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "created a new master key");
    Ok(key)
}

fn decode_hex_key(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(from_hex(text.trim())?);
    (key.len() == KEY_LEN).then_some(key)
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer_in(dir: &Path) -> Sealer {
        Sealer::new(dir.join("master.key"))
    }

    #[test]
    fn seal_and_open_round_trip_and_create_a_0600_key() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = sealer_in(dir.path());
        let blob = sealer
            .seal("integration_tokens/mindbody", b"hunter2")
            .unwrap();
        assert!(!blob.windows(7).any(|w| w == b"hunter2"));
        let opened = sealer.open("integration_tokens/mindbody", &blob).unwrap();
        assert_eq!(opened.as_slice(), b"hunter2");
        let mode = std::fs::metadata(dir.path().join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_value_moved_to_another_record_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = sealer_in(dir.path());
        let blob = sealer.seal("integration_tokens/mindbody", b"x").unwrap();
        assert!(matches!(
            sealer.open("integration_tokens/gemini", &blob),
            Err(SealError::Unseal { .. })
        ));
    }

    #[test]
    fn a_readable_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, [7u8; 32]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Sealer::new(path).seal("t/k", b"x").unwrap_err();
        assert!(matches!(err, SealError::KeyFileTooOpen { mode: 0o644, .. }));
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_wrong_key_cannot_open() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let blob = sealer_in(a.path()).seal("t/k", b"secret").unwrap();
        let other = sealer_in(b.path());
        other.seal("t/k", b"make a key").unwrap();
        assert!(matches!(
            other.open("t/k", &blob),
            Err(SealError::Unseal { .. })
        ));
    }

    #[test]
    fn opening_without_any_key_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let err = sealer_in(dir.path()).open("t/k", &[1u8; 60]).unwrap_err();
        assert!(matches!(err, SealError::NoKey { .. }), "{err}");
    }

    #[test]
    fn hex_keys() {
        assert_eq!(decode_hex_key(&"ab".repeat(32)).unwrap()[0], 0xab);
        assert!(decode_hex_key("abc").is_none());
        assert!(decode_hex_key(&"zz".repeat(32)).is_none());
    }
}
