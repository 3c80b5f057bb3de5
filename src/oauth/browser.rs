//! Opening the sign-in page: the system browser on a desktop; never over SSH or without a
//! display, where the user opens the address themselves and pastes the result back. Tests
//! inject their own opener.

pub trait BrowserOpener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The system's browser, through `open`.
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        open::that_detached(url).map_err(|e| e.to_string())
    }
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
