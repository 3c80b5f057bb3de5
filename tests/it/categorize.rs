//! Categorization over real sled and the loopback Gemini sandbox: the sandbox bank's bills
//! (rent, software, utilities, payroll, ...) imported, then classed by the user's rules first,
//! earlier answers second, and Gemini in batches for the rest; a second run asks nothing; a
//! reply that does not fit twice is never applied; `books_access = "none"` sends nothing; what
//! is sent has its long digit runs masked; accept, reject, undo and accept-above; a rule made
//! from an acceptance answers the next run. And the command line over the same.

use std::time::Duration;

use legion_hub::api::categorize::{Decide, Decision, RunReport, Source, Subject, SuggestionView};
use legion_hub::books::access::{BooksAccess, BooksAccessSetting};
use legion_hub::books::bank::import::ImportedFile;
use legion_hub::books::bank::{Reading, read_statement};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, EngineOptions, GeminiUpdate, Role};
use legion_hub::integrations::gemini::client::RetryPolicy;
use legion_hub::sandbox::bank::{BankFormat, Pays, Statement};
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use legion_hub::sandbox::studio::Studio;
use legion_hub::secret::Secret;

fn engine_with(dir: &std::path::Path, sandbox: &GeminiSandbox, access: BooksAccess) -> Engine {
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    config.gemini.books_access = BooksAccessSetting::Every(access);
    let settings = Settings {
        paths: Paths::in_dir(dir),
        config,
    };
    let options = EngineOptions {
        gemini_retry: RetryPolicy {
            attempts: 1,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        ..EngineOptions::default()
    };
    Engine::open_with(&settings, Role::Dashboard, options).expect("engine opens")
}

/// The studio's bills of two months (no takings: nothing for reconciliation to match).
fn bills() -> Statement {
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("a day");
    let studio = Studio::new(600, 40, anchor, 60);
    let mut statement =
        Statement::of(&studio, studio.first_sale.date(), anchor.date()).expect("a statement");
    statement
        .lines
        .retain(|l| matches!(l.pays, Pays::Other { .. }));
    statement.closing = statement.opening
        + statement
            .lines
            .iter()
            .map(|l| l.amount)
            .sum::<rust_decimal::Decimal>();
    statement
}

async fn ready(dir: &std::path::Path, sandbox: &GeminiSandbox, access: BooksAccess) -> Engine {
    ready_with(dir, sandbox, access, bills()).await
}

/// A configured engine with `statement` imported into "Chase".
async fn ready_with(
    dir: &std::path::Path,
    sandbox: &GeminiSandbox,
    access: BooksAccess,
    statement: Statement,
) -> Engine {
    let engine = engine_with(dir, sandbox, access);
    let report = engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..GeminiUpdate::default()
        })
        .await
        .expect("configured");
    assert!(report.ok, "{report:?}");
    let file = statement.write(BankFormat::Ofx1);
    let Reading::Statements(statements) = read_statement(&file, None).expect("read") else {
        panic!("an OFX file needs no rules");
    };
    let imported = ImportedFile {
        name: "bills.ofx".into(),
        sha256: format!("{:064x}", file.len()),
        size: file.len() as u64,
        format: statements[0].format,
    };
    engine
        .import_bank(Some("Chase".into()), None, imported, statements)
        .await
        .expect("imported");
    engine
}

fn open_items(items: &[SuggestionView]) -> Vec<&SuggestionView> {
    items
        .iter()
        .filter(|s| s.decision == Decision::Open)
        .collect()
}

fn find<'a>(items: &'a [SuggestionView], payee: &str) -> &'a SuggestionView {
    items
        .iter()
        .find(|s| s.payee == payee && s.decision == Decision::Open)
        .unwrap_or_else(|| panic!("no open suggestion for {payee}: {items:#?}"))
}

fn accept(rule: bool, class: Option<&str>) -> Decide {
    Decide::Accept {
        class: class.map(str::to_string),
        rule,
        pattern: None,
    }
}

