//! The house rule of the source tree (issue 13): no import circle spans two rooms. A room is a
//! top-level folder or file of `src/` (`engine`, `integrations`, `books`, `store`, `tui`, ...).
//! Files of one room may lean on each other; across rooms the arrows point one way, so a room
//! can be read, tested and changed from the ones below it. Read from the source as text: every
//! `crate::`/`super::` path of a file (use lines, groups and paths in code; its test module left
//! out) is an arrow to the file that defines the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/`, by the module it is.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut module: Module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            out.insert(module, path);
        }
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Reads a path tree from `i` (after `prefix::`): `a::b`, `a::{b, c::d}`, `self`; each whole
/// path goes to `out`. Returns where it ended.
fn read_tree(s: &[u8], mut i: usize, mut path: Module, out: &mut Vec<Module>) -> usize {
    loop {
        i = skip_spaces(s, i);
        if s.get(i) == Some(&b'{') {
            i += 1;
            loop {
                i = skip_spaces(s, i);
                match s.get(i) {
                    None => return i,
                    Some(b'}') => return i + 1,
                    Some(b',') => i += 1,
                    Some(_) => {
                        let before = i;
                        i = read_tree(s, i, path.clone(), out);
                        // Something that is not a path (`as x`): step over it.
                        while i < s.len() && !matches!(s[i], b',' | b'}') {
                            i += 1;
                        }
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
        }
        let start = i;
        while i < s.len() && is_ident_byte(s[i]) {
            i += 1;
        }
        let ident = String::from_utf8_lossy(&s[start..i]).into_owned();
        if ident.is_empty() || ident == "self" {
            out.push(path);
            return i;
        }
        path.push(ident);
        if s.get(i..i + 2) == Some(b"::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The modules a file's code names through `crate::` and `super::`, resolved from `here`.
fn named_paths(code: &str, here: &Module) -> Vec<Module> {
    let s = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let at_word = i == 0 || !is_ident_byte(s[i - 1]);
        let root = ["crate::", "super::"]
            .into_iter()
            .find(|r| at_word && s[i..].starts_with(r.as_bytes()));
        let Some(root) = root else {
            i += 1;
            continue;
        };
        let mut paths = Vec::new();
        i = read_tree(s, i + root.len(), Vec::new(), &mut paths);
        for path in paths {
            let mut base: Module = if root == "crate::" {
                Vec::new()
            } else {
                // `super` is the parent of this file's module (a mod.rs is its folder's).
                here[..here.len().saturating_sub(1)].to_vec()
            };
            let mut rest = path.as_slice();
            while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                base.pop();
                rest = tail;
            }
            base.extend(rest.iter().cloned());
            out.push(base);
        }
    }
    out
}

/// A file's code without its test module and comments.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The arrows between files: each to the longest module path that is a file.
fn arrows(files: &BTreeMap<Module, PathBuf>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in files {
        let code = code_of(&std::fs::read_to_string(path).unwrap());
        let targets = out.entry(module.clone()).or_default();
        for named in named_paths(&code, module) {
            let file = (1..=named.len())
                .rev()
                .map(|n| named[..n].to_vec())
                .find(|m| files.contains_key(m));
            if let Some(file) = file.filter(|f| f != module) {
                targets.insert(file);
            }
        }
    }
    out
}

/// The sets of files that reach each other (Tarjan's strongly connected components).
fn circles(arrows: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        arrows: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.arrows.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut circle = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    circle.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if circle.len() > 1 {
                    self.found.push(circle);
                }
            }
        }
    }
    let mut walk = Walk {
        arrows,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in arrows.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

fn room(module: &Module) -> &str {
    module.first().map_or("lib", String::as_str)
}

#[test]
fn no_import_circle_spans_two_rooms() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let arrows = arrows(&files);
    // The reader must see the arrows it is meant to see, or the check below proves nothing.
    let engine_host = vec!["engine".to_string(), "host".to_string()];
    assert!(
        arrows
            .iter()
            .filter(|(from, _)| room(from) == "integrations")
            .any(|(_, to)| to.contains(&engine_host)),
        "the rooms' files are read as leaning on engine/host"
    );
    let spanning: Vec<String> = circles(&arrows)
        .into_iter()
        .filter(|circle| {
            let rooms: BTreeSet<&str> = circle.iter().map(room).collect();
            rooms.len() > 1
        })
        .map(|circle| {
            let names: Vec<String> = circle.iter().map(|m| m.join("/")).collect();
            names.join(" <-> ")
        })
        .collect();
    assert!(
        spanning.is_empty(),
        "import circles that span rooms (break them: the lower room must not name the upper):\n{}",
        spanning.join("\n")
    );
}

#[test]
fn the_reader_follows_groups_super_and_finds_a_circle_across_rooms() {
    let here: Module = ["integrations", "mindbody", "sync"]
        .map(String::from)
        .to_vec();
    let named = named_paths(
        "use crate::engine::host::{Core, self};\nuse super::schedule::{self, Freshness as F};\nlet x = super::super::catalog::entry(p);",
        &here,
    );
    let names: BTreeSet<String> = named.iter().map(|m| m.join("/")).collect();
    let expected: BTreeSet<String> = [
        "engine/host/Core",
        "engine/host",
        "integrations/mindbody/schedule",
        "integrations/mindbody/schedule/Freshness",
        "integrations/catalog/entry",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(names, expected);
    let a: Module = vec!["engine".to_string()];
    let b: Module = vec!["books".to_string()];
    let arrows: BTreeMap<Module, BTreeSet<Module>> = [
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]
    .into_iter()
    .collect();
    assert_eq!(circles(&arrows).len(), 1, "engine <-> books is one circle");
}
