//! The `:` command palette: what can be typed there, and which commands match what is typed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteCommand {
    Quit,
    Help,
    Status,
    Filter,
    History,
    Chat,
    Hub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    pub name: &'static str,
    /// Other names that run it (`q` for `quit`).
    pub aliases: &'static [&'static str],
    pub usage: &'static str,
    pub about: &'static str,
    pub command: PaletteCommand,
}

pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "quit",
        aliases: &["q", "q!", "exit"],
        usage: ":q",
        about: "leave the dashboard",
        command: PaletteCommand::Quit,
    },
    CommandInfo {
        name: "status",
        aliases: &[],
        usage: ":status",
        about: "the status glance, as `legion-hub status` prints it",
        command: PaletteCommand::Status,
    },
    CommandInfo {
        name: "help",
        aliases: &["h", "?"],
        usage: ":help",
        about: "every key and command",
        command: PaletteCommand::Help,
    },
    CommandInfo {
        name: "filter",
        aliases: &["f"],
        usage: ":filter TEXT",
        about: "show only integrations matching TEXT (empty clears)",
        command: PaletteCommand::Filter,
    },
    CommandInfo {
        name: "history",
        aliases: &[],
        usage: ":history",
        about: "go to the sync history",
        command: PaletteCommand::History,
    },
    CommandInfo {
        name: "chat",
        aliases: &["gemini"],
        usage: ":chat",
        about: "chat with Gemini (also: 2 on the hub)",
        command: PaletteCommand::Chat,
    },
    CommandInfo {
        name: "hub",
        aliases: &["integrations"],
        usage: ":hub",
        about: "back to the integrations (also: Esc in the chat)",
        command: PaletteCommand::Hub,
    },
];

/// The command a typed word names: by name or alias, or by the start of one name only (`:s` is
/// `:status`, as Vim completes a unique abbreviation).
pub fn find(word: &str) -> Option<PaletteCommand> {
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return None;
    }
    let exact = COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word.as_str()));
    let mut starting = COMMANDS.iter().filter(|c| c.name.starts_with(&word));
    let unique = match (starting.next(), starting.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    };
    exact.or(unique).map(|c| c.command)
}

/// Commands whose name starts with the first word typed; all of them for an empty line.
pub fn suggestions(typed: &str) -> Vec<&'static CommandInfo> {
    let word = typed.split_whitespace().next().unwrap_or("").to_lowercase();
    COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(&word) || c.aliases.iter().any(|a| *a == word))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(find("q"), Some(PaletteCommand::Quit));
        assert_eq!(find("STATUS"), Some(PaletteCommand::Status));
        assert_eq!(find("nope"), None);
        // A unique start is enough; one several names share is not.
        assert_eq!(find("s"), Some(PaletteCommand::Status));
        assert_eq!(find("hi"), Some(PaletteCommand::History));
        assert_eq!(find("hu"), Some(PaletteCommand::Hub));
        assert_eq!(find("h"), Some(PaletteCommand::Help), "an alias first");
        assert_eq!(find(""), None);
        assert_eq!(suggestions("st")[0].name, "status");
        assert_eq!(suggestions("").len(), COMMANDS.len());
    }
}
