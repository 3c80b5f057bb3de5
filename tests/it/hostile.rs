//! What the outside world can throw at the hub, generated (proptest): webhook bodies and
//! signature headers, Mindbody API pages, Gemini SSE streams, pasted redirect addresses and
//! config files. Nothing may panic; whatever is refused is refused with a message. The seeds
//! are the real shapes (the reference fixtures), mutated byte by byte, plus free-form input.
//! The readers and their properties are `support/readers.rs`, which the coverage-guided
//! targets in `fuzz/` use too; their corpora are replayed here, so `cargo test` runs every
//! input the fuzzers kept. Failures proptest finds are kept in
//! `tests/hostile.proptest-regressions` and replayed first.

use crate::support::readers;

use legion_hub::integrations::mindbody::webhooks::signature::sign;
use proptest::prelude::*;

const WEBHOOK: &[u8] = include_bytes!("../fixtures/mindbody/webhook_clientSale_created.body.json");
const SALES: &str = include_str!("../fixtures/mindbody/sales_page.json");
const CLIENTS: &str = include_str!("../fixtures/mindbody/clients_page.json");
const TRANSACTIONS: &str = include_str!("../fixtures/mindbody/transactions_page.json");
const SSE: &str = include_str!("../fixtures/gemini/streamGenerateContent.alt-sse.txt");
const CONFIG: &str = include_str!("../../assets/config.toml");

/// A real input with some bytes changed, cut, or repeated.
fn mutated(seed: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len();
    prop::collection::vec((0..len.max(1), any::<u8>(), 0u8..4), 1..8).prop_map(move |edits| {
        let mut out = seed.to_vec();
        for (at, byte, how) in edits {
            let at = at.min(out.len().saturating_sub(1));
            match how {
                0 => out[at] = byte,
                1 => out.truncate(at),
                2 => out.insert(at, byte),
                _ => {
                    let tail = out[at..].to_vec();
                    out.extend_from_slice(&tail[..tail.len().min(64)]);
                }
            }
            if out.is_empty() {
                out.push(byte);
            }
        }
        out
    })
}

fn text(seed: &'static str) -> impl Strategy<Value = String> {
    mutated(seed.as_bytes()).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// 512 cases each in `cargo test`; `PROPTEST_CASES=100000` for a long run.
fn config() -> ProptestConfig {
    crate::support::cases::config(512)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn webhook_bodies_never_panic(body in prop_oneof![mutated(WEBHOOK), prop::collection::vec(any::<u8>(), 0..512)]) {
        readers::webhook_body(&body);
    }

    #[test]
    fn a_signature_holds_only_for_its_own_body(body in mutated(WEBHOOK), header in ".{0,80}") {
        readers::webhook_signature(&header, &body);
        readers::webhook_signature(&sign(readers::KEY, WEBHOOK), &body);
    }

    #[test]
    fn mindbody_pages_never_panic(sales in text(SALES), clients in text(CLIENTS), cards in text(TRANSACTIONS)) {
        readers::mindbody_page(sales.as_bytes());
        readers::mindbody_page(clients.as_bytes());
        readers::mindbody_page(cards.as_bytes());
    }

    #[test]
    fn gemini_streams_never_panic(stream in text(SSE), cuts in prop::collection::vec(1usize..64, 1..16)) {
        // The body arrives split anywhere, in pieces of any size.
        readers::gemini_stream(stream.as_bytes(), &cuts);
    }

    #[test]
    fn pasted_addresses_never_panic(pasted in prop_oneof![
        ".{0,200}",
        "http://localhost:[0-9]{1,6}/[a-z/]{0,20}\\?[a-z=&%0-9]{0,60}",
        Just(format!("{}?code=abc&state={}", readers::REDIRECT, readers::STATE)),
    ]) {
        readers::pasted_address(&pasted);
    }

    #[test]
    fn config_files_never_panic(file in prop_oneof![text(CONFIG), ".{0,200}"]) {
        readers::config_file(&file);
    }
}

/// The receiver over HTTP, with bodies no delivery has: oversized, empty, not UTF-8, unsigned.
#[tokio::test]
async fn the_receiver_refuses_what_is_not_a_delivery_and_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let settings = legion_hub::config::Settings {
        paths: legion_hub::config::Paths::in_dir(dir.path()),
        config: Default::default(),
    };
    let engine =
        legion_hub::engine::Engine::open(&settings, legion_hub::engine::Role::Serve).unwrap();
    let services =
        legion_hub::server::start(engine.local().unwrap(), &settings, Some("127.0.0.1:0"))
            .await
            .unwrap();
    let url = format!(
        "http://{}/webhooks/mindbody",
        services.webhook_addr.unwrap()
    );
    let http = legion_hub::http::client();
    let post = |body: Vec<u8>, signature: Option<&str>| {
        let mut request = http.post(&url).body(body);
        if let Some(signature) = signature {
            request = request.header("X-Mindbody-Signature", signature);
        }
        request.send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(
            post(vec![b'{'; 300 * 1024], Some("sha256=AAAA"))
                .await
                .unwrap()
        ),
        413
    );
    assert_eq!(status(post(Vec::new(), None).await.unwrap()), 401);
    assert_eq!(
        status(
            post(vec![0xff, 0xfe, 0x00], Some("sha256=%%"))
                .await
                .unwrap()
        ),
        401
    );
    assert_eq!(
        status(
            post(WEBHOOK.to_vec(), Some(&sign("k", WEBHOOK)))
                .await
                .unwrap()
        ),
        401,
        "no subscription key saved: nothing verifies"
    );
    assert_eq!(status(http.head(&url).send().await.unwrap()), 200);
    let summary = engine.webhook_summary().await.unwrap();
    assert_eq!(
        summary.counts.rejected, 3,
        "the three refused posts are recorded"
    );
    assert_eq!(summary.counts.received, 0);
}

/// The kept corpus, `fuzz/corpus/<target>/`: the seeds and what the fuzzers found worth
/// keeping, each fed to every reader whatever its folder says it is.
#[test]
fn the_kept_corpus_is_refused_or_read_without_a_panic() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut seen = 0;
    for target in std::fs::read_dir(corpus).unwrap() {
        for entry in std::fs::read_dir(target.unwrap().path()).unwrap() {
            readers::anything(&std::fs::read(entry.unwrap().path()).unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 20, "the corpus is there ({seen} files)");
}
