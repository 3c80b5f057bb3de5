//! Sealing secrets before they reach sled: XChaCha20-Poly1305 with a random nonce, and the tree
//! and key as associated data so a sealed value cannot be moved to another record.
//!
//! The master key comes from `LEGION_HUB_MASTER_KEY` (64 hex characters) or a 32-byte key file
//! with mode 0600. A key file others can read is refused, as ssh refuses such a private key. The
//! key is loaded on first use: commands that touch no secret never read it.
//!
//! A key is created only for a hub that holds no sealed value at all: a missing key beside
//! sealed values is an error, never a fresh start (that would lose every secret sealed before).
//! The key's id (see [`super::fingerprint`]) is checked against the one the hub recorded.
//!
//! `secrets rotate` leaves `master.key.new` on disk before it commits; [`load`] finishes or
//! drops such a rotation by which key the hub's recorded id names, so a crash between the steps
//! never leaves values sealed by a key that is not on disk.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

pub const MASTER_KEY_ENV: &str = "LEGION_HUB_MASTER_KEY";
/// The next key, for `secrets rotate` when the key comes from the environment.
pub const NEW_MASTER_KEY_ENV: &str = "LEGION_HUB_NEW_MASTER_KEY";
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
        "there is no master key ({path} does not exist and {MASTER_KEY_ENV} is not set), so the saved secrets cannot be opened: set {MASTER_KEY_ENV} as the hub's service has it, or restore the key file; no new key is made while sealed secrets exist, so nothing has been changed"
    )]
    NoKey { path: PathBuf },
    #[error(
        "this data was sealed with key {recorded}, but {found_in} is key {found}: set {MASTER_KEY_ENV} to the hub's key, or restore {path} (the key file with id {recorded}); nothing has been changed"
    )]
    WrongKey {
        recorded: String,
        found: String,
        /// Where the wrong key came from, in words.
        found_in: String,
        path: PathBuf,
    },
    #[error(
        "the key comes from {MASTER_KEY_ENV}, so the new one must too: set {NEW_MASTER_KEY_ENV} to a new key (`openssl rand -hex 32`) and run `legion-hub secrets rotate` again; nothing has been changed"
    )]
    NoNewEnvKey,
    #[error(
        "{NEW_MASTER_KEY_ENV} must be 64 hex characters (32 bytes); make one with `openssl rand -hex 32`; nothing has been changed"
    )]
    BadNewEnvKey,
    #[error("the new key is the key in use: choose another; nothing has been changed")]
    SameKey,
    #[error("cannot use the key file {path}: {source}")]
    KeyFileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "a sealed secret ({what}) could not be opened: the master key is not the one it was sealed with, or the value is damaged; set {MASTER_KEY_ENV} to the hub's key or restore {path}, and nothing will be lost (nothing has been changed)"
    )]
    Unseal { what: String, path: PathBuf },
}

/// A master key, ready to seal and open.
pub struct MasterKey {
    bytes: Zeroizing<Vec<u8>>,
    cipher: XChaCha20Poly1305,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> MasterKey {
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).expect("32-byte key");
        let id = super::fingerprint::key_id(&bytes);
        MasterKey { bytes, cipher, id }
    }

    /// A new random key.
    pub fn generate() -> MasterKey {
        let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut key);
        MasterKey::from_bytes(key)
    }

    /// A key written as 64 hex characters (`openssl rand -hex 32`).
    pub fn from_hex(text: &str) -> Option<MasterKey> {
        decode_hex_key(text).map(MasterKey::from_bytes)
    }

    /// The key's id (its fingerprint), safe to show and record.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes the key to a new file, mode 0600, synced; never over an existing file.
    pub fn write_new_file(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(&self.bytes)?;
        file.sync_all()?;
        sync_dir(path);
        Ok(())
    }

    /// Seals `plaintext`, bound to `context` (e.g. "integration_tokens/mindbody").
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
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
        out
    }

    /// Opens a sealed value; None when this key did not seal it (or it is damaged).
    pub fn open(&self, context: &str, blob: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if blob.len() < 1 + NONCE_LEN || blob[0] != FORMAT {
            return None;
        }
        let (nonce, sealed) = blob[1..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// What the hub knows before the key is loaded.
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    /// The id the hub recorded (None: no key used yet, or data sealed before ids were recorded).
    pub recorded_id: Option<String>,
    /// Whether any sealed value exists: then no key may be created.
    pub holds_sealed_values: bool,
}

/// Where the key in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => write!(f, "{MASTER_KEY_ENV}"),
            KeySource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Holds the master key once loaded.
pub struct Sealer {
    key_file: PathBuf,
    key: Mutex<Option<(Arc<MasterKey>, KeySource)>>,
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
            key: Mutex::new(None),
        }
    }

    pub fn key_file(&self) -> &Path {
        &self.key_file
    }

    /// The key, loaded on first use with what the hub knows (asked only then) and `check`ed
    /// before it is kept (the check may refuse it).
    pub fn key<E: From<SealError>>(
        &self,
        expect: impl FnOnce() -> Result<Expectation, E>,
        check: impl FnOnce(&MasterKey, &KeySource) -> Result<(), E>,
    ) -> Result<(Arc<MasterKey>, KeySource), E> {
        let mut slot = self.key.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((key, source)) = slot.as_ref() {
            return Ok((key.clone(), source.clone()));
        }
        let (key, source) = load(&self.key_file, &expect()?)?;
        check(&key, &source)?;
        let key = Arc::new(key);
        *slot = Some((key.clone(), source.clone()));
        Ok((key, source))
    }

    /// A value that did not open, said with what to do.
    pub fn unseal_error(&self, context: &str) -> SealError {
        SealError::Unseal {
            what: context.to_string(),
            path: self.key_file.clone(),
        }
    }

    /// Forgets the loaded key (after a rotation, the next use loads the new one).
    pub fn forget(&self) {
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// `master.key.new`, `master.key.old`: siblings of the key file.
pub fn sibling(key_file: &Path, suffix: &str) -> PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    key_file.with_file_name(name)
}