#[tokio::test]
async fn gemini_is_asked_once_per_payee_in_batches_and_a_second_run_asks_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready(dir.path(), &sandbox, BooksAccess::Lines).await;
    let before = sandbox.requests();

    let dry: RunReport = engine.categorize(true).await.expect("planned");
    assert!(dry.dry_run && dry.requests == 0, "{dry:#?}");
    assert!(dry.items > 20 && dry.payees_for_gemini >= 8, "{dry:#?}");
    assert_eq!(
        dry.planned_requests, 1,
        "{} payees fit one batch",
        dry.payees_for_gemini
    );
    assert!(
        dry.estimated_tokens > 0 && dry.estimate_words.contains("estimated here"),
        "{dry:#?}"
    );
    // The plan is made here: nothing reaches Gemini, not even countTokens (whose body would
    // be the lines).
    assert_eq!(sandbox.requests(), before, "a dry run sends nothing at all");
    assert!(sandbox.prompts().is_empty(), "a dry run generates nothing");
    assert!(
        engine
            .categorize_view()
            .await
            .expect("view")
            .items
            .is_empty(),
        "and saves nothing"
    );

    let first = engine.categorize(false).await.expect("ran");
    assert_eq!(
        (
            first.requests,
            first.misfit_batches,
            first.failed.as_deref()
        ),
        (1, 0, None),
        "{first:#?}"
    );
    assert_eq!(
        first.by_gemini + first.unanswered,
        first.items,
        "{first:#?}"
    );
    assert_eq!(
        first.by_gemini, first.items,
        "every class is one the studio has"
    );
    assert!(
        first.usage.total > 0 && first.usage.prompt > 0,
        "{first:#?}"
    );
    assert_eq!(first.open, first.items);

    // What was sent: one line per payee, long digit runs masked, the count on the first line.
    let prompts = sandbox.prompts();
    assert_eq!(prompts.len(), 1);
    let lines: Vec<&str> = prompts[0].lines().collect();
    assert!(
        lines[0].contains(&format!("{} lines", first.payees_for_gemini)),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len() as u64, first.payees_for_gemini + 1);
    for line in &lines {
        let longest = line
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest <= 4, "a digit run of {longest} was sent: {line}");
    }
    assert!(prompts[0].contains("ID:######"), "{}", prompts[0]);

    let view = engine.categorize_view().await.expect("view");
    let adobe = find(&view.items, "Adobe Creative Cloud");
    assert_eq!(adobe.class.as_deref(), Some("Software"));
    assert_eq!(
        (adobe.source, adobe.confidence),
        (Some(Source::Gemini), 0.85)
    );
    assert!(
        adobe.original.starts_with("POS 4821 ADOBE *CREATIVE CLD"),
        "{adobe:#?}"
    );
    assert_eq!(adobe.currency, "USD");
    let rent = find(&view.items, "Congress Ave Pro");
    assert_eq!(
        (rent.class.as_deref(), rent.confidence),
        (Some("Rent"), 0.95)
    );
    assert_eq!(
        find(&view.items, "City Of Austin").class.as_deref(),
        Some("Utilities")
    );

    // The same lines again: every answer from the cache, Gemini not asked at all.
    let asked = sandbox.requests();
    let second = engine.categorize(false).await.expect("ran again");
    assert_eq!(
        (second.requests, second.by_cache, second.by_gemini),
        (0, first.items, 0),
        "{second:#?}"
    );
    assert_eq!(sandbox.requests(), asked, "not even countTokens");
    assert!(asked > before);
    let view = engine.categorize_view().await.expect("view");
    assert_eq!(
        find(&view.items, "Adobe Creative Cloud").source,
        Some(Source::Cache)
    );
}

