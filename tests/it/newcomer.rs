//! The newcomer's first five minutes, in a real pseudo terminal, read like a person reads the
//! screen (a vt100 parser): `legion-hub demo` opens with Gemini connected and Mindbody signed
//! in, its books reconciled; the chat streams an answer; Mindbody signs out and in again through
//! the browser (a `$BROWSER` script that clicks Approve) and then by pasting the address back; the
//! first sync fills the transactions; a webhook sale arrives on its own; `q` leaves the terminal
//! as it found it.

use crate::support::pty;

use std::io::Write;
use std::time::{Duration, Instant};

use pty::{Terminal, termios_of};

/// Plays the browser: opens the sign-in page and approves, so the sandbox redirects to the
/// hub's loopback listener, which the script then visits. With `manual` next to it, it only
/// writes the address down, as a browser on another machine would leave it to the user.
const BROWSER: &str = r#"#!/usr/bin/env python3
import os, re, sys, urllib.parse, urllib.request, http.client
url = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
if os.path.exists(os.path.join(here, "manual")):
    open(os.path.join(here, "url.txt"), "w").write(url)
    sys.exit(0)
html = urllib.request.urlopen(url).read().decode()
request = re.search(r'name=request value="([^"]+)"', html).group(1)
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
conn.request("POST", "/connect/authorize/decision",
             urllib.parse.urlencode({"request": request, "decision": "approve"}),
             {"Content-Type": "application/x-www-form-urlencoded"})
callback = conn.getresponse().getheader("Location")
urllib.request.urlopen(callback).read()
"#;

fn line_with<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start_matches(['┃', '│', ' ']).starts_with(start))
        .unwrap_or("")
}

/// What a person does with the address the browser could not open for them: sign in and
/// approve in a browser of their own, then copy the address it ends on.
fn approve_by_hand(url: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = legion_hub::http::client_without_redirects();
        let html = http.get(url).send().await.unwrap().text().await.unwrap();
        let request = html
            .split("name=request value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let base = url::Url::parse(url).unwrap();
        let decision = base.join("/connect/authorize/decision").unwrap();
        let reply = http
            .post(decision)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("request={request}&decision=approve"))
            .send()
            .await
            .unwrap();
        reply.headers()["location"].to_str().unwrap().to_string()
    })
}

#[test]
fn the_first_five_minutes_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("browser.py");
    std::fs::write(&script, BROWSER).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut cmd = pty::demo(dir.path());
    cmd.env("DISPLAY", ":0");
    cmd.env("BROWSER", dir.path().join("browser.py"));
    let mut term = Terminal::start(cmd);
    let before = termios_of(term.master.as_ref());

    // The demo opens with Gemini connected and says what to try first: the chat, the sign-in,
    // the transactions. (A frame may show the table before the welcome; wait for both.)
    let try_these = ["chat with Gemini", "signed in", "the transactions"];
    let hub = term.wait("Gemini connected and the welcome", |t| {
        line_with(t, "Gemini").contains("● connected") && try_these.iter().all(|w| t.contains(w))
    });
    assert!(hub.contains("Integrations Hub"), "{hub}");
    assert_eq!(
        termios_of(term.master.as_ref()).c_lflag & libc::ICANON,
        0,
        "raw mode while the dashboard runs"
    );

    // The chat answers with streaming text.
    term.keys("2");
    term.wait_for("Chat with Gemini");
    for key in "How do I reconnect Mindbody?".chars() {
        term.writer.write_all(key.to_string().as_bytes()).unwrap();
    }
    term.keys("\r");
    let partial = term.wait_for("You asked:");
    let whole = term.wait("the whole answer", |t| {
        t.contains("System instruction") && !t.contains("stop the reply")
    });
    assert!(
        partial.contains("stop the reply") && !partial.contains("System instruction"),
        "the answer arrived in pieces:\n{partial}"
    );
    assert!(whole.contains("How do I reconnect Mindbody?"), "{whole}");

    // The demo signed Mindbody in by itself (the sandbox's sign-in, approved), synced the studio
    // and reconciled its bank statement: the hub says what the bank still waits for.
    term.keys("\x1b");
    term.wait_for("PROVIDER");
    term.keys("j");
    term.wait("the demo's books open", |t| {
        line_with(t, "Mindbody").contains("● connected")
            && line_with(t, "Bank").contains("Studio checking: ")
            && t.lines()
                .any(|l| l.contains("transactions") && l.contains("✓ completed"))
    });
    // Most of the statement is matched; what is not sure waits for a person.
    term.keys("5");
    let reconcile = term.wait("the Reconcile screen", |t| {
        t.contains("Reconcile · studio-checking") && t.contains("sure")
    });
    assert!(reconcile.contains("to match"), "{reconcile}");
    term.keys("1");
    term.wait_for("PROVIDER");
    // Signed out, then in again through the browser; the first sync starts on its own.
    term.keys("x");
    term.wait_for("Disconnect Mindbody?");
    term.keys("y");
    term.wait("Mindbody signed out", |t| {
        line_with(t, "Mindbody").contains("○ not signed in")
    });
    term.keys("o");
    // The table may say connected a frame before the sign-in overlay closes; a key pressed
    // then would go to the overlay's paste field, as a person's would.
    term.wait("Mindbody connected", |t| {
        line_with(t, "Mindbody").contains("● connected") && !t.contains("Connect Mindbody ·")
    });
    term.keys("3");
    let books = term.wait("transactions", |t| {
        t.contains("Transactions · ") && !t.contains("Transactions · 0 ") && t.contains("mindbody")
    });
    assert!(books.contains("DESCRIPTION"), "{books}");
    term.keys("1");
    // The first sync runs its four types in order; the last is the card transactions.
    term.wait("the first sync to finish", |t| {
        t.lines()
            .any(|l| l.contains("transactions") && l.contains("✓ completed"))
    });

    // Again by pasting the address back, as over SSH. A disconnect asks first.
    term.keys("x");
    term.wait_for("Disconnect Mindbody?");
    term.keys("y");
    // Signed out, while the demo's webhook subscription still brings sales in.
    term.wait("Mindbody disconnected", |t| {
        line_with(t, "Mindbody").contains("○ not signed in")
    });
    std::fs::write(dir.path().join("manual"), "").unwrap();
    term.keys("o");
    let url_file = dir.path().join("url.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !url_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(30));
    }
    let url = std::fs::read_to_string(&url_file).expect("the browser was given the address");
    term.wait_for("Esc");
    let redirected = approve_by_hand(&url);
    for chunk in redirected.as_bytes().chunks(16) {
        term.writer.write_all(chunk).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    term.keys("\r");
    // As above: a key pressed before the sign-in overlay closes would go to its paste field.
    term.wait("Mindbody connected again", |t| {
        line_with(t, "Mindbody").contains("● connected") && !t.contains("Connect Mindbody ·")
    });

    // A sale made at the studio arrives by webhook, without a sync.
    term.keys("4");
    let events = term.wait("a webhook sale", |t| {
        t.contains("clientSale.created") && t.contains("processed")
    });
    assert!(events.contains("received"), "{events}");
    assert!(events.contains("Today's sales"), "{events}");

    // q leaves the terminal as it was.
    term.keys("q");
    let status = term.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    term.assert_given_back();
    let after = termios_of(term.master.as_ref());
    assert_eq!(after.c_lflag, before.c_lflag, "cooked mode as before");
    assert_eq!(after.c_iflag, before.c_iflag);
    assert_eq!(after.c_oflag, before.c_oflag);
}