/// Loads the key: from the environment, else the key file (finishing or dropping a rotation a
/// crash interrupted), creating it only when the hub holds no sealed value.
pub fn load(key_file: &Path, expect: &Expectation) -> Result<(MasterKey, KeySource), SealError> {
    // Only values sealed with another key make a key wrong: with none, any key may start afresh.
    let wrong = |key: &MasterKey, source: &KeySource| match &expect.recorded_id {
        Some(recorded) if expect.holds_sealed_values && recorded != key.id() => {
            Err(SealError::WrongKey {
                recorded: recorded.clone(),
                found: key.id().to_string(),
                found_in: match source {
                    KeySource::Env => format!("{MASTER_KEY_ENV} (from the environment)"),
                    KeySource::File(path) => format!("the key file {}", path.display()),
                },
                path: key_file.to_path_buf(),
            })
        }
        _ => Ok(()),
    };
    if let Some(key) = env_key()? {
        wrong(&key, &KeySource::Env)?;
        return Ok((key, KeySource::Env));
    }
    finish_rotation(key_file, expect)?;
    let source = KeySource::File(key_file.to_path_buf());
    let key = match read_key_file(key_file)? {
        Some(key) => key,
        None if !expect.holds_sealed_values => {
            let key = MasterKey::generate();
            match key.write_new_file(key_file) {
                Ok(()) => {
                    tracing::info!(path = %key_file.display(), id = key.id(), "created a new master key");
                    key
                }
                // Another process just wrote one: use it.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(key_file)?
                    .ok_or_else(|| SealError::NoKey {
                        path: key_file.to_path_buf(),
                    })?,
                Err(source) => {
                    return Err(SealError::KeyFileIo {
                        path: key_file.to_path_buf(),
                        source,
                    });
                }
            }
        }
        None => {
            return Err(SealError::NoKey {
                path: key_file.to_path_buf(),
            });
        }
    };
    wrong(&key, &source)?;
    Ok((key, source))
}

/// The key in `LEGION_HUB_MASTER_KEY`, if it is set.
fn env_key() -> Result<Option<MasterKey>, SealError> {
    match std::env::var_os(MASTER_KEY_ENV).filter(|v| !v.is_empty()) {
        Some(hex) => MasterKey::from_hex(&hex.to_string_lossy())
            .map(Some)
            .ok_or(SealError::BadEnvKey),
        None => Ok(None),
    }
}

/// The key this process would use, without creating one or finishing a rotation (for
/// `secrets id`).
pub fn key_at_hand(key_file: &Path) -> Result<Option<(MasterKey, KeySource)>, SealError> {
    if let Some(key) = env_key()? {
        return Ok(Some((key, KeySource::Env)));
    }
    Ok(read_key_file(key_file)?.map(|key| (key, KeySource::File(key_file.to_path_buf()))))
}

