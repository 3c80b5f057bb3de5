//! The README's pictures of the screens are the snapshot tests' own output, so they cannot go
//! stale: each `<!-- screen: NAME -->` block must equal `tests/it/snapshots/it__NAME.snap` (the
//! binary's name, `it`, heads every snapshot's name).
//! `UPDATE_README=1 cargo test --test it readme` rewrites the blocks after an intended change
//! (accept the snapshots first with `cargo insta review` or `INSTA_UPDATE=always`).

use std::path::Path;

const MARK: &str = "<!-- screen: ";

/// The screen in a snapshot: its quoted lines, trailing spaces trimmed.
fn screen_of(snapshot: &str) -> String {
    snapshot
        .lines()
        .skip_while(|l| *l != "---")
        .skip(1)
        .skip_while(|l| *l != "---")
        .skip(1)
        .filter_map(|l| l.strip_prefix('"').and_then(|l| l.strip_suffix('"')))
        .map(|l| {
            l.replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The README with every screen block filled from its snapshot; the names it used.
fn filled(readme: &str, snapshots: &Path) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut names = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(MARK) {
        let (before, from_mark) = rest.split_at(at);
        out.push_str(before);
        let name_end = from_mark
            .find(" -->")
            .expect("a screen marker ends with -->");
        let name = from_mark[MARK.len()..name_end].trim().to_string();
        let after_mark = &from_mark[name_end + 4..];
        // The fenced block right after the marker.
        let open = after_mark
            .find("```")
            .expect("a fenced block follows the marker");
        let body_start = after_mark[open..].find('\n').unwrap() + open + 1;
        let close = if after_mark[body_start..].starts_with("```") {
            body_start
        } else {
            after_mark[body_start..].find("\n```").unwrap() + body_start + 1
        };
        let snapshot = std::fs::read_to_string(snapshots.join(format!("it__{name}.snap")))
            .unwrap_or_else(|_| panic!("README names a snapshot that does not exist: {name}"));
        out.push_str(&from_mark[..name_end + 4]);
        out.push_str(&after_mark[..body_start]);
        out.push_str(&screen_of(&snapshot));
        out.push('\n');
        rest = &after_mark[close..];
        names.push(name);
    }
    out.push_str(rest);
    (out, names)
}

#[test]
fn the_readme_shows_the_screens_as_the_snapshots_draw_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (expected, names) = filled(&readme, &root.join("tests/it/snapshots"));
    assert!(
        names.len() >= 5,
        "the walk-through shows the screens: {names:?}"
    );
    if expected != readme {
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(&readme_path, expected).unwrap();
        } else {
            panic!(
                "README screens differ from the snapshots: run `UPDATE_README=1 cargo test --test it readme`"
            );
        }
    }
}
