//! A bank statement imported from the dashboard (`i` on the Reconcile screen), against a real
//! engine and real files in a temp folder, pressed key by key through the key tables: the path
//! completed with Tab, the file read and imported, its lines on the screen; a CSV's guessed
//! rules kept only once confirmed; a broken file named with its line, nothing stored.

use std::path::Path;

use crate::support::dashboard::screen;
use crate::support::{noon, open_engine};
use legion_hub::api::KeptRules;
use legion_hub::engine::Engine;
use legion_hub::tui::app::{App, Overlay, Screen};
use legion_hub::tui::keymap;
use legion_hub::tui::screens::reconcile::import::Stage;
use legion_hub::tui::settle_inline as settle;
use legion_hub::tui::theme::Theme;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bank");

/// A dashboard on the Reconcile screen of the engine in `data`, keeping CSV rules in `rules`.
async fn on_reconcile(engine: &Engine, rules: &Path) -> App {
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, 100, 30),
        noon().fixed_offset(),
    );
    app.reconcile.kept_rules = Some(KeptRules {
        dir: rules.to_path_buf(),
    });
    press(engine, &mut app, KeyCode::Char('5')).await;
    assert_eq!(app.screen, Screen::Reconcile);
    app
}

/// One key, as the terminal sends it, and what it asks of the engine answered.
async fn press(engine: &Engine, app: &mut App, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(action) = keymap::action_for(app, Event::Key(key)) {
        app.update(action);
    }
    settle(engine, app).await;
}

async fn type_in(engine: &Engine, app: &mut App, text: &str) {
    for c in text.chars() {
        press(engine, app, KeyCode::Char(c)).await;
    }
}

fn stage(app: &App) -> Stage {
    match &app.overlay {
        Overlay::Import(view) => view.stage.clone(),
        other => panic!("the import overlay is not open: {other:?}"),
    }
}

fn copy_fixture(name: &str, to: &Path) {
    std::fs::copy(Path::new(FIXTURES).join(name), to).expect("the fixture copied");
}

#[tokio::test]
async fn an_ofx_found_with_tab_is_imported_and_its_lines_are_on_screen() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    copy_fixture(
        "creditunion-ofx102-cp1252.ofx",
        &files.path().join("nov-statement.ofx"),
    );
    std::fs::write(files.path().join("notes.txt"), "not a statement").unwrap();
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &data.path().join("bank-rules")).await;
    assert!(
        screen(&app).contains("no bank statement imported yet"),
        "{}",
        screen(&app)
    );

    press(&engine, &mut app, KeyCode::Char('i')).await;
    assert!(screen(&app).contains("Import a bank statement"));
    assert!(
        keymap::hints(&app).contains(&("Tab", "complete")),
        "{:?}",
        keymap::hints(&app)
    );
    type_in(
        &engine,
        &mut app,
        &format!("{}/nov", files.path().display()),
    )
    .await;
    press(&engine, &mut app, KeyCode::Tab).await;
    let Overlay::Import(view) = &app.overlay else {
        panic!("open");
    };
    assert_eq!(
        view.file.value(),
        format!("{}/nov-statement.ofx", files.path().display()),
        "the one name that starts so"
    );
    // No account on screen yet: Enter asks for one, and nothing is read.
    press(&engine, &mut app, KeyCode::Enter).await;
    assert_eq!(stage(&app), Stage::Editing);
    assert!(
        screen(&app).contains("Name the account"),
        "{}",
        screen(&app)
    );
    type_in(&engine, &mut app, "Studio checking").await;
    press(&engine, &mut app, KeyCode::Enter).await;

    let Stage::Done { words, .. } = stage(&app) else {
        panic!("not imported: {}", screen(&app));
    };
    assert!(
        words
            .iter()
            .any(|w| w.contains("(new account): 6 new lines")),
        "{words:#?}"
    );
    assert!(screen(&app).contains("nov-statement.ofx (OFX 1.x)"));
    assert_eq!(app.reconcile.account.as_deref(), Some("studio-checking"));

    press(&engine, &mut app, KeyCode::Esc).await;
    assert!(matches!(app.overlay, Overlay::None));
    let shown = screen(&app);
    assert!(
        shown.contains("studio-checking") && shown.contains("SQUARE INC"),
        "{shown}"
    );

    // The same file again: the overlay opens on the account on screen, and nothing is new.
    press(&engine, &mut app, KeyCode::Char('i')).await;
    let Overlay::Import(view) = &app.overlay else {
        panic!("open");
    };
    assert_eq!(view.account.value(), "studio-checking");
    type_in(
        &engine,
        &mut app,
        &format!("{}/nov-statement.ofx", files.path().display()),
    )
    .await;
    press(&engine, &mut app, KeyCode::Enter).await;
    let Stage::Done { words, .. } = stage(&app) else {
        panic!("not imported: {}", screen(&app));
    };
    assert!(
        words
            .iter()
            .any(|w| w.contains(": 0 new lines, 6 already there")),
        "{words:#?}"
    );
}

