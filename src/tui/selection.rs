//! A selection in a list drawn a window of rows at a time (the Reconcile and Categorize
//! screens): moving it within the list, and scrolling the window so it stays on show.

/// Moves `selected` by `delta` within a list of `len` rows, and `top` (the first row on show)
/// so the selection stays among the `rows` on show. Whether the selection moved.
pub fn move_selection(
    selected: &mut usize,
    top: &mut usize,
    delta: i64,
    len: usize,
    rows: usize,
) -> bool {
    let last = len.saturating_sub(1) as i64;
    let next = (*selected as i64).saturating_add(delta).clamp(0, last) as usize;
    let moved = next != *selected;
    *selected = next;
    let rows = rows.max(1);
    if *selected < *top {
        *top = *selected;
    } else if *selected >= *top + rows {
        *top = *selected + 1 - rows;
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection_and_both_stay_in_the_list() {
        let (mut selected, mut top) = (0, 0);
        assert!(move_selection(&mut selected, &mut top, 7, 10, 3));
        assert_eq!((selected, top), (7, 5));
        assert!(move_selection(&mut selected, &mut top, i64::MAX / 2, 10, 3));
        assert_eq!((selected, top), (9, 7));
        assert!(!move_selection(&mut selected, &mut top, 1, 10, 3));
        assert!(move_selection(&mut selected, &mut top, i64::MIN / 2, 10, 3));
        assert_eq!((selected, top), (0, 0));
        assert!(
            !move_selection(&mut selected, &mut top, 1, 0, 3),
            "an empty list"
        );
    }
}
