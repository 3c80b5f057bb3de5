//! Tab in a path field, as a shell completes: the typed name's folder is listed, the names that
//! start with what is typed are the matches, and the field grows to the longest start they share
//! (a folder gets its `/`). Hidden names match only when the typed name starts with `.`. A
//! folder is listed only so far ([`MAX_LISTED`] entries), so a huge one cannot stall the frame
//! loop; `~` stands for the home folder, as in a shell.

use std::path::{Path, PathBuf};

/// Entries of one folder looked at, at most.
pub const MAX_LISTED: usize = 4_096;

/// What Tab found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The field's text now: grown as far as the matches agree (unchanged when they do not).
    pub text: String,
    /// The matching names, sorted, folders with their `/` (empty when one or none matched).
    pub choices: Vec<String>,
    /// What to say under the field: no match, an unreadable folder, a folder only partly listed.
    pub note: Option<String>,
}

/// `typed` with a leading `~` (alone or before `/`) as `home`.
pub fn expand(typed: &str, home: Option<&Path>) -> PathBuf {
    match (typed.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(typed),
    }
}

/// The user's home folder, for `~`.
pub fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
}

/// Completes `typed` (relative names from the working folder), listing at most `max_listed`
/// entries of its folder.
pub fn complete(typed: &str, home: Option<&Path>, max_listed: usize) -> Completion {
    // `~` alone is the home folder: it completes to `~/` as a shell does.
    if typed == "~" && home.is_some() {
        return unchanged("~/", None);
    }
    let (folder_typed, prefix) = match typed.rfind('/') {
        Some(at) => typed.split_at(at + 1),
        None => ("", typed),
    };
    let folder = if folder_typed.is_empty() {
        PathBuf::from(".")
    } else {
        expand(folder_typed, home)
    };
    let shown_folder = if folder_typed.is_empty() {
        "this folder".to_string()
    } else {
        folder_typed.to_string()
    };
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) => {
            return unchanged(
                typed,
                Some(format!("cannot list {shown_folder}: {}", io_words(&e))),
            );
        }
    };
    let with_hidden = prefix.starts_with('.');
    let mut matches = Vec::new();
    let mut partly = false;
    for (listed, entry) in entries.enumerate() {
        if listed == max_listed {
            partly = true;
            break;
        }
        let Ok(entry) = entry else { continue };
        // A name that is not UTF-8 cannot be typed back into the field: it is left out.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !name.starts_with(prefix) || (name.starts_with('.') && !with_hidden) {
            continue;
        }
        // Through a link to a folder too, as a shell does.
        let is_folder = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        matches.push(if is_folder { name + "/" } else { name });
    }
    matches.sort();
    let partly_note = partly.then(|| {
        format!("{shown_folder} holds more than {max_listed} entries: only those were looked at; type more of the name")
    });
    match matches.as_slice() {
        [] => {
            let said = if prefix.is_empty() {
                format!("nothing to pick in {shown_folder}")
            } else {
                format!("no name in {shown_folder} starts with {prefix:?}")
            };
            unchanged(typed, Some(partly_note.unwrap_or(said)))
        }
        [only] => unchanged(&format!("{folder_typed}{only}"), partly_note),
        several => {
            let common = common_start(several);
            Completion {
                text: format!("{folder_typed}{common}"),
                choices: several.to_vec(),
                note: partly_note,
            }
        }
    }
}

fn unchanged(text: &str, note: Option<String>) -> Completion {
    Completion {
        text: text.to_string(),
        choices: Vec::new(),
        note,
    }
}

/// The longest start all `names` share, on character boundaries.
fn common_start(names: &[String]) -> &str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut end = first.len();
    for name in &names[1..] {
        end = first
            .char_indices()
            .zip(name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((at, c), _)| at + c.len_utf8())
            .min(end);
    }
    first.get(..end).unwrap_or("")
}

fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotADirectory => "not a folder".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder with `names` in it (a trailing `/` makes a folder).
    fn folder(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let path = dir.path().join(name.trim_end_matches('/'));
            if name.ends_with('/') {
                std::fs::create_dir(path).unwrap();
            } else {
                std::fs::write(path, b"x").unwrap();
            }
        }
        dir
    }

    fn in_dir(dir: &tempfile::TempDir, typed: &str) -> String {
        format!("{}/{typed}", dir.path().display())
    }

    #[test]
    fn tab_grows_to_what_the_matches_share() {
        let dir = folder(&["statement-nov.csv", "statement-oct.csv", "other.ofx"]);
        let done = complete(&in_dir(&dir, "st"), None, MAX_LISTED);
        assert_eq!(done.text, in_dir(&dir, "statement-"));
        assert_eq!(done.choices, ["statement-nov.csv", "statement-oct.csv"]);
        assert_eq!(done.note, None);
        let again = complete(&done.text, None, MAX_LISTED);
        assert_eq!(again.text, done.text, "nothing more is certain");
        let one = complete(&in_dir(&dir, "o"), None, MAX_LISTED);
        assert_eq!(one.text, in_dir(&dir, "other.ofx"));
        assert!(one.choices.is_empty());
    }

    #[test]
    fn a_folder_gets_its_slash_and_is_listed_next() {
        let dir = folder(&["bank/", "bank/nov.ofx"]);
        let done = complete(&in_dir(&dir, "ba"), None, MAX_LISTED);
        assert_eq!(done.text, in_dir(&dir, "bank/"));
        let inside = complete(&done.text, None, MAX_LISTED);
        assert_eq!(inside.text, in_dir(&dir, "bank/nov.ofx"));
    }

    #[test]
    fn hidden_names_only_when_a_dot_is_typed() {
        let dir = folder(&[".secret.csv", "shown.csv"]);
        let all = complete(&in_dir(&dir, ""), None, MAX_LISTED);
        assert_eq!(
            all.text,
            in_dir(&dir, "shown.csv"),
            "the hidden one is left out"
        );
        let dotted = complete(&in_dir(&dir, "."), None, MAX_LISTED);
        assert_eq!(dotted.text, in_dir(&dir, ".secret.csv"));
    }

    #[test]
    fn no_match_says_so_and_keeps_the_text() {
        let dir = folder(&["a.csv"]);
        let done = complete(&in_dir(&dir, "zz"), None, MAX_LISTED);
        assert_eq!(done.text, in_dir(&dir, "zz"));
        let note = done.note.unwrap();
        assert!(note.contains("starts with \"zz\""), "{note}");
        let nowhere = complete(&in_dir(&dir, "missing/x"), None, MAX_LISTED);
        assert!(nowhere.note.unwrap().contains("no such folder"));
    }

    #[test]
    fn a_large_folder_is_listed_only_so_far() {
        let names: Vec<String> = (0..50).map(|i| format!("f{i:02}.csv")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let dir = folder(&refs);
        let done = complete(&in_dir(&dir, "f"), None, 10);
        assert!(done.choices.len() <= 10, "{:?}", done.choices);
        let note = done.note.unwrap();
        assert!(note.contains("more than 10 entries"), "{note}");
    }

    #[test]
    fn an_unreadable_folder_says_so() {
        let dir = folder(&["a.csv"]);
        // A file taken for a folder cannot be listed, whoever runs the test.
        let done = complete(&in_dir(&dir, "a.csv/x"), None, MAX_LISTED);
        assert_eq!(done.text, in_dir(&dir, "a.csv/x"));
        let note = done.note.unwrap();
        assert!(
            note.starts_with("cannot list ") && note.ends_with("not a folder"),
            "{note}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_without_permission_says_so() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder(&["locked/", "locked/x.csv"]);
        let locked = dir.path().join("locked");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let denied = std::fs::read_dir(&locked).is_err();
        let done = complete(&in_dir(&dir, "locked/x"), None, MAX_LISTED);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Root reads every folder (then the file is found, as root's shell finds it).
        let expected = if denied {
            (
                in_dir(&dir, "locked/x"),
                Some("cannot list locked/: permission denied".to_string()),
            )
        } else {
            (in_dir(&dir, "locked/x.csv"), None)
        };
        let note = done
            .note
            .map(|n| n.replace(&format!("{}/", dir.path().display()), ""));
        assert_eq!((done.text, note), expected);
    }

    #[test]
    fn tilde_is_home() {
        let dir = folder(&["nov.ofx"]);
        let home = dir.path();
        assert_eq!(expand("~/nov.ofx", Some(home)), home.join("nov.ofx"));
        assert_eq!(expand("~other/x", Some(home)), PathBuf::from("~other/x"));
        let done = complete("~/n", Some(home), MAX_LISTED);
        assert_eq!(done.text, "~/nov.ofx", "the field keeps the ~ as typed");
        assert_eq!(complete("~", Some(home), MAX_LISTED).text, "~/");
    }

    #[test]
    fn names_share_a_start_by_characters() {
        let names = ["été-1.csv".to_string(), "été-2.csv".to_string()];
        assert_eq!(common_start(&names), "été-");
        let apart = ["é".to_string(), "e".to_string()];
        assert_eq!(common_start(&apart), "");
    }
}
