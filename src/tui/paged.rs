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
    /// The loaded rows and the index of the first; None when they must be (re)loaded.
    pub window: Option<(u64, Vec<T>)>,
}

impl<K, T> Default for Paged<K, T> {
    fn default() -> Self {
        Paged {
            key: None,
            total: 0,
            selected: 0,
            top: 0,
            window: None,
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
    }

    pub fn covers(&self, top: u64, rows: usize) -> bool {
        let Some((start, loaded)) = &self.window else {
            return false;
        };
        let wanted_end = (top + rows as u64).min(self.total);
        *start <= top && start + loaded.len() as u64 >= wanted_end
    }

    /// A page arrived: take its rows and total.
    pub fn loaded(&mut self, total: u64, offset: u64, rows: Vec<T>) {
        self.total = total;
        self.selected = self.selected.min(total.saturating_sub(1));
        self.window = Some((offset, rows));
    }
}
