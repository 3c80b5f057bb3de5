//! `legion-hub backup DIR [--with-key]`: a copy of the data the hub can open with
//! `--data-dir DIR`. The process that owns the data takes it (`serve` or the dashboard, asked
//! over the control socket), or this one when nothing else runs.

use std::path::{Path, PathBuf};

use crate::api::BackupReport;
use crate::api::Role;
use crate::config::Settings;

pub async fn run(
    settings: &Settings,
    dir: &Path,
    with_key: bool,
    json: bool,
) -> anyhow::Result<u8> {
    // The owner may run in another directory: it gets the whole path.
    let dir: PathBuf = std::path::absolute(dir)?;
    if dir
        .read_dir()
        .is_ok_and(|mut entries| entries.next().is_some())
    {
        anyhow::bail!(
            "{} is not empty: a backup goes into a new or empty directory, so it never writes over files",
            dir.display()
        );
    }
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let report = engine.backup(dir, with_key).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", describe(&report, &settings.paths.config_file));
    }
    Ok(super::exit::OK)
}

fn describe(report: &BackupReport, config: &Path) -> String {
    let mut text = format!(
        "Backed up to {} (taken by {}):\n",
        report.dir.display(),
        report.taken_by
    );
    for db in &report.databases {
        text.push_str(&format!(
            "  {:<8} {} entries in {} trees, {} on disk\n",
            db.name,
            db.entries,
            db.trees,
            size(db.bytes)
        ));
    }
    match &report.key_copied_to {
        Some(path) => text.push_str(&format!(
            "  master key copied to {} (0600): this backup opens every secret; keep it as safe as the key.\n",
            path.display()
        )),
        None => text.push_str(&format!(
            "  The master key is NOT included (it is {}): keep a copy of it apart from this backup, or the saved credentials and sign-ins cannot be opened. Use --with-key to include it.\n",
            report.key_lives_at
        )),
    }
    text.push_str(&format!(
        "config.toml is not part of the data: copy {} yourself if you changed it.\nTo restore, stop legion-hub and put hub/ and records/ in place of the data directory's (see README, \"Backup and restore\"), or try it first with `legion-hub --data-dir {} status`.\n",
        config.display(),
        report.dir.display()
    ));
    text
}

/// A size as people read it: 812 KB, 3.4 MB.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}
