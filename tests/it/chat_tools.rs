//! The chat that knows the books, through the engine against the sandbox's Gemini (which calls
//! the tools the way the real one does and answers with the tools' values): the numbers in the
//! answer are the books' to the cent, several calls run from one turn, nothing is offered when
//! `books_access = "none"`, and customers' names stay home unless allowed.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use legion_hub::books::access::{BooksAccess, BooksAccessSetting};
use legion_hub::books::currency::exact;
use legion_hub::books::{Customer, Transaction};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, EngineOptions, Event, GeminiUpdate, Role};
use legion_hub::integrations::gemini::grounded::MAX_ROUNDS;
use legion_hub::sandbox::gemini::{GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use legion_hub::store::{ChatMessage, MessageState, Store};
use rust_decimal::Decimal;

/// The question as people ask it, without the tools' names or its dates: the model works the
/// dates out from the day the hub's instruction gives (the sandbox's Gemini as the real one
/// does), and the answer is the books' to the cent. "Today" is asked the same way.
#[tokio::test]
async fn a_question_in_plain_words_is_answered_from_the_books() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let reply = ask(&engine, "How much did we sell in November 2025, by class?").await;
    assert_eq!(reply.tools.len(), 1, "{:?}", reply.tools);
    assert_eq!(reply.tools[0].name, "sales_summary");
    assert_eq!(reply.tools[0].arguments, "2025-11-01..2025-11-30 by class");
    let total = format!("totals.0.total = {}", expected_total());
    assert!(reply.text.contains(&total), "{}", reply.text);

    let reply = ask(&engine, "How much did we sell today?").await;
    assert_eq!(reply.tools.len(), 1, "{:?}", reply.tools);
    assert_eq!(reply.tools[0].name, "todays_sales");
    assert!(
        reply.text.contains("todays_sales: day = "),
        "{}",
        reply.text
    );
    // A question with nothing of the books in it is answered without a tool.
    let reply = ask(&engine, "How do I reconnect Mindbody?").await;
    assert!(reply.tools.is_empty(), "{:?}", reply.tools);
}

/// (day of November 2025, cents, class, customer)
const NOVEMBER: [(u32, i64, Option<&str>, u32); 7] = [
    (3, 2_160, Some("Retail"), 1),
    (4, 16_200, Some("Class revenue"), 1),
    (10, 1_805, Some("Retail"), 2),
    (17, 12_345, Some("Memberships"), 3),
    (21, -12_900, Some("Memberships"), 3),
    (28, 3_125, Some("Class revenue"), 2),
    (30, 999, None, 1),
];

fn sale(n: usize, date: NaiveDate, cents: i64, class: Option<&str>, customer: u32) -> Transaction {
    Transaction {
        key: format!("mindbody:sale:{}:{}", 5000 + n, 9000 + n),
        date: date.and_hms_opt(10, 30, 0).unwrap(),
        amount: Decimal::new(cents, 2),
        tax: Decimal::ZERO,
        discount: Decimal::ZERO,
        currency: "USD".into(),
        description: format!("Sale {n}"),
        category_id: Some(22),
        class: class.map(str::to_string),
        customer: Some(format!("mindbody:client:{customer}")),
        source: "mindbody".into(),
        returned: cents < 0,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: Utc::now(),
    }
}

fn customer(n: u32, first: &str, last: &str) -> Customer {
    Customer {
        key: format!("mindbody:client:{n}"),
        mindbody_id: Some(n.to_string()),
        first_name: first.into(),
        last_name: last.into(),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        phone: None,
        source: "mindbody".into(),
        modified_at: None,
        modified_by: None,
        possible_duplicate_of: None,
    }
}