#[tokio::test]
async fn tab_twice_lists_the_names_that_start_so() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    for month in ["2026-10", "2026-11", "2026-12"] {
        std::fs::write(files.path().join(format!("statement-{month}.csv")), "x").unwrap();
    }
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &data.path().join("bank-rules")).await;
    press(&engine, &mut app, KeyCode::Char('i')).await;
    type_in(&engine, &mut app, &format!("{}/s", files.path().display())).await;
    press(&engine, &mut app, KeyCode::Tab).await;
    let Overlay::Import(view) = &app.overlay else {
        panic!("open");
    };
    assert_eq!(
        view.file.value(),
        format!("{}/statement-2026-1", files.path().display())
    );
    assert!(view.choices.is_empty(), "one Tab lists nothing");
    press(&engine, &mut app, KeyCode::Tab).await;
    let shown = screen(&app);
    assert!(
        shown.contains("statement-2026-10.csv") && shown.contains("statement-2026-12.csv"),
        "{shown}"
    );
    // Typing hides the list again.
    type_in(&engine, &mut app, "1").await;
    assert!(!screen(&app).contains("statement-2026-10.csv"));
}

#[tokio::test]
async fn a_csv_guess_is_kept_only_once_confirmed() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("checking.csv");
    copy_fixture("usbank-checking.csv", &csv);
    let rules_dir = data.path().join("bank-rules");
    let kept = rules_dir.join("studio-checking.rules");
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &rules_dir).await;

    press(&engine, &mut app, KeyCode::Char('i')).await;
    type_in(&engine, &mut app, &csv.display().to_string()).await;
    press(&engine, &mut app, KeyCode::Down).await;
    type_in(&engine, &mut app, "Studio checking").await;
    press(&engine, &mut app, KeyCode::Down).await;
    type_in(&engine, &mut app, "usd").await;
    press(&engine, &mut app, KeyCode::Enter).await;
    assert!(matches!(stage(&app), Stage::Confirming { .. }));
    let shown = screen(&app);
    assert!(
        shown.contains("checking.csv is a CSV export without rules") && shown.contains("fields"),
        "{shown}"
    );
    assert!(!kept.exists(), "nothing kept before the answer");

    // Esc: nothing kept, nothing imported; the fields are as they were.
    press(&engine, &mut app, KeyCode::Esc).await;
    assert_eq!(stage(&app), Stage::Editing);
    assert!(!kept.exists());
    assert!(engine.reconcile_view(None).await.is_err(), "nothing stored");

    press(&engine, &mut app, KeyCode::Enter).await;
    assert!(matches!(stage(&app), Stage::Confirming { .. }));
    press(&engine, &mut app, KeyCode::Enter).await;
    let Stage::Done { words, .. } = stage(&app) else {
        panic!("not imported: {}", screen(&app));
    };
    assert!(words.iter().any(|w| w.contains("new lines")), "{words:#?}");
    let rules = std::fs::read_to_string(&kept).expect("the rules kept for the account");
    assert!(rules.contains("fields"), "{rules}");
    press(&engine, &mut app, KeyCode::Esc).await;
    assert!(screen(&app).contains("SQUARE INC"), "{}", screen(&app));

    // The next import of the account reads with the kept rules: no question.
    press(&engine, &mut app, KeyCode::Char('i')).await;
    type_in(&engine, &mut app, &csv.display().to_string()).await;
    press(&engine, &mut app, KeyCode::Enter).await;
    assert!(
        matches!(stage(&app), Stage::Done { .. }),
        "{:?}",
        stage(&app)
    );
}

