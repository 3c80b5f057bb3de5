//! Secrets are never lost or silently replaced (issue 12, item 1), on the real binary: a
//! command without the hub's key changes nothing and makes no key; a wrong key is refused with
//! both ids; `serve` will not start without its secrets; `secrets rotate` re-seals everything
//! (key file and environment variants) and the old key goes after the next start.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::secrets::{
    assert_secrets_intact, data, hub, key_hex, key_id, mode, output, seed,
};

/// A hub whose key file was taken away (as a shell without the unit's key sees it).
async fn hub_without_its_key(dir: &Path) -> std::path::PathBuf {
    seed(dir, 3).await;
    let kept = dir.join("kept.key");
    std::fs::rename(data(dir).join("master.key"), &kept).unwrap();
    kept
}

#[tokio::test]
async fn configure_without_the_key_fails_and_keeps_every_secret() {
    let dir = tempfile::tempdir().unwrap();
    let kept = hub_without_its_key(dir.path()).await;
    let attempts: [(&[&str], (&str, &str)); 2] = [
        (
            &["mindbody", "configure"],
            ("MINDBODY_API_KEY", "mb-api-key-2"),
        ),
        (&["gemini", "configure"], ("GEMINI_API_KEY", "AIza-another")),
    ];
    for (args, (name, value)) in attempts {
        let (code, _, stderr) = output(hub(dir.path()).args(args).env(name, value));
        assert_ne!(code, Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains("no master key"), "{args:?}: {stderr}");
        assert!(stderr.contains("LEGION_HUB_MASTER_KEY"), "{stderr}");
        assert!(
            !data(dir.path()).join("master.key").exists(),
            "{args:?} made a new key beside sealed secrets"
        );
    }
    std::fs::rename(&kept, data(dir.path()).join("master.key")).unwrap();
    assert_secrets_intact(&data(dir.path()));
}

#[tokio::test]
async fn a_wrong_key_is_refused_with_the_id_of_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let kept = hub_without_its_key(dir.path()).await;
    let wrong = "ab".repeat(32);
    let (code, _, stderr) = output(
        hub(dir.path())
            .args(["mindbody", "configure"])
            .env("MINDBODY_API_KEY", "mb-api-key-2")
            .env("LEGION_HUB_MASTER_KEY", &wrong),
    );
    assert_ne!(code, Some(0), "{stderr}");
    let right = key_id(&kept);
    assert!(
        stderr.contains(&format!("this data was sealed with key {right}")),
        "{stderr}"
    );
    assert!(stderr.contains("set LEGION_HUB_MASTER_KEY"), "{stderr}");
    assert!(
        stderr.contains(&data(dir.path()).join("master.key").display().to_string()),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&wrong) && !stderr.contains(&key_hex(&kept)),
        "{stderr}"
    );
    // The same key as a file is refused the same way, and left alone.
    let file = data(dir.path()).join("master.key");
    std::fs::write(&file, [0xab; 32]).unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (code, _, stderr) = output(hub(dir.path()).args(["history"]));
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("sealed with key {right}")),
        "{stderr}"
    );
    std::fs::rename(&kept, &file).unwrap();
    assert_secrets_intact(&data(dir.path()));
}

/// `serve` exits at once, nonzero and saying why, instead of answering every webhook 503.
#[tokio::test]
async fn serve_refuses_to_start_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let kept = hub_without_its_key(dir.path()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for wrong_key in [None, Some("cd".repeat(32))] {
        let mut cmd = hub(dir.path());
        cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(key) = &wrong_key {
            cmd.env("LEGION_HUB_MASTER_KEY", key);
        }
        let mut child = cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve started without its secrets ({wrong_key:?})");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{stderr}");
        let expected = match wrong_key {
            None => "no master key".to_string(),
            Some(_) => format!("sealed with key {}", key_id(&kept)),
        };
        assert!(stderr.contains(&expected), "{stderr}");
    }
}

#[tokio::test]
async fn rotate_reseals_everything_and_the_old_key_goes_after_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 3).await;
    let data = data(dir.path());
    let key_file = data.join("master.key");
    let old_id = key_id(&key_file);
    let old_bytes = std::fs::read(&key_file).unwrap();
    let (code, stdout, stderr) = output(hub(dir.path()).args(["secrets", "rotate", "--json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let rotation: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rotation["old_key_id"], old_id.as_str());
    assert_eq!(rotation["resealed"], 3, "{stdout}");
    let new_id = key_id(&key_file);
    assert_eq!(rotation["new_key_id"], new_id.as_str());
    assert_ne!(new_id, old_id);
    assert_eq!(mode(&key_file), 0o600);
    let old = data.join("master.key.old");
    assert_eq!(std::fs::read(&old).unwrap(), old_bytes);
    assert!(!stdout.contains(&key_hex(&key_file)), "a key in the output");
    assert_secrets_intact(&data);
    // The next start with the new key succeeds and lets the old key go.
    let (code, _, stderr) = output(hub(dir.path()).args(["history"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!old.exists(), "master.key.old outlived a good start");
    assert_secrets_intact(&data);
    // The old key opens nothing now, and is refused by name.
    let (code, _, stderr) = output(
        hub(dir.path()).arg("history").env(
            "LEGION_HUB_MASTER_KEY",
            old_bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ),
    );
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains(&format!("sealed with key {new_id}")),
        "{stderr}"
    );
}

#[tokio::test]
async fn rotate_while_another_process_holds_the_data_says_who_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 1).await;
    let data = data(dir.path());
    let old_id = key_id(&data.join("master.key"));
    {
        let _holder = crate::support::open_engine(&data);
        let (code, _, stderr) = output(hub(dir.path()).args(["secrets", "rotate"]));
        assert_ne!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("is in use by legion-hub dashboard"),
            "{stderr}"
        );
        assert!(
            stderr.contains("the master key can be changed only while nothing else uses the data"),
            "{stderr}"
        );
        // This command's advice, not the general one about another data directory.
        assert!(!stderr.contains("--data-dir"), "{stderr}");
    }
    assert_eq!(key_id(&data.join("master.key")), old_id);
    assert_secrets_intact(&data);
}