/// The books: November's sales, and one each side of it that no November answer may count.
fn store_books(dir: &std::path::Path) {
    let store = Store::open(&Paths::in_dir(dir), "test").unwrap();
    let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let mut sales: Vec<Transaction> = NOVEMBER
        .iter()
        .enumerate()
        .map(|(i, (d, cents, class, who))| sale(i, day(11, *d), *cents, *class, *who))
        .collect();
    sales.push(sale(90, day(10, 31), 50_000, Some("Retail"), 3));
    sales.push(sale(91, day(12, 1), 70_000, Some("Retail"), 3));
    // A matched deposit's card fee, posted by the books in November: an expense, never a sale.
    sales.push(Transaction {
        key: "books:fee:test".into(),
        source: legion_hub::books::transaction::BOOKS_SOURCE.into(),
        customer: None,
        ..sale(92, day(11, 14), -1_234, Some("Card processing fees"), 1)
    });
    store.upsert_transactions(&sales, false).unwrap();
    store
        .upsert_customers(&[
            customer(1, "Jane", "Doe"),
            customer(2, "Omar", "Haddad"),
            customer(3, "Mei", "Chen"),
        ])
        .unwrap();
}

/// November's total, as the books have it.
fn expected_total() -> String {
    exact(NOVEMBER.iter().map(|s| Decimal::new(s.1, 2)).sum(), "USD")
}

/// November's total by class, as the books have it: what the answer must say.
fn expected_by_class() -> Vec<(String, String)> {
    let mut sums: std::collections::BTreeMap<String, Decimal> = Default::default();
    for (_, cents, class, _) in NOVEMBER {
        *sums
            .entry(class.unwrap_or("(no class)").to_string())
            .or_default() += Decimal::new(cents, 2);
    }
    sums.into_iter()
        .map(|(class, sum)| (class, exact(sum, "USD")))
        .collect()
}

async fn engine(dir: &std::path::Path, sandbox: &GeminiSandbox, config: Config) -> Engine {
    store_books(dir);
    let mut config = config;
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir),
        config,
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, EngineOptions::default()).unwrap();
    let report = engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..GeminiUpdate::default()
        })
        .await
        .unwrap();
    assert!(report.ok, "{report:?}");
    engine
}

async fn ask(engine: &Engine, question: &str) -> ChatMessage {
    let mut events = engine.subscribe();
    engine.send_chat(None, question.into(), None).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Ok(Event::ChatFinished(message))) => {
                assert_eq!(message.state, MessageState::Complete, "{message:?}");
                return message;
            }
            Ok(Ok(_)) => continue,
            other => panic!("no ChatFinished: {other:?}"),
        }
    }
}

const BY_CLASS: &str =
    "How much did we sell in November by class? Sales summary from 2025-11-01 to 2025-11-30.";

#[tokio::test]
async fn the_answer_by_class_is_the_books_to_the_cent() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let reply = ask(&engine, BY_CLASS).await;
    assert_eq!(reply.tools.len(), 1, "{:?}", reply.tools);
    assert_eq!(reply.tools[0].name, "sales_summary");
    assert_eq!(reply.tools[0].arguments, "2025-11-01..2025-11-30 by class");
    let summary = format!("4 groups; USD {} in 7 sales", expected_total());
    assert_eq!(reply.tools[0].result, summary);
    let expected = expected_by_class();
    assert_eq!(expected.len(), 4);
    for (i, (class, total)) in expected.iter().enumerate() {
        assert!(
            reply.text.contains(&format!("rows.{i}.group = {class}")),
            "{class}: {}",
            reply.text
        );
        assert!(
            reply.text.contains(&format!("rows.{i}.total = {total}")),
            "{class} {total}: {}",
            reply.text
        );
    }
    // Neither October's nor December's sale is in it.
    let total = format!("totals.0.total = {}", expected_total());
    assert!(reply.text.contains(&total), "{}", reply.text);
    let usage = reply.usage.unwrap();
    assert!(usage.prompt > 0 && usage.total >= usage.prompt, "{usage:?}");
    // Kept with the message, across a read back.
    let (_, messages) = engine.conversation(reply.conversation).await.unwrap();
    assert_eq!(messages.last().unwrap().tools, reply.tools);
}

