//! The schema-1 store kept in `tests/fixtures/store/v1-data` (written by the build before the
//! site joined the keys), copied where a test or a bench can open it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn schema_1_store() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/v1-data")
}

/// Copies `from` into `to` as the hub left it: git keeps no file modes but the executable bit,
/// so a checkout makes the key file 0644, which the hub rightly refuses; the copy is private
/// again (directories 0700, files 0600).
pub fn copy_private(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_private(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}