#[tokio::test]
async fn a_broken_file_names_its_line_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let rules_dir = data.path().join("bank-rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    copy_fixture(
        "usbank-checking.csv.rules",
        &rules_dir.join("studio-checking.rules"),
    );
    // The fourth line's date has a month 19.
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("usbank-checking.csv")).unwrap();
    let broken = crate::support::bank_files::with_fourth_date_broken(&text, "\n");
    let bad = files.path().join("broken.csv");
    std::fs::write(&bad, broken).unwrap();
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &rules_dir).await;

    press(&engine, &mut app, KeyCode::Char('i')).await;
    type_in(&engine, &mut app, &bad.display().to_string()).await;
    press(&engine, &mut app, KeyCode::Down).await;
    type_in(&engine, &mut app, "Studio checking").await;
    press(&engine, &mut app, KeyCode::Enter).await;
    assert_eq!(stage(&app), Stage::Editing, "back to the fields to mend");
    let Overlay::Import(view) = &app.overlay else {
        panic!("open");
    };
    let (note, is_error) = view.note.clone().expect("why");
    assert!(is_error && note.contains("broken.csv, line 4"), "{note}");
    assert!(screen(&app).contains("line 4"), "{}", screen(&app));
    let nothing = engine.reconcile_view(None).await.unwrap_err().to_string();
    assert!(
        nothing.contains("no bank statement imported yet"),
        "{nothing}"
    );
}

/// The file is read and imported in the background, as the loop runs it: the overlay says so
/// and keys still work (Esc closes it); the answer, when it comes, is said on the message line
/// and the screen reads the imported account.
#[tokio::test]
async fn the_import_runs_in_the_background_and_keys_still_work() {
    use legion_hub::tui::action::Action;
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let ofx = files.path().join("nov.ofx");
    copy_fixture("creditunion-ofx102-cp1252.ofx", &ofx);
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &data.path().join("bank-rules")).await;
    press(&engine, &mut app, KeyCode::Char('i')).await;
    type_in(&engine, &mut app, &ofx.display().to_string()).await;
    press(&engine, &mut app, KeyCode::Down).await;
    type_in(&engine, &mut app, "Studio checking").await;

    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    app.update(keymap::action_for(&app, Event::Key(enter)).expect("Enter imports"));
    legion_hub::tui::settle(&engine, &mut app, &tx).await;
    assert!(
        screen(&app).contains("Reading nov.ofx and importing it"),
        "{}",
        screen(&app)
    );
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    app.update(keymap::action_for(&app, Event::Key(esc)).expect("Esc closes"));
    assert!(matches!(app.overlay, Overlay::None));

    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), answers.recv())
        .await
        .expect("the import answers")
        .expect("an answer");
    assert!(matches!(answer, Action::BankImport(_)), "{answer:?}");
    app.update(answer);
    let notice = app.notice.clone().expect("said").text;
    assert!(
        notice.contains("nov.ofx (OFX 1.x) into Studio checking"),
        "{notice}"
    );
    settle(&engine, &mut app).await;
    assert!(screen(&app).contains("SQUARE INC"), "{}", screen(&app));
}

/// A second account imported from the dashboard becomes the one on screen: the screen names it
/// when it reads the books (with two accounts, "the only one" is no answer).
#[tokio::test]
async fn a_second_account_becomes_the_one_on_screen() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let checking = files.path().join("checking.ofx");
    let card = files.path().join("card.qfx");
    copy_fixture("creditunion-ofx102-cp1252.ofx", &checking);
    copy_fixture("card-web-connect.qfx", &card);
    let engine = open_engine(data.path());
    let mut app = on_reconcile(&engine, &data.path().join("bank-rules")).await;
    for (file, account) in [(&checking, "Studio checking"), (&card, "Studio card")] {
        press(&engine, &mut app, KeyCode::Char('i')).await;
        type_in(&engine, &mut app, &file.display().to_string()).await;
        press(&engine, &mut app, KeyCode::Down).await;
        // The field starts with the account on screen: replaced by the one typed.
        for _ in 0..40 {
            press(&engine, &mut app, KeyCode::Backspace).await;
        }
        type_in(&engine, &mut app, account).await;
        press(&engine, &mut app, KeyCode::Enter).await;
        assert!(
            matches!(stage(&app), Stage::Done { .. }),
            "{}",
            screen(&app)
        );
        press(&engine, &mut app, KeyCode::Esc).await;
    }
    let none = engine.reconcile_view(None).await.unwrap_err().to_string();
    assert!(none.contains("there are 2 bank accounts"), "{none}");
    assert_eq!(app.reconcile.account.as_deref(), Some("studio-card"));
    let shown = screen(&app);
    assert!(
        shown.contains("studio-card") && shown.contains("YOGA WHOLESALE SUPPLY"),
        "{shown}"
    );
    assert!(
        !shown.contains("SQUARE INC"),
        "the checking account's lines are not on show"
    );
}