/// A chain's one site, asked about by name: the call carries the site and the answer is that
/// site's sales alone, to the cent; asked without one, every site's.
#[tokio::test]
async fn a_question_about_one_site_is_answered_with_that_site_s_sales() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(&Paths::in_dir(dir.path()), "test").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 11, 12).unwrap();
        let mut at_98 = sale(40, day, 7_777, Some("Retail"), 1);
        at_98.key = "mindbody@-98:sale:40:40".into();
        store.upsert_transactions(&[at_98], false).unwrap();
    }
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let reply = ask(
        &engine,
        "How much did site -98 sell? Sales summary from 2025-11-01 to 2025-11-30 by class at site -98.",
    )
    .await;
    assert_eq!(reply.tools.len(), 1, "{:?}", reply.tools);
    assert_eq!(
        reply.tools[0].arguments,
        "site -98 2025-11-01..2025-11-30 by class"
    );
    assert_eq!(reply.tools[0].result, "1 groups; USD 77.77 in 1 sales");
    assert!(
        reply.text.contains("rows.0.group = Retail"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("site = -98"), "{}", reply.text);

    let every_site = ask(&engine, BY_CLASS).await;
    let total = Decimal::new(7_777, 2)
        + NOVEMBER
            .iter()
            .map(|s| Decimal::new(s.1, 2))
            .sum::<Decimal>();
    assert_eq!(
        every_site.tools[0].result,
        format!("4 groups; USD {} in 8 sales", exact(total, "USD"))
    );
}

#[tokio::test]
async fn several_calls_in_one_turn_are_all_run_and_answered() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let reply = ask(
        &engine,
        "The sales summary from 2025-11-01 to 2025-11-30 by class, and the integration status.",
    )
    .await;
    let names: Vec<&str> = reply.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["sales_summary", "integration_status"]);
    assert!(reply.text.contains("- sales_summary:"), "{}", reply.text);
    assert!(
        reply.text.contains("- integration_status:"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("status = connected"), "{}", reply.text);
    let total = format!("totals.0.total = {}", expected_total());
    assert!(reply.text.contains(&total), "{}", reply.text);
}

/// A model that calls tools again after every answer is stopped: the hub asks at most
/// `MAX_ROUNDS` times, the last time with the tools offered in mode NONE, so that round must
/// answer in words, from what the tools said.
#[tokio::test]
async fn a_model_that_keeps_calling_tools_must_answer_by_the_last_round() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let before = sandbox.requests();
    let reply = ask(
        &engine,
        "Step by step, please: the sales summary from 2025-11-01 to 2025-11-30 by class.",
    )
    .await;
    assert_eq!(sandbox.requests() - before, MAX_ROUNDS);
    let names: Vec<&str> = reply.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["sales_summary"; MAX_ROUNDS - 1]);
    assert!(reply.text.starts_with("From the tools:"), "{}", reply.text);
    let total = format!("totals.0.total = {}", expected_total());
    assert!(reply.text.contains(&total), "{}", reply.text);
}

/// "Explain this month" in the chat: Gemini asks for the month's figures, the same the
/// `explain` command sends, and its answer quotes them.
#[tokio::test]
async fn explain_this_month_in_the_chat_gets_the_months_figures() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let reply = ask(&engine, "Explain this month for me: 2025-11-20.").await;
    let names: Vec<&str> = reply.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["month_figures"], "{}", reply.text);
    assert_eq!(reply.tools[0].arguments, "month of 2025-11-20");
    assert!(
        reply.tools[0].result.starts_with(&format!(
            "2025-11: USD {} in 7 sales; 2025-10:",
            expected_total()
        )),
        "{}",
        reply.tools[0].result
    );
    let total = format!("totals.0.total = {}", expected_total());
    assert!(reply.text.contains(&total), "{}", reply.text);
    // October's one sale, set beside November.
    assert!(
        reply.text.contains("last_month.totals.0.total = 500.00"),
        "{}",
        reply.text
    );
    // Kept as November's explanation, as the report shows it.
    let kept = engine
        .explain_month(NaiveDate::from_ymd_opt(2025, 11, 3).unwrap(), false)
        .await
        .unwrap();
    assert!(!kept.asked_now);
    assert_eq!(kept.insight.month, "2025-11");
    assert_eq!(kept.insight.text, reply.text);
}

