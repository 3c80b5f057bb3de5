//! `legion-hub mirror status | backfill | check [--json]`: the Postgres mirror.

use chrono::Utc;

use crate::api::Role;
use crate::api::mirror::{CheckReport, MirrorStatus};
use crate::cli::MirrorCommand;
use crate::config::Settings;

pub async fn run(settings: &Settings, command: &MirrorCommand) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match command {
        MirrorCommand::Status { json } => {
            let status = engine.mirror_status().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", status_words(&status));
            }
            Ok(if needs_a_look(&status) {
                super::exit::NEEDS_ATTENTION
            } else {
                super::exit::OK
            })
        }
        MirrorCommand::Backfill { json } => {
            let progress = engine.mirror_backfill().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&progress)?);
            } else {
                println!(
                    "Sent {} to Postgres; nothing waits.",
                    crate::format::counted(progress.rows_sent, "row", "rows")
                );
            }
            Ok(super::exit::OK)
        }
        MirrorCommand::Check { json } => {
            let report = engine.mirror_check().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", check_table(&report));
            }
            Ok(if report.in_step() {
                super::exit::OK
            } else {
                super::exit::NEEDS_ATTENTION
            })
        }
    }
}

fn needs_a_look(status: &MirrorStatus) -> bool {
    status.configured && !status.state.connected
}

fn status_words(status: &MirrorStatus) -> String {
    if !status.configured {
        return "No Postgres mirror is set up: set [mirror] postgres_url (or LEGION_HUB_POSTGRES_URL) and [mirror] studio_id in config.toml.\n".into();
    }
    let now = Utc::now();
    let mut out = String::new();
    out.push_str(&status.line(now).unwrap_or_default());
    out.push('\n');
    let when = |t: Option<chrono::DateTime<Utc>>| crate::format::ago(t, now);
    out.push_str(&format!(
        "  studio      {}\n  secrets     {}\n  last sent   {}\n  rows sent   {}\n  waiting     {} (lag {:.1} s)\n  schema      {}\n",
        status.studio_id.as_deref().unwrap_or("(not set)"),
        if status.tokens { "sealed credentials and tokens go" } else { "none go ([mirror] tokens = false)" },
        when(status.state.last_sent_at),
        status.state.rows_sent,
        status.rows_waiting,
        status.lag_seconds(now),
        status.state.schema_version.map_or("unknown".into(), |v| v.to_string()),
    ));
    if let Some(error) = &status.state.last_error {
        out.push_str(&format!(
            "  last error  {} ({})\n",
            crate::text::one_line(error),
            when(status.state.last_error_at)
        ));
    }
    out
}

fn check_table(report: &CheckReport) -> String {
    let mut out = format!(
        "{:<24} {:>10} {:>10}  {:<16}  {}\n",
        "TABLE", "HUB", "POSTGRES", "CHECKSUM", "DIFFERS"
    );
    for table in &report.tables {
        let differs = if table.in_step() {
            "-".to_string()
        } else {
            let mut parts = Vec::new();
            if table.missing > 0 {
                parts.push(format!(
                    "{} missing ({})",
                    table.missing,
                    table.missing_keys.join(", ")
                ));
            }
            if table.extra > 0 {
                parts.push(format!(
                    "{} extra ({})",
                    table.extra,
                    table.extra_keys.join(", ")
                ));
            }
            if table.differing > 0 {
                parts.push(format!(
                    "{} with other values ({})",
                    table.differing,
                    table.differing_keys.join(", ")
                ));
            }
            parts.join("; ")
        };
        let checksum = if table.hub_checksum == table.postgres_checksum {
            table.hub_checksum.clone()
        } else {
            format!(
                "{}≠{}",
                &table.hub_checksum[..6],
                &table.postgres_checksum[..6]
            )
        };
        out.push_str(&format!(
            "{:<24} {:>10} {:>10}  {:<16}  {}\n",
            table.table, table.hub_rows, table.postgres_rows, checksum, differs
        ));
    }
    out.push_str(&if report.in_step() {
        format!("The hub and {} hold the same rows.\n", report.target)
    } else {
        format!(
            "The hub and {} differ: `legion-hub mirror backfill` sends the hub's rows again (what is only in Postgres stays until removed there).\n",
            report.target
        )
    });
    out
}