#[tokio::test]
async fn decisions_write_the_class_and_a_rule_from_an_acceptance_answers_the_next_run() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready(dir.path(), &sandbox, BooksAccess::Lines).await;
    let first = engine.categorize(false).await.expect("ran");
    let view = engine.categorize_view().await.expect("view");
    let adobe_lines = view
        .items
        .iter()
        .filter(|s| s.payee == "Adobe Creative Cloud")
        .count() as u64;
    assert!(adobe_lines >= 2, "two months of Adobe");

    // Accept one Adobe line as Marketing, with a rule: the rule answers the other Adobe lines.
    let adobe = find(&view.items, "Adobe Creative Cloud").subject.clone();
    let accepted = engine
        .decide_suggestion(adobe.clone(), accept(true, Some("marketing")))
        .await
        .expect("accepted");
    assert!(matches!(&accepted.decision, Decision::Accepted { class, .. } if class == "Marketing"));
    let again = engine
        .decide_suggestion(adobe.clone(), accept(false, None))
        .await;
    let again = again.expect_err("decided").to_string();
    assert!(again.contains("undo"), "{again}");
    let unknown = engine
        .decide_suggestion(Subject::BankLine("chase:nope".into()), Decide::Reject)
        .await;
    assert!(
        unknown
            .expect_err("none")
            .to_string()
            .contains("no suggestion")
    );
    let not_a_class = engine
        .decide_suggestion(
            find(&view.items, "City Of Austin").subject.clone(),
            accept(false, Some("Snacks")),
        )
        .await;
    assert!(
        not_a_class
            .expect_err("refused")
            .to_string()
            .contains("[books] classes")
    );

    let next = engine.categorize(false).await.expect("ran");
    assert_eq!(
        next.items,
        first.items - 1,
        "the accepted line has its class now"
    );
    assert_eq!(next.by_rule, adobe_lines - 1, "{next:#?}");
    assert_eq!(next.requests, 0);
    let view = engine.categorize_view().await.expect("view");
    let by_rule = find(&view.items, "Adobe Creative Cloud");
    assert_eq!(
        (by_rule.class.as_deref(), by_rule.source, by_rule.confidence),
        (Some("Marketing"), Some(Source::Rule), 1.0)
    );
    assert_eq!(view.rules.len(), 1);
    assert_eq!(view.rules[0].contains, "adobe creative cld");
    assert_eq!(by_rule.rule.as_deref(), Some(view.rules[0].id.as_str()));
    assert_eq!(
        view.rules[0].answers,
        adobe_lines - 1,
        "the open ones it answered"
    );

    // Reject, undo: open again. Undo an acceptance: the class leaves the books.
    let utilities = find(&view.items, "City Of Austin").subject.clone();
    let rejected = engine
        .decide_suggestion(utilities.clone(), Decide::Reject)
        .await
        .expect("rejected");
    assert!(matches!(rejected.decision, Decision::Rejected { .. }));
    // Not offered again for that payee: the other Austin bill is left without a class, and
    // Gemini is not asked for it again.
    let refused = engine.categorize(false).await.expect("ran");
    assert_eq!(refused.requests, 0, "{refused:#?}");
    let view = engine.categorize_view().await.expect("view");
    let austin: Vec<_> = open_items(&view.items)
        .into_iter()
        .filter(|s| s.payee == "City Of Austin")
        .collect();
    assert!(
        !austin.is_empty() && austin.iter().all(|s| s.class.is_none()),
        "{austin:#?}"
    );
    let reopened = engine
        .decide_suggestion(utilities.clone(), Decide::Undo)
        .await
        .expect("undone");
    assert_eq!(reopened.decision, Decision::Open);
    assert!(
        engine
            .decide_suggestion(utilities, Decide::Undo)
            .await
            .is_err(),
        "nothing to undo"
    );
    engine
        .decide_suggestion(adobe.clone(), Decide::Undo)
        .await
        .expect("undone");
    let after_undo = engine.categorize(false).await.expect("ran");
    assert_eq!(
        after_undo.items, first.items,
        "its line needs a class again"
    );
    assert_eq!(after_undo.by_rule, adobe_lines);

    // Accept everything at least 90% sure: the rule's and what the lines name themselves.
    let view = engine.categorize_view().await.expect("view");
    let sure = open_items(&view.items)
        .iter()
        .filter(|s| s.confidence >= 0.9)
        .count() as u64;
    assert!(sure > adobe_lines, "{sure}");
    assert!(engine.accept_suggestions_above(1.5).await.is_err());
    assert_eq!(
        engine
            .accept_suggestions_above(0.9)
            .await
            .expect("accepted"),
        sure
    );
    let view = engine.categorize_view().await.expect("view");
    assert!(open_items(&view.items).iter().all(|s| s.confidence < 0.9));
    let last = engine.categorize(false).await.expect("ran");
    assert_eq!(last.items, first.items - sure);

    let rule = view.rules[0].id.clone();
    assert!(
        engine
            .delete_categorize_rule(rule.clone())
            .await
            .expect("deleted")
    );
    assert!(!engine.delete_categorize_rule(rule).await.expect("answered"));
}