#[tokio::test]
async fn rotate_with_the_key_in_the_environment_takes_the_new_one_from_there() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 3).await;
    let data = data(dir.path());
    let key_file = data.join("master.key");
    let old = key_hex(&key_file);
    let kept = dir.path().join("kept.key");
    std::fs::rename(&key_file, &kept).unwrap();
    let (code, _, stderr) = output(
        hub(dir.path())
            .args(["secrets", "rotate"])
            .env("LEGION_HUB_MASTER_KEY", &old),
    );
    assert_ne!(code, Some(0));
    assert!(stderr.contains("LEGION_HUB_NEW_MASTER_KEY"), "{stderr}");
    let new = "5e".repeat(32);
    let (code, stdout, stderr) = output(
        hub(dir.path())
            .args(["secrets", "rotate"])
            .env("LEGION_HUB_MASTER_KEY", &old)
            .env("LEGION_HUB_NEW_MASTER_KEY", &new),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("set LEGION_HUB_MASTER_KEY"), "{stdout}");
    for name in ["master.key", "master.key.new", "master.key.old"] {
        assert!(
            !data.join(name).exists(),
            "{name} written with the key in the environment"
        );
    }
    let (code, _, stderr) = output(
        hub(dir.path())
            .arg("history")
            .env("LEGION_HUB_MASTER_KEY", &old),
    );
    assert_ne!(code, Some(0), "the old key still works: {stderr}");
    let (code, stdout, stderr) = output(
        hub(dir.path())
            .args(["secrets", "id", "--json"])
            .env("LEGION_HUB_MASTER_KEY", &new),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let ids: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ids["recorded"], ids["at_hand"]);
    // The new key, as a file, opens every secret.
    let bytes: Vec<u8> = (0..32).map(|_| 0x5e).collect();
    std::fs::write(&key_file, bytes).unwrap();
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    assert_secrets_intact(&data);
}

/// A hub sealed before key ids were recorded gets its id from the first key that opens its
/// values, and a key that opens none is refused before it seals anything.
#[tokio::test]
async fn a_hub_from_before_key_ids_adopts_the_key_that_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 3).await;
    let data = data(dir.path());
    {
        let store =
            legion_hub::store::Store::open(&legion_hub::config::Paths::in_dir(&data), "status")
                .unwrap();
        store.remove_meta("master_key_id").unwrap();
    }
    let key_file = data.join("master.key");
    let (code, _, stderr) = output(
        hub(dir.path())
            .args(["mindbody", "configure"])
            .env("MINDBODY_API_KEY", "x")
            .env("LEGION_HUB_MASTER_KEY", "ef".repeat(32)),
    );
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("could not be opened"), "{stderr}");
    let (code, stdout, stderr) = output(hub(dir.path()).args(["secrets", "id", "--json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let ids: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ids["recorded"], key_id(&key_file).as_str(), "{stdout}");
    assert_secrets_intact(&data);
}

/// A rotation cut short between its steps leaves the data opening with the key on disk: before
/// the commit (`master.key.new` beside data still sealed by `master.key`) the new key is
/// dropped; after it (data sealed by `master.key.new`, renames not done) the new key is put in
/// place. Both states are made from a real rotation, its files put back as a crash leaves them.
#[tokio::test]
async fn a_rotation_cut_short_at_either_step_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 3).await;
    let data = data(dir.path());
    let key_file = data.join("master.key");
    let pending = data.join("master.key.new");
    let old = data.join("master.key.old");
    // Before the commit: the new key was written, nothing re-sealed.
    let before = key_id(&key_file);
    std::fs::write(&pending, [0x42; 32]).unwrap();
    std::fs::set_permissions(
        &pending,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let (code, _, stderr) = output(hub(dir.path()).arg("history"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!pending.exists(), "the uncommitted key stayed");
    assert_eq!(key_id(&key_file), before);
    assert_secrets_intact(&data);
    // After the commit: rotate, then undo its two renames.
    let (code, _, stderr) = output(hub(dir.path()).args(["secrets", "rotate"]));
    assert_eq!(code, Some(0), "{stderr}");
    let after = key_id(&key_file);
    std::fs::rename(&key_file, &pending).unwrap();
    std::fs::rename(&old, &key_file).unwrap();
    let (code, _, stderr) = output(hub(dir.path()).arg("history"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        key_id(&key_file),
        after,
        "the committed key was not put in place"
    );
    assert!(!pending.exists());
    assert_secrets_intact(&data);
}
