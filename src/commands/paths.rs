//! `legion-hub paths`: where everything lives.

use serde::Serialize;

use crate::config::Paths;

#[derive(Serialize)]
struct PathsReport<'a> {
    config_file: &'a std::path::Path,
    data_dir: &'a std::path::Path,
    hub_db: std::path::PathBuf,
    records_db: std::path::PathBuf,
    log_dir: &'a std::path::Path,
    key_file: &'a std::path::Path,
}

pub fn run(paths: &Paths, json: bool) -> anyhow::Result<u8> {
    let report = PathsReport {
        config_file: &paths.config_file,
        data_dir: &paths.data_dir,
        hub_db: paths.hub_db(),
        records_db: paths.records_db(),
        log_dir: &paths.log_dir,
        key_file: &paths.key_file,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(super::exit::OK);
    }
    let exists = |p: &std::path::Path| {
        if p.exists() {
            ""
        } else {
            "  (not created yet)"
        }
    };
    let rows = [
        ("config file", report.config_file),
        ("data dir", report.data_dir),
        ("hub database", &report.hub_db),
        ("records database", &report.records_db),
        ("log dir", report.log_dir),
        ("master key", report.key_file),
    ];
    for (label, path) in rows {
        println!("{label:<17} {}{}", path.display(), exists(path));
    }
    Ok(super::exit::OK)
}