#[tokio::test]
async fn with_books_access_none_no_tool_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let mut config = Config::default();
    config.gemini.books_access = BooksAccessSetting::Every(BooksAccess::None);
    let engine = engine(dir.path(), &sandbox, config).await;
    let reply = ask(&engine, BY_CLASS).await;
    assert!(reply.tools.is_empty(), "{:?}", reply.tools);
    // The sandbox echoes a question it has no tool for: nothing of the books went out.
    assert!(reply.text.contains("**You asked:**"), "{}", reply.text);
    assert!(!reply.text.contains(&expected_total()), "{}", reply.text);
}

#[tokio::test]
async fn customers_names_are_sent_only_when_allowed() {
    let question = "Who are the top customers from 2025-11-01 to 2025-11-30?";
    for allowed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = GeminiSandbox::start().await.unwrap();
        let mut config = Config::default();
        config.gemini.customer_names = allowed;
        let engine = engine(dir.path(), &sandbox, config).await;
        let reply = ask(&engine, question).await;
        assert_eq!(reply.tools[0].name, "top_customers");
        // Jane spent 21.60 + 162.00 + 9.99; Omar 18.05 + 31.25; Mei 123.45 - 129.00.
        assert!(
            reply.text.contains("customers.0.total = 193.59"),
            "{}",
            reply.text
        );
        for name in ["Jane Doe", "Omar Haddad", "Mei Chen"] {
            assert_eq!(reply.text.contains(name), allowed, "{name}: {}", reply.text);
        }
        assert_eq!(
            reply.text.contains("customers.0.customer = customer 1"),
            !allowed,
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("@example.com"), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_month_is_explained_once_kept_and_asked_again_only_when_wanted() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox, Config::default()).await;
    let november = NaiveDate::from_ymd_opt(2025, 11, 17).unwrap();
    let before = sandbox.requests();
    let first = engine.explain_month(november, false).await.unwrap();
    assert!(first.asked_now);
    assert_eq!(first.insight.month, "2025-11");
    // The sandbox echoes the request's beginning: the month's explanation was asked for.
    assert!(
        first.insight.text.contains("Explain this month (2025-11)"),
        "{}",
        first.insight.text
    );
    assert_eq!(sandbox.requests(), before + 1);
    let kept = engine.explain_month(november, false).await.unwrap();
    assert!(!kept.asked_now);
    assert_eq!(kept.insight, first.insight);
    assert_eq!(sandbox.requests(), before + 1, "a kept answer asks nothing");
    let again = engine.explain_month(november, true).await.unwrap();
    assert!(again.asked_now);
    assert_eq!(sandbox.requests(), before + 2);
}

#[test]
fn the_month_figures_set_november_beside_october_and_the_year_before() {
    let dir = tempfile::tempdir().unwrap();
    store_books(dir.path());
    let store = Store::open(&Paths::in_dir(dir.path()), "test").unwrap();
    let figures = legion_hub::books::answers::month::month_figures(
        &store,
        NaiveDate::from_ymd_opt(2025, 11, 30).unwrap(),
    )
    .unwrap();
    assert_eq!(figures.totals[0].total, expected_total());
    let classes: Vec<(String, String)> = figures
        .by_class
        .iter()
        .map(|r| (r.group.clone(), r.total.clone()))
        .collect();
    assert_eq!(classes, expected_by_class());
    // Weeks start on Monday: 3 Nov 2025 is one.
    assert_eq!(figures.by_week[0].group, "2025-11-03");
    assert_eq!(figures.last_month.month, "2025-10");
    assert_eq!(figures.last_month.totals[0].total, "500.00");
    assert_eq!(figures.same_month_last_year.month, "2024-11");
    assert!(figures.same_month_last_year.totals.is_empty());
}

