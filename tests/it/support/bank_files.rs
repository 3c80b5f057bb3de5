//! Bank files made wrong on purpose, the way a bad export is.

/// `text` with the month of its fourth line's November date made 19 (a date that is no date),
/// each line ended with `eol`; fails the test if there was no such date to break.
pub fn with_fourth_date_broken(text: &str, eol: &str) -> String {
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == 3 {
                l.replacen(",11/", ",19/", 1)
            } else {
                l.to_string()
            };
            l + eol
        })
        .collect();
    assert_ne!(broken, text, "the fourth line has a November date to break");
    broken
}
