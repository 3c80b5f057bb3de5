//! A window onto a long list that stays in the store (sync history, transactions): what is
//! selected, what is on screen, and only the rows on screen loaded.

#[derive(Debug, Clone)]
pub struct Paged<K, T> {
    /// What the list is of (a provider, a filter); a new key starts it over.
    pub key: Option<K>,
    /// Rows in all, as of the last load.
    pub total: u64,
    /// The selected row, counted from the first (0).
    pub selected: u64,
    /// The first row on screen.
    pub top: u64,
    /// The loaded rows and the index of the first; None until the first page arrives.
    pub window: Option<(u64, Vec<T>)>,
    /// Whether a page is being fetched, so a second request for it is not sent.
    load: Load,
}

/// Where the list's background load stands. The app derives its requests from state every
/// round; this is the state that says "already asked", so one refresh is one load and a burst
/// of webhooks while a page is out asks again once, when it arrives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Load {
    /// Nothing out: load when the window does not cover the rows on screen.
    #[default]
    Idle,
    /// The rows shown are out of date (a sync or a webhook changed the list): load again.
    Stale,
    /// A page is on its way.
    Out,
    /// A page is on its way, and the list changed after it was asked for: load again on arrival.
    OutStale,
    /// The last load failed: ask again only when something changes (no retry loop).
    Failed,
}

impl<K, T> Default for Paged<K, T> {
    fn default() -> Self {
        Paged {
            key: None,
            total: 0,
            selected: 0,
            top: 0,
            window: None,
            load: Load::Idle,
        }
    }
}

impl<K, T> Paged<K, T> {
    pub fn reset(&mut self, key: Option<K>) {
        *self = Paged {
            key,
            ..Paged::default()
        };
    }

    /// The row at absolute index `i`, if it is loaded.
    pub fn row(&self, i: u64) -> Option<&T> {
        let (start, rows) = self.window.as_ref()?;
        rows.get(usize::try_from(i.checked_sub(*start)?).ok()?)
    }

    pub fn scroll_to_selected(&mut self, visible_rows: usize) {
        let visible = visible_rows.max(1) as u64;
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + visible {
            self.top = self.selected + 1 - visible;
        }
        // Never leave empty space below the last row when there are rows above.
        self.top = self.top.min(self.total.saturating_sub(visible));
    }

    /// Moves the selection (clamped) and keeps it on screen.
    pub fn move_by(&mut self, delta: i64, visible_rows: usize) {
        let last = self.total.saturating_sub(1) as i64;
        self.selected = (self.selected as i64)
            .saturating_add(delta)
            .clamp(0, last.max(0)) as u64;
        self.scroll_to_selected(visible_rows);
        if self.load == Load::Failed {
            self.load = Load::Idle;
        }
    }

    pub fn covers(&self, top: u64, rows: usize) -> bool {
        let Some((start, loaded)) = &self.window else {
            return false;
        };
        let wanted_end = (top + rows as u64).min(self.total);
        *start <= top && start + loaded.len() as u64 >= wanted_end
    }

    /// Whether the rows on screen (`rows` from `top`) must be fetched; when they must, the
    /// list counts the page as asked for until [`Paged::loaded`] or [`Paged::failed`].
    pub fn wants_page(&mut self, rows: usize) -> bool {
        let wanted = match self.load {
            Load::Idle => !self.covers(self.top, rows),
            Load::Stale => true,
            Load::Out | Load::OutStale | Load::Failed => false,
        };
        if wanted {
            self.load = Load::Out;
        }
        wanted
    }

    /// The list changed where it is kept (a sync, a webhook): load it again. The rows stay on
    /// screen until the new ones arrive; a page already out is followed by one more.
    pub fn invalidate(&mut self) {
        self.load = match self.load {
            Load::Out | Load::OutStale => Load::OutStale,
            Load::Idle | Load::Stale | Load::Failed => Load::Stale,
        };
    }

    /// Whether a page is on its way.
    pub fn is_loading(&self) -> bool {
        matches!(self.load, Load::Out | Load::OutStale)
    }

    /// A page arrived: take its rows and total.
    pub fn loaded(&mut self, total: u64, offset: u64, rows: Vec<T>) {
        self.total = total;
        self.selected = self.selected.min(total.saturating_sub(1));
        self.window = Some((offset, rows));
        self.load = match self.load {
            Load::OutStale => Load::Stale,
            _ => Load::Idle,
        };
    }

    /// The page could not be loaded (the error is on the status line): the list stops
    /// asking until it changes or the reader moves, and never stays "Loading…".
    pub fn failed(&mut self) {
        self.load = Load::Failed;
        if self.window.is_none() {
            self.window = Some((self.top, Vec::new()));
        }
    }
}
