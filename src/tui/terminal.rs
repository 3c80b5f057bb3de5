//! The terminal while the dashboard owns it: raw mode, the alternate screen, mouse reporting,
//! and the promise to give it back exactly as it was, on quit, on error, on panic, and on the
//! signals that end the dashboard from outside (`crate::signals`: they drop the [`Tui`]).

use std::io::{self, Stdout, Write};
use std::sync::Once;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute, queue};

use super::app::App;
use super::views;

/// Clicks and the wheel only (modes 1000 + 1006). crossterm's EnableMouseCapture also asks for
/// every pointer motion (1003), which would wake the dashboard each time the mouse moves.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

pub struct Tui {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Tui {
    pub fn enter(mouse: bool) -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        execute!(stdout, EnterAlternateScreen, cursor::Hide)?;
        if mouse {
            stdout.write_all(MOUSE_ON)?;
            stdout.flush()?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout)).inspect_err(|_| restore())?;
        Ok(Tui { terminal })
    }

    pub fn size(&self) -> io::Result<ratatui::layout::Size> {
        self.terminal.size()
    }

    /// One frame, wrapped in a synchronized update so a slow link (SSH) never shows half of it.
    pub fn draw(&mut self, app: &App) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(|frame| views::draw(frame, app))?;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        Ok(())
    }
}

impl Tui {
    /// Bytes for the terminal itself (an OSC 52 copy), outside any frame.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let backend = self.terminal.backend_mut();
        backend.write_all(bytes)?;
        backend.flush()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back. Safe to call more than once, and from the panic hook.
pub fn restore() {
    let mut stdout = io::stdout();
    let _ = stdout.write_all(MOUSE_OFF);
    let _ = execute!(stdout, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
