//! The real binary with a bank statement: `sandbox bank` writes the studio's CSV as the bank
//! does, `import bank` refuses to guess rules unseen without a terminal, takes them with `--yes`
//! and keeps them, imports nothing new the second time, refuses a broken file naming its line
//! (storing nothing of it), and `reconcile --json` shows the lines waiting (exit 3).

use crate::support::binary::run_in;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    run_in(dir, args)
}

/// The sandbox studio's statement of most of November, as its bank writes it in `format`.
fn write_statement(dir: &std::path::Path, format: &str, path: &str) {
    let (code, _, err) = run(
        dir,
        &[
            "sandbox",
            "bank",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-27",
            "--format",
            format,
            "--out",
            path,
        ],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_bank_csv_is_imported_once_with_rules_confirmed_and_kept() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    let csv = d.join("checking.csv");
    let path = csv.to_str().expect("a path");
    write_statement(d, "csv", path);

    // No terminal to ask and no --yes: the guess is shown, nothing imported, exit 2.
    let (code, out, err) = run(d, &["import", "bank", path, "--account", "Chase business"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("fields") && err.contains("--yes"), "{err}");
    assert!(
        !err.contains("new lines") && !out.contains("new lines"),
        "{out}{err}"
    );

    let (code, out, err) = run(
        d,
        &[
            "import",
            "bank",
            path,
            "--account",
            "Chase business",
            "--yes",
            "--currency",
            "usd",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("(new account)") && out.contains("new lines"),
        "{out}"
    );
    assert!(err.contains("chase-business.rules"), "{err}");

    // The kept rules read it again without asking; every line is already there.
    let (code, out, err) = run(d, &["import", "bank", path, "--account", "Chase business"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": 0 new lines"), "{out}");

    // The bank's OFX export of the same days has ids the CSV lacked: the same lines still.
    let ofx = d.join("checking.ofx");
    let ofx_path = ofx.to_str().expect("a path");
    write_statement(d, "ofx1", ofx_path);
    let (code, out, err) = run(
        d,
        &["import", "bank", ofx_path, "--account", "Chase business"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": 0 new lines"), "{out}");

    // A date that is no date on its fourth line: refused naming it, nothing of the file stored.
    let text = std::fs::read_to_string(&csv).expect("the file");
    let broken = crate::support::bank_files::with_fourth_date_broken(&text, "\r\n");
    let bad = d.join("broken.csv");
    std::fs::write(&bad, broken).expect("written");
    let (code, out, err) = run(
        d,
        &[
            "import",
            "bank",
            bad.to_str().expect("a path"),
            "--account",
            "Chase business",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("line 4"), "{err}");

    let (code, out, err) = run(d, &["reconcile", "--json"]);
    assert_eq!(code, 3, "credits wait: {out}{err}");
    let view: serde_json::Value = serde_json::from_str(&out).expect("json");
    let lines = view["lines"].as_array().expect("lines");
    assert_eq!(view["account"], "chase-business");
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l["state"] == "unmatched"),
        "no sales synced: {view}"
    );
    // Amounts are exact strings, never floats.
    assert!(lines.iter().all(|l| l["amount"].is_string()), "{view}");

    // The month-end report: its balances are the bank's, and they add up.
    let (code, out, err) = run(d, &["reconcile", "--month", "2026-11", "--json"]);
    assert_eq!(code, 3, "nothing matched yet: {out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let amount = |v: &serde_json::Value| -> rust_decimal::Decimal {
        v.as_str()
            .expect("an exact string")
            .parse()
            .expect("a decimal")
    };
    let newest = text.lines().nth(1).expect("a line");
    let stated_closing: rust_decimal::Decimal = newest
        .split(',')
        .rev()
        .nth(2)
        .expect("the balance")
        .parse()
        .expect("a decimal");
    assert_eq!(amount(&report["closing"]), stated_closing, "{report}");
    assert_eq!(
        amount(&report["opening"]) + amount(&report["credits"]) + amount(&report["debits"]),
        amount(&report["closing"]),
        "{report}"
    );
    assert_eq!(report["matched"], 0);
    let (code, _, err) = run(d, &["reconcile", "--month", "November"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("YYYY-MM"), "{err}");
}
