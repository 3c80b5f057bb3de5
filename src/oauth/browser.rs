//! Opening the sign-in page: the system browser on a desktop; never over SSH or without a
//! display, where the user opens the address themselves and pastes the result back. Tests
//! inject their own opener.

pub trait BrowserOpener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The system's browser: `$BROWSER` when it is set (the convention `gh`, `git web--browse`
/// and `xdg-open` follow: a command, `%s` standing for the address or the address appended),
/// otherwise the desktop's default through `open`.
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        match std::env::var("BROWSER")
            .ok()
            .filter(|b| !b.trim().is_empty())
        {
            Some(browser) => run_browser(&browser, url),
            None => open::that_detached(url).map_err(|e| e.to_string()),
        }
    }
}

/// Runs the first command of a `$BROWSER` list without waiting for it.
fn run_browser(browser: &str, url: &str) -> Result<(), String> {
    let command = browser.split(':').next().unwrap_or(browser).trim();
    let mut words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Err("$BROWSER is empty".into());
    }
    if words.iter().any(|w| w.contains("%s")) {
        for word in &mut words {
            *word = word.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    let mut child = std::process::Command::new(&words[0])
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run $BROWSER ({}): {e}", words[0]))?;
    // Reaped in the background so it leaves no zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Whether a browser can be shown here: not over SSH, and with a display where one is needed.
pub fn browser_available(env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return false;
    }
    cfg!(target_os = "macos") || cfg!(windows) || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_browser_over_ssh_or_without_a_display() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(!browser_available(env(&[
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
            ("DISPLAY", ":0")
        ])));
        assert!(!browser_available(env(&[("SSH_TTY", "/dev/pts/1")])));
        if cfg!(target_os = "linux") {
            assert!(!browser_available(env(&[])));
            assert!(browser_available(env(&[("DISPLAY", ":0")])));
        }
    }
}