fn adobe_lines(items: &[SuggestionView]) -> Vec<Subject> {
    items
        .iter()
        .filter(|s| s.original.starts_with("POS 4821 ADOBE *CREATIVE CLD"))
        .map(|s| s.subject.clone())
        .collect()
}

fn rule_accept(class: &str, pattern: Option<&str>) -> Decide {
    Decide::Accept {
        class: Some(class.into()),
        rule: true,
        pattern: pattern.map(str::to_string),
    }
}

/// With "adobe" → Software, accepting an Adobe line as Marketing with a rule makes a rule that
/// answers the next Adobe line (the more specific one wins, not the older); a rule with the same
/// words as an older one replaces it, and one a more specific rule outranks says so.
#[tokio::test]
async fn a_rule_from_a_changed_acceptance_answers_the_next_line_over_the_broader_rule() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready(dir.path(), &sandbox, BooksAccess::Lines).await;
    engine.categorize(false).await.expect("ran");
    let view = engine.categorize_view().await.expect("view");
    let adobe = adobe_lines(&view.items);
    assert_eq!(adobe.len(), 2, "two months of Adobe");

    let broad = engine
        .decide_suggestion(adobe[0].clone(), rule_accept("Software", Some("adobe")))
        .await
        .expect("accepted");
    let broad = broad.rule_made.expect("a rule made").rule;
    assert_eq!(
        (broad.contains.as_str(), broad.class.as_str()),
        ("adobe", "Software")
    );
    engine.categorize(false).await.expect("ran");
    let view = engine.categorize_view().await.expect("view");
    let second = find_subject(&view.items, &adobe[1]);
    assert_eq!(second.rule.as_deref(), Some(broad.id.as_str()));

    // The user says this one is Marketing, and makes a rule of it.
    let changed = engine
        .decide_suggestion(adobe[1].clone(), rule_accept("Marketing", None))
        .await
        .expect("accepted");
    let made = changed.rule_made.expect("a rule made");
    assert_eq!(
        (made.rule.contains.as_str(), made.rule.class.as_str()),
        ("adobe creative cld", "Marketing")
    );
    assert!(
        made.replaced.is_empty() && made.outranked_by.is_none(),
        "{made:#?}"
    );

    // The next Adobe line needing a class (the first, taken back) is Marketing now.
    engine
        .decide_suggestion(adobe[0].clone(), Decide::Undo)
        .await
        .expect("undone");
    let next = engine.categorize(false).await.expect("ran");
    assert_eq!(next.requests, 0, "{next:#?}");
    let view = engine.categorize_view().await.expect("view");
    let first = find_subject(&view.items, &adobe[0]);
    assert_eq!(
        (first.class.as_deref(), first.source, first.rule.as_deref()),
        (
            Some("Marketing"),
            Some(Source::Rule),
            Some(made.rule.id.as_str())
        ),
        "{first:#?}"
    );

    // "adobe" again, with another class: it replaces the old "adobe", and says the more
    // specific "adobe creative cld" still answers this payee first.
    let again = engine
        .decide_suggestion(adobe[0].clone(), rule_accept("Supplies", Some("Adobe")))
        .await
        .expect("accepted");
    let again = again.rule_made.expect("a rule made");
    assert_eq!(again.replaced, vec![broad.clone()]);
    assert_eq!(again.outranked_by.as_ref(), Some(&made.rule));
    assert!(again.words().contains("replaces"), "{}", again.words());
    let view = engine.categorize_view().await.expect("view");
    let rules: Vec<(&str, &str)> = view
        .rules
        .iter()
        .map(|r| (r.contains.as_str(), r.class.as_str()))
        .collect();
    assert_eq!(
        rules,
        [("adobe creative cld", "Marketing"), ("adobe", "Supplies")]
    );
}

