//! `legion-hub config default|check`.

use crate::cli::ConfigCommand;
use crate::config::{DEFAULT_CONFIG, Settings};

pub fn run(settings: &Settings, command: &ConfigCommand) -> anyhow::Result<u8> {
    match command {
        ConfigCommand::Default => print!("{DEFAULT_CONFIG}"),
        // Settings were loaded (and so checked) before we got here.
        ConfigCommand::Check => {
            let file = &settings.paths.config_file;
            if file.exists() {
                println!("{}: valid", file.display());
            } else {
                println!("{}: not present, defaults in use", file.display());
            }
        }
    }
    Ok(super::exit::OK)
}