/// A rotation left `master.key.new`: if the hub's recorded id is the new key's, the rotation
/// committed, so the new key takes the file's place (the old one kept as `.old`); otherwise it
/// never committed and the new key sealed nothing, so it goes.
fn finish_rotation(key_file: &Path, expect: &Expectation) -> Result<(), SealError> {
    let pending = sibling(key_file, ".new");
    let Some(new) = read_key_file(&pending)? else {
        return Ok(());
    };
    let io = |source| SealError::KeyFileIo {
        path: pending.clone(),
        source,
    };
    if expect.recorded_id.as_deref() == Some(new.id()) {
        if key_file.exists() {
            std::fs::rename(key_file, sibling(key_file, ".old")).map_err(io)?;
        }
        std::fs::rename(&pending, key_file).map_err(io)?;
        sync_dir(key_file);
        tracing::info!(id = new.id(), "finished an interrupted key rotation");
    } else {
        std::fs::remove_file(&pending).map_err(io)?;
        tracing::info!("dropped the new key of a rotation that never committed");
    }
    Ok(())
}

/// The key in `path`, None when there is no such file.
fn read_key_file(path: &Path) -> Result<Option<MasterKey>, SealError> {
    let io = |source| SealError::KeyFileIo {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SealError::KeyFileTooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(SealError::KeyFileWrongSize {
            path: path.to_path_buf(),
            len: meta.len(),
        });
    }
    let bytes = std::fs::read(path).map(Zeroizing::new).map_err(io)?;
    Ok(Some(MasterKey::from_bytes(bytes)))
}

/// Makes a rename or a new file in `path`'s directory durable (best effort).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
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

    fn fresh() -> Expectation {
        Expectation::default()
    }

    fn sealed_with(id: &str) -> Expectation {
        Expectation {
            recorded_id: Some(id.to_string()),
            holds_sealed_values: true,
        }
    }

    #[test]
    fn seal_and_open_round_trip_and_create_a_0600_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (key, _) = load(&path, &fresh()).unwrap();
        let blob = key.seal("integration_tokens/mindbody", b"hunter2");
        assert!(!blob.windows(7).any(|w| w == b"hunter2"));
        let opened = key.open("integration_tokens/mindbody", &blob).unwrap();
        assert_eq!(opened.as_slice(), b"hunter2");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(&path, &fresh()).unwrap().0.id(), key.id());
    }

    #[test]
    fn a_value_moved_to_another_record_does_not_open() {
        let key = MasterKey::generate();
        let blob = key.seal("integration_tokens/mindbody", b"x");
        assert!(key.open("integration_tokens/gemini", &blob).is_none());
    }

    #[test]
    fn a_readable_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, [7u8; 32]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&path, &fresh()).unwrap_err();
        assert!(matches!(err, SealError::KeyFileTooOpen { mode: 0o644, .. }));
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_wrong_key_cannot_open() {
        let blob = MasterKey::generate().seal("t/k", b"secret");
        assert!(MasterKey::generate().open("t/k", &blob).is_none());
    }

    #[test]
    fn no_key_is_made_beside_sealed_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let held = Expectation {
            recorded_id: None,
            holds_sealed_values: true,
        };
        let err = load(&path, &held).unwrap_err();
        assert!(matches!(err, SealError::NoKey { .. }), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn a_key_that_is_not_the_recorded_one_is_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::generate().write_new_file(&path).unwrap();
        let err = load(&path, &sealed_with("3f9a000000000000")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sealed with key 3f9a000000000000"), "{text}");
        assert!(text.contains(MASTER_KEY_ENV), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
    }

    #[test]
    fn an_interrupted_rotation_is_finished_or_dropped_by_the_recorded_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        old.write_new_file(&path).unwrap();
        new.write_new_file(&sibling(&path, ".new")).unwrap();
        // Not committed: the hub still names the old key.
        let (key, _) = load(&path, &sealed_with(old.id())).unwrap();
        assert_eq!(key.id(), old.id());
        assert!(!sibling(&path, ".new").exists());
        // Committed: the hub names the new key.
        new.write_new_file(&sibling(&path, ".new")).unwrap();
        let (key, _) = load(&path, &sealed_with(new.id())).unwrap();
        assert_eq!(key.id(), new.id());
        assert!(!sibling(&path, ".new").exists());
        assert_eq!(
            read_key_file(&sibling(&path, ".old"))
                .unwrap()
                .unwrap()
                .id(),
            old.id()
        );
    }

    #[test]
    fn hex_keys() {
        assert_eq!(decode_hex_key(&"ab".repeat(32)).unwrap()[0], 0xab);
        assert!(decode_hex_key("abc").is_none());
        assert!(decode_hex_key(&"zz".repeat(32)).is_none());
    }
}