#[tokio::test]
async fn explaining_needs_the_books_aggregates_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let mut config = Config::default();
    config.gemini.books_access = BooksAccessSetting::Every(BooksAccess::None);
    let engine = engine(dir.path(), &sandbox, config).await;
    let before = sandbox.requests();
    let error = engine
        .explain_month(NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(), false)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("books_access"), "{error}");
    assert_eq!(sandbox.requests(), before);
}

/// The title line's "Today's sales" counts sales only: a card fee the books posted today for a
/// matched deposit is an expense, not a negative sale.
#[tokio::test]
async fn todays_sales_leave_out_the_fees_the_books_post() {
    let dir = tempfile::tempdir().unwrap();
    let today = chrono::Local::now().date_naive();
    {
        let store = Store::open(&Paths::in_dir(dir.path()), "test").unwrap();
        let fee = Transaction {
            key: "books:fee:today".into(),
            source: legion_hub::books::transaction::BOOKS_SOURCE.into(),
            customer: None,
            ..sale(1, today, -412, Some("Card processing fees"), 1)
        };
        store
            .upsert_transactions(
                &[sale(0, today, 15_000, Some("Class revenue"), 1), fee],
                false,
            )
            .unwrap();
    }
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config: Config::default(),
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, EngineOptions::default()).unwrap();
    let sales = engine.todays_sales().await.unwrap();
    assert_eq!((sales.total, sales.items), (Decimal::new(15_000, 2), 1));
}