fn find_subject<'a>(items: &'a [SuggestionView], subject: &Subject) -> &'a SuggestionView {
    items
        .iter()
        .find(|s| &s.subject == subject)
        .unwrap_or_else(|| panic!("no suggestion for {subject:?}: {items:#?}"))
}

#[tokio::test]
async fn a_reply_that_does_not_fit_twice_is_never_applied() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready(dir.path(), &sandbox, BooksAccess::Lines).await;
    // The batch is asked twice, and misfits both times (the plan asks nothing).
    for _ in 0..2 {
        sandbox.inject(Failure::Misfit);
    }
    let report = engine.categorize(false).await.expect("ran");
    assert_eq!(
        (report.misfit_batches, report.requests, report.by_gemini),
        (1, 2, 0),
        "{report:#?}"
    );
    assert_eq!(report.unanswered, report.items);
    let view = engine.categorize_view().await.expect("view");
    assert!(
        view.items
            .iter()
            .all(|s| s.class.is_none() && s.source.is_none())
    );
    // Nothing of it was cached: the next run asks again, and this time it fits.
    let next = engine.categorize(false).await.expect("ran");
    assert_eq!(
        (next.requests, next.by_gemini),
        (1, next.items),
        "{next:#?}"
    );
}

#[tokio::test]
async fn books_access_none_sends_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready(dir.path(), &sandbox, BooksAccess::None).await;
    let before = sandbox.requests();
    let report = engine.categorize(false).await.expect("ran");
    assert_eq!(sandbox.requests(), before, "not a request");
    assert!(sandbox.prompts().is_empty());
    assert_eq!(
        (report.requests, report.planned_requests, report.withheld),
        (0, 0, report.items),
        "{report:#?}"
    );
    assert!(
        report.estimate_words.contains("books_access"),
        "{report:#?}"
    );
    assert_eq!(report.unanswered, report.items);
}

/// The binary blocks; the sandbox runs on this test's own runtime in another thread.
fn sandbox_aside() -> (GeminiSandbox, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let sandbox = runtime.block_on(GeminiSandbox::start()).expect("sandbox");
    (sandbox, runtime)
}

fn hub(dir: &std::path::Path, sandbox: &GeminiSandbox) -> assert_cmd::Command {
    let mut cmd = crate::support::binary::in_dir(dir);
    cmd.env("LEGION_HUB_GEMINI_BASE_URL", sandbox.base_url());
    assert_cmd::Command::from_std(cmd)
}

