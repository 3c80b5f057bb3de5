//! `legion-hub secrets rotate|id`: the master key that seals credentials and tokens.
//! Both need the data to themselves (a rotation must not race the owner's own sealing), so
//! they open it here and ask to stop `serve` or the dashboard when one holds it.

use crate::api::{Engine, Role};
use crate::cli::SecretsCommand;
use crate::config::Settings;

pub async fn run(settings: &Settings, command: &SecretsCommand) -> anyhow::Result<u8> {
    // Opened here, never attached to the owner.
    let engine = match Engine::open(settings, Role::Command) {
        Err(locked) if locked.is_locked() => anyhow::bail!(
            // The lock's own first line (who holds the data), then this command's advice in
            // place of the general one.
            "{}\nthe master key can be changed only while nothing else uses the data: stop `legion-hub serve` (e.g. `systemctl stop legion-hub`) or quit the dashboard, then run this again",
            locked.message.lines().next().unwrap_or_default()
        ),
        opened => opened?,
    };
    match command {
        SecretsCommand::Rotate(args) => {
            let rotation = engine.rotate_master_key()?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&rotation)?);
                return Ok(super::exit::OK);
            }
            println!(
                "Re-sealed {} secret(s): key {} replaced by key {}.",
                rotation.resealed, rotation.old_key_id, rotation.new_key_id
            );
            match (&rotation.key_file, &rotation.old_key_file) {
                (Some(file), Some(old)) => println!(
                    "The new key is in {} (0600). The old one is kept as {} until the next start succeeds with the new key, then removed. Back up the new key now.",
                    file.display(),
                    old.display()
                ),
                _ => println!(
                    "The key comes from the environment: set LEGION_HUB_MASTER_KEY to the value of LEGION_HUB_NEW_MASTER_KEY wherever the hub runs (the systemd unit's Environment= or EnvironmentFile=) before its next start. The old key no longer opens anything."
                ),
            }
        }
        SecretsCommand::Id(args) => {
            let ids = engine.key_ids()?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&ids)?);
                return Ok(super::exit::OK);
            }
            println!(
                "Sealed with:  {} ({} sealed value(s))",
                ids.recorded.as_deref().unwrap_or("(no key recorded yet)"),
                ids.sealed_values
            );
            println!(
                "Key at hand:  {}",
                match (&ids.at_hand, &ids.at_hand_from) {
                    (Some(id), Some(from)) => format!("{id} from {from}"),
                    _ => "none".into(),
                }
            );
        }
    }
    Ok(super::exit::OK)
}