/// `sales_summary` reads the daily totals; its rows must be what a scan of the transactions
/// makes, to the cent and the count, for every grouping the totals carry, over ranges of whole
/// months and of odd days: classes (and none), named, unnamed and missing categories, two
/// currencies, returns, and fees the books post (never sales); every site's and each site's of a
/// chain.
#[test]
fn the_sales_summary_from_the_daily_totals_equals_a_scan_of_the_transactions() {
    use legion_hub::books::answers::DateRange;
    use legion_hub::books::answers::sales::{GroupBy, sales_summary, week_of};
    use legion_hub::books::{AccountKey, Category};
    use legion_hub::domain::Provider;
    use std::collections::{BTreeMap, HashMap};

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Paths::in_dir(dir.path()), "test").unwrap();
    let site = AccountKey::new(Provider::Mindbody, "-99").unwrap();
    let category = |id: i64, name: &str| Category {
        id,
        name: name.into(),
        service: true,
        source: "mindbody".into(),
        class: None,
    };
    store
        .upsert_categories(
            &site,
            &[category(1, "Drop-ins"), category(2, "Class packs")],
        )
        .unwrap();
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let classes = [Some("Class revenue"), Some("Retail"), None];
    let categories = [Some(1), Some(2), Some(7), None];
    let sales: Vec<Transaction> = (0..3_000usize)
        .map(|i| {
            let day = start + chrono::Days::new((i * 7 % 430) as u64);
            let mut tx = sale(i, day, 100 + (i as i64 * 7_919) % 25_000, classes[i % 3], 1);
            tx.key = format!("mindbody@-99:sale:{i}:{i}");
            tx.date = day
                .and_hms_opt((i % 24) as u32, (i % 60) as u32, 0)
                .unwrap();
            tx.category_id = categories[i % 4];
            if i % 17 == 0 {
                tx.returned = true;
                tx.amount = -tx.amount;
            }
            if i % 11 == 0 {
                tx.currency = "EUR".into();
            }
            if i % 97 == 0 {
                tx.key = format!("books:fee:{i}");
                tx.source = legion_hub::books::transaction::BOOKS_SOURCE.into();
            } else if i % 5 == 0 {
                // A chain's second site (its categories are its own: none here).
                tx.key = format!("mindbody@-98:sale:{i}:{i}");
                tx.category_id = None;
            }
            tx
        })
        .collect();
    store.upsert_transactions(&sales, false).unwrap();

    let names: HashMap<i64, String> = store
        .categories()
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let scanned = |range: DateRange, by: GroupBy, site: Option<&str>| {
        let (from, to) = range.bounds();
        let mut sums: BTreeMap<(String, String), (Decimal, u64)> = BTreeMap::new();
        for t in store.transactions_between(from, to).unwrap() {
            let of_site = site.is_none_or(|s| t.key.starts_with(&format!("mindbody@{s}:")));
            if !t.is_sale() || !of_site {
                continue;
            }
            let day = t.date.date();
            let group = match by {
                GroupBy::Day => day.to_string(),
                GroupBy::Week => week_of(day).to_string(),
                GroupBy::Month => day.format("%Y-%m").to_string(),
                GroupBy::Class => t.class.clone().unwrap_or_else(|| "(no class)".into()),
                GroupBy::Category => match t.category_id {
                    Some(id) => names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("category {id}")),
                    None => "(no category)".into(),
                },
                GroupBy::PaymentMethod => unreachable!("not from the totals"),
            };
            let sum = sums.entry((group, t.currency.clone())).or_default();
            sum.0 += t.amount;
            sum.1 += 1;
        }
        sums.into_iter()
            .map(|((group, currency), (sum, count))| {
                let total = exact(sum, &currency);
                (group, currency, total, count)
            })
            .collect::<Vec<_>>()
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let ranges = [
        (day(2025, 11, 1), day(2025, 11, 30)),
        (day(2025, 1, 1), day(2025, 12, 31)),
        (day(2025, 2, 14), day(2026, 3, 2)),
        (day(2025, 6, 30), day(2025, 7, 1)),
        (day(2024, 12, 1), day(2025, 1, 31)),
    ];
    for (from, to) in ranges {
        let range = DateRange::new(from, to).unwrap();
        for (by, site) in GroupBy::ALL
            .into_iter()
            .flat_map(|by| [None, Some("-99"), Some("-98")].map(|site| (by, site)))
        {
            if by == GroupBy::PaymentMethod {
                continue;
            }
            let summary = sales_summary(&store, range, by, site).unwrap();
            assert_eq!(summary.site.as_deref(), site);
            let rows: Vec<_> = summary
                .rows
                .iter()
                .map(|r| {
                    (
                        r.group.clone(),
                        r.currency.clone(),
                        r.total.clone(),
                        r.count,
                    )
                })
                .collect();
            let expected = scanned(range, by, site);
            assert!(!expected.is_empty(), "{from}..{to} has sales at {site:?}");
            assert_eq!(rows, expected, "{from}..{to} by {} at {site:?}", by.name());
        }
    }
}