fn output(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_plans_runs_accepts_as_a_rule_and_lists_the_rules() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    let (sandbox, _runtime) = sandbox_aside();
    let file = d.join("bills.ofx");
    std::fs::write(&file, bills().write(BankFormat::Ofx1)).expect("written");
    let path = file.to_str().expect("a path");
    let (code, out, err) =
        output(hub(d, &sandbox).args(["import", "bank", path, "--account", "Chase"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = output(
        hub(d, &sandbox)
            .args(["gemini", "configure", "--api-key-stdin"])
            .write_stdin(format!("{SANDBOX_KEY}\n")),
    );
    assert_eq!(code, 0, "{out}{err}");

    let (code, _, err) =
        output(hub(d, &sandbox).args(["categorize", "--dry-run", "--accept-above", "0.9"]));
    assert_eq!(code, 2, "a dry run accepts nothing: {err}");
    let (code, out, err) = output(hub(d, &sandbox).args(["categorize", "--dry-run"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Would ask: 1 request, about "), "{out}");
    assert!(out.contains("estimated here"), "{out}");
    assert!(out.contains("your customers' names"), "{out}");
    assert!(
        out.contains("0 open, 0 decided"),
        "a dry run saves nothing: {out}"
    );

    let (code, out, err) = output(hub(d, &sandbox).args(["categorize", "--json"]));
    assert_eq!(code, 0, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["run"]["requests"], 1, "{json:#}");
    let items = json["view"]["items"].as_array().expect("items");
    assert_eq!(Some(items.len() as u64), json["run"]["items"].as_u64());
    let adobe = items
        .iter()
        .find(|s| s["payee"] == "Adobe Creative Cloud")
        .expect("an Adobe line");
    assert_eq!(adobe["amount"], "-89.99", "exact, as a string: {adobe:#}");
    assert_eq!(
        (&adobe["class"], &adobe["source"]),
        (&"Software".into(), &"gemini".into())
    );
    let id = Subject::parse(&format!(
        "bank:{}",
        adobe["subject"]["key"].as_str().expect("a key")
    ))
    .expect("an id")
    .id();

    let (code, out, err) = output(hub(d, &sandbox).args(["categorize"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("from earlier answers, 0 payees left for Gemini"),
        "{out}"
    );
    assert!(out.contains("-89.99  Adobe Creative Cloud"), "{out}");
    assert!(
        out.contains("→ Software") && out.contains("85% cache"),
        "{out}"
    );
    assert!(out.contains(&id), "{out}");

    let (code, out, err) = output(hub(d, &sandbox).args(["categorize", "accept", &id, "--rule"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("accepted as Software, and made a rule"),
        "{out}"
    );
    let (code, out, _) = output(hub(d, &sandbox).args(["categorize", "rules"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("payee contains “adobe creative cld” → Software"),
        "{out}"
    );
    let (code, out, _) = output(hub(d, &sandbox).args(["categorize", "--json"]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        json["run"]["by_rule"].as_u64().is_some_and(|n| n >= 1),
        "{json:#}"
    );
    let accepted = json["view"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["decision"] == "accepted")
        .expect("the accepted one");
    assert_eq!(accepted["accepted_class"], "Software");

    let (code, _, err) = output(hub(d, &sandbox).args(["categorize", "accept", "sale:1"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bank:LINE or tx:KEY"), "{err}");
    let (code, _, err) = output(hub(d, &sandbox).args(["categorize", "undo", &id]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        output(hub(d, &sandbox).args(["categorize", "rules", "delete", "rule:999"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no rule rule:999"), "{err}");
}

fn sale(key: &str, description: &str, class: Option<&str>) -> legion_hub::books::Transaction {
    legion_hub::books::Transaction {
        key: key.into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 3)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .expect("a time"),
        amount: rust_decimal::Decimal::new(15_000, 2),
        tax: rust_decimal::Decimal::ZERO,
        discount: rust_decimal::Decimal::ZERO,
        currency: "USD".into(),
        description: description.into(),
        category_id: None,
        class: class.map(str::to_string),
        customer: Some("mindbody:client:100000009".into()),
        source: "mindbody".into(),
        returned: false,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_transaction_without_a_class_gets_one_and_accepting_writes_it_on_the_transaction() {
    let dir = tempfile::tempdir().expect("a temp dir");
    {
        let store = legion_hub::store::Store::open(&Paths::in_dir(dir.path()), "test")
            .expect("store opens");
        store
            .upsert_transactions(
                &[
                    sale("mindbody:sale:1:1", "10 Class Pack", None),
                    sale("mindbody:sale:2:1", "Yoga mat", Some("Retail sales")),
                ],
                false,
            )
            .expect("stored");
    }
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = engine_with(dir.path(), &sandbox, BooksAccess::Lines);
    engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..GeminiUpdate::default()
        })
        .await
        .expect("configured");
    let report = engine.categorize(false).await.expect("ran");
    assert_eq!(
        (report.items, report.by_gemini),
        (1, 1),
        "only the one without a class: {report:#?}"
    );
    let view = engine.categorize_view().await.expect("view");
    let pack = &view.items[0];
    let subject = Subject::Transaction("mindbody:sale:1:1".into());
    assert_eq!(pack.subject, subject);
    assert_eq!(pack.class.as_deref(), Some("Class revenue"));
    assert!(
        !sandbox.prompts()[0].contains("100000009"),
        "no customer goes with a line"
    );

    engine
        .decide_suggestion(subject.clone(), accept(false, None))
        .await
        .expect("accepted");
    let class_of = |txs: Vec<legion_hub::books::Transaction>| {
        txs.into_iter()
            .find(|t| t.key == "mindbody:sale:1:1")
            .and_then(|t| t.class)
    };
    let txs = engine.transactions_since(None).await.expect("transactions");
    assert_eq!(class_of(txs).as_deref(), Some("Class revenue"));
    engine
        .decide_suggestion(subject, Decide::Undo)
        .await
        .expect("undone");
    let txs = engine.transactions_since(None).await.expect("transactions");
    assert_eq!(class_of(txs), None, "the class left the books again");
}

/// A customer's name and email on a bank line never leave with it: a Zelle payment from a
/// customer the books hold reaches Gemini as "[customer] [email]", its reference masked whole.
#[tokio::test]
async fn a_customers_name_and_email_never_leave_with_a_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    {
        let store = legion_hub::store::Store::open(&Paths::in_dir(dir.path()), "test")
            .expect("the store opens");
        store
            .upsert_customers(&[legion_hub::books::customer::Customer {
                key: "mindbody:client:7".into(),
                mindbody_id: Some("7".into()),
                first_name: "Jane".into(),
                last_name: "Doe".into(),
                email: Some("jane@example.com".into()),
                phone: None,
                source: "mindbody".into(),
                modified_at: None,
                modified_by: None,
                possible_duplicate_of: None,
            }])
            .expect("a customer");
    }
    let mut statement = bills();
    let mut zelle = statement.lines.last().expect("a line").clone();
    zelle.id = "ZELLE0001".into();
    zelle.amount = rust_decimal::Decimal::new(4_500, 2);
    zelle.description = "ZELLE FROM JANE DOE jane.doe@example.com REF 123456789".into();
    zelle.party = "JANE DOE".into();
    zelle.balance_after += zelle.amount;
    statement.closing += zelle.amount;
    statement.lines.push(zelle);
    let sandbox = GeminiSandbox::start().await.expect("sandbox");
    let engine = ready_with(dir.path(), &sandbox, BooksAccess::Lines, statement).await;
    engine.categorize(false).await.expect("ran");
    let prompts = sandbox.prompts();
    let sent = prompts.join("\n");
    let zelle = sent
        .lines()
        .find(|l| l.contains("ZELLE"))
        .unwrap_or_else(|| panic!("the Zelle line was sent: {sent}"));
    assert!(
        zelle.contains("ZELLE FROM [customer] [email] REF #########"),
        "{zelle}"
    );
    for private in ["JANE", "Jane", "jane", "DOE", "example.com", "123456789"] {
        assert!(
            !sent.contains(private),
            "{private} left the machine: {sent}"
        );
    }
}