/// `top_customers` reads the customers' day totals; its ranking must be what a scan of the
/// transactions makes, to the cent and the count, over whole months and odd ranges: 40
/// customers and sales without one, two currencies, returns, fees the books post (never sales),
/// and after a sale moves to another customer, another day, and one is deleted.
#[test]
fn the_top_customers_from_the_kept_totals_equal_a_scan_of_the_transactions() {
    use legion_hub::books::answers::customers::top_customers;
    use legion_hub::books::answers::{DateRange, MAX_ROWS};
    use std::collections::HashMap;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Paths::in_dir(dir.path()), "test").unwrap();
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut sales: Vec<Transaction> = (0..3_000usize)
        .map(|i| {
            let day = start + chrono::Days::new((i * 7 % 430) as u64);
            let mut tx = sale(i, day, 100 + (i as i64 * 7_919) % 25_000, None, 0);
            tx.key = format!("mindbody@-99:sale:{i}:{i}");
            tx.date = day
                .and_hms_opt((i % 24) as u32, (i % 60) as u32, 0)
                .unwrap();
            tx.customer = (i % 13 != 0).then(|| format!("mindbody@-99:client:{}", i * 31 % 40));
            if i % 17 == 0 {
                tx.returned = true;
                tx.amount = -tx.amount;
            }
            if i % 11 == 0 {
                tx.currency = "EUR".into();
            }
            if i % 97 == 0 {
                tx.key = format!("books:fee:{i}");
                tx.source = legion_hub::books::transaction::BOOKS_SOURCE.into();
            }
            tx
        })
        .collect();
    store.upsert_transactions(&sales, false).unwrap();
    let customers: Vec<Customer> = (0..40)
        .map(|n| Customer {
            key: format!("mindbody@-99:client:{n}"),
            ..customer(n, &format!("First{n}"), &format!("Last{n}"))
        })
        .collect();
    store.upsert_customers(&customers).unwrap();
    let names: HashMap<String, String> = customers
        .iter()
        .map(|c| (c.key.clone(), c.full_name()))
        .collect();

    // The ranking as the tool made it from a scan before the totals: (name, currency, total,
    // count) by sum, highest first, ties by customer key and currency; and the sales without a
    // customer.
    let scanned = |range: DateRange| {
        let (from, to) = range.bounds();
        let mut sums: HashMap<(String, String), (Decimal, u64)> = HashMap::new();
        let mut without = 0u64;
        for t in store.transactions_between(from, to).unwrap() {
            if !t.is_sale() {
                continue;
            }
            match t.customer {
                Some(who) => {
                    let sum = sums.entry((who, t.currency)).or_default();
                    sum.0 += t.amount;
                    sum.1 += 1;
                }
                None => without += 1,
            }
        }
        let mut ranked: Vec<_> = sums.into_iter().collect();
        ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        let rows: Vec<_> = ranked
            .into_iter()
            .take(MAX_ROWS)
            .map(|((who, currency), (sum, count))| {
                (names[&who].clone(), exact(sum, &currency), currency, count)
            })
            .collect();
        (rows, without)
    };
    let check = |when: &str| {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for (from, to) in [
            (day(2025, 11, 1), day(2025, 11, 30)),
            (day(2025, 1, 1), day(2025, 12, 31)),
            (day(2025, 2, 14), day(2026, 3, 2)),
            (day(2025, 6, 30), day(2025, 7, 1)),
            (day(2025, 3, 9), day(2025, 3, 9)),
            (day(2024, 12, 1), day(2025, 1, 31)),
        ] {
            let range = DateRange::new(from, to).unwrap();
            let top = top_customers(&store, range, MAX_ROWS, true).unwrap();
            let rows: Vec<_> = top
                .customers
                .iter()
                .map(|r| {
                    (
                        r.customer.clone(),
                        r.total.clone(),
                        r.currency.clone(),
                        r.count,
                    )
                })
                .collect();
            let (expected, without) = scanned(range);
            assert!(!expected.is_empty(), "{from}..{to} has sales");
            assert_eq!(rows, expected, "{from}..{to}, {when}");
            assert_eq!(top.without_customer, without, "{from}..{to}, {when}");
        }
    };
    check("as stored");
    // A sale moves to another customer and another day, another is returned, one is deleted.
    sales[5].customer = Some("mindbody@-99:client:3".into());
    sales[6].date += chrono::Duration::days(40);
    sales[7].returned = true;
    sales[7].amount = -sales[7].amount;
    store.upsert_transactions(&sales[5..8], false).unwrap();
    assert!(store.delete_transaction(&sales[8].key).unwrap());
    check("after changes");
    assert!(store.daily_totals_agree().unwrap());
}
