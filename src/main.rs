//! The `legion-hub` binary: parse the command line, set up logging and the runtime, dispatch.
//! Errors stop here, printed once with what to do next.

use std::process::ExitCode;

use clap::Parser;

use legion_hub::cli::{Cli, Command};
use legion_hub::commands::{self, exit};
use legion_hub::config::{Paths, Settings};
use legion_hub::engine::{Engine, Role};
use legion_hub::tui::{self, theme::Theme};
use legion_hub::{demo, logging, signals};

/// How long the tasks still running at the end get to stop.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn main() -> ExitCode {
    legion_hub::privacy::private_by_default();
    let cli = Cli::parse();
    // Printing commands end quietly when their reader goes (`status --json | head`), as other
    // command-line tools do. Long-running ones keep Rust's default (ignored): a client that
    // hangs up on the control socket or the receiver must not stop the hub.
    let long_running = matches!(
        cli.command,
        None | Some(Command::Serve { .. } | Command::Demo | Command::Sandbox { action: None, .. })
    );
    if !long_running {
        // SAFETY: restoring a signal's default disposition before any thread starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let (text, code) =
                commands::explain(&error).unwrap_or_else(|| (describe(&error), exit::FAILED));
            eprintln!("legion-hub: {text}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let overrides = cli.global.overrides();
    if let Some(Command::Paths(args)) = &cli.command {
        // `paths` is how people find a broken config file, so it must work without one.
        return match Settings::load(&overrides) {
            Ok(settings) => commands::paths::run(&settings.paths, args.json),
            Err(error) => {
                eprintln!("legion-hub: warning: {error}");
                commands::paths::run(&Paths::resolve(&overrides)?, args.json)
            }
        };
    }
    let settings = Settings::load(&overrides)?;
    // The fakes and the config file hold no customer data.
    if !matches!(
        cli.command,
        Some(Command::Sandbox { .. } | Command::Config(_))
    ) {
        for line in legion_hub::privacy::secure(&settings.paths)? {
            eprintln!("legion-hub: {line}");
        }
    }
    match cli.command {
        Some(Command::Status(args)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(commands::status::run(&settings, args.json))
        }
        Some(Command::Config(command)) => commands::config::run(&settings, &command),
        Some(Command::Gemini(command)) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::gemini::run(&settings, &command))
        }
        Some(Command::Chat(args)) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::chat::run(&settings, &args))
        }
        Some(Command::Mindbody(command)) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::mindbody::run(&settings, &command))
        }
        Some(Command::Connect {
            no_browser, site, ..
        }) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::mindbody::connect(&settings, &site, no_browser))
        }
        Some(Command::Disconnect { site, .. }) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::mindbody::disconnect(&settings, &site))
        }
        Some(Command::Sync {
            site,
            only,
            since,
            full,
            json,
            ..
        }) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            let request = legion_hub::api::SyncRequest { only, since, full };
            runtime()?.block_on(commands::sync::sync(&settings, &site, request, json))
        }
        Some(Command::History {
            provider,
            site,
            limit,
            json,
        }) => runtime()?.block_on(commands::sync::history(
            &settings, &provider, &site, limit, json,
        )),
        Some(Command::Customers {
            action,
            possible_duplicates,
            json,
        }) => runtime()?.block_on(commands::customers::run(
            &settings,
            action.as_ref(),
            possible_duplicates,
            json,
        )),
        Some(Command::Import(legion_hub::cli::ImportCommand::Bank {
            file,
            account,
            rules,
            yes,
            currency,
            site,
            json,
        })) => runtime()?.block_on(commands::import::run(
            &settings,
            commands::import::BankImportArgs {
                file: &file,
                account: account.as_deref(),
                rules: rules.as_deref(),
                currency: currency.as_deref(),
                site: site.as_deref(),
                yes,
                json,
            },
        )),
        Some(Command::Reconcile {
            action,
            account,
            accept_above,
            month,
            json,
        }) => runtime()?.block_on(commands::reconcile::run(
            &settings,
            commands::reconcile::ReconcileArgs {
                account: account.as_deref(),
                month,
                accept_above,
                undo: match &action {
                    Some(legion_hub::cli::ReconcileCommand::Undo { id }) => Some(id.as_str()),
                    _ => None,
                },
                accept: match &action {
                    Some(legion_hub::cli::ReconcileCommand::Accept {
                        line,
                        days,
                        merchant,
                        ..
                    }) => Some(commands::reconcile::AcceptGroup::new(
                        line,
                        days,
                        merchant.as_deref(),
                    )),
                    _ => None,
                },
                json,
            },
        )),
        Some(Command::Categorize {
            action,
            accept_above,
            dry_run,
            json,
        }) => {
            use commands::categorize::CategorizeAction;
            use legion_hub::api::categorize::Decide;
            use legion_hub::cli::{CategorizeCommand, RulesCommand};
            let action = match &action {
                None => CategorizeAction::Run {
                    accept_above,
                    dry_run,
                },
                Some(CategorizeCommand::Accept { id, class, rule }) => CategorizeAction::Decide {
                    id,
                    decide: Decide::Accept {
                        class: class.clone(),
                        rule: rule.is_some(),
                        pattern: rule.clone().flatten(),
                    },
                },
                Some(CategorizeCommand::Reject { id }) => CategorizeAction::Decide {
                    id,
                    decide: Decide::Reject,
                },
                Some(CategorizeCommand::Undo { id }) => CategorizeAction::Decide {
                    id,
                    decide: Decide::Undo,
                },
                Some(CategorizeCommand::Rules { action: None }) => CategorizeAction::Rules,
                Some(CategorizeCommand::Rules {
                    action: Some(RulesCommand::Delete { id }),
                }) => CategorizeAction::DeleteRule { id },
            };
            runtime()?.block_on(commands::categorize::run(&settings, action, json))
        }
        Some(Command::Explain { month, again, json }) => {
            runtime()?.block_on(commands::explain::run(&settings, month, again, json))
        }
        Some(Command::Report(command)) => {
            runtime()?.block_on(commands::report::run(&settings, &command))
        }
        Some(Command::Budget(command)) => {
            runtime()?.block_on(commands::budget::run(&settings, &command))
        }
        Some(Command::Mirror(command)) => {
            runtime()?.block_on(commands::mirror::run(&settings, &command))
        }
        Some(Command::Transactions { since, json }) => {
            runtime()?.block_on(commands::transactions::run(&settings, since, json))
        }
        Some(Command::Sandbox {
            action: Some(legion_hub::cli::SandboxCommand::Bank(args)),
            sales,
            clients,
            ..
        }) => commands::sandbox::bank(sales, clients, &args),
        Some(Command::Sandbox {
            action: None,
            auto_approve,
            sales,
            clients,
            live_sales,
            sites,
        }) => runtime()?.block_on(commands::sandbox::run(
            auto_approve,
            sales,
            clients,
            live_sales,
            sites,
        )),
        Some(Command::Serve { webhook_addr }) => {
            let _log =
                logging::init_with(&settings.paths.log_dir, &settings.config.log.filter, true);
            runtime()?.block_on(commands::serve::run(&settings, webhook_addr))
        }
        Some(Command::Webhooks(command)) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::webhooks::run(&settings, &command))
        }
        Some(Command::Secrets(command)) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::secrets::run(&settings, &command))
        }
        Some(Command::Backup {
            dir,
            with_key,
            json,
        }) => {
            let _log = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
            runtime()?.block_on(commands::backup::run(&settings, &dir, with_key, json))
        }
        Some(Command::Demo) => dashboard(settings, true),
        Some(Command::Paths(_)) => unreachable!("handled above"),
        None => dashboard(settings, false),
    }
}

fn dashboard(mut settings: Settings, demo: bool) -> anyhow::Result<u8> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the dashboard needs a terminal (stdin and stdout are not one); in scripts use `legion-hub status` or `legion-hub status --json`"
        );
    }
    // A demo without --data-dir gets a directory of its own, removed when it ends.
    let throwaway = match (demo, settings.paths.data_dir_overridden) {
        (true, false) => {
            let dir = tempfile::Builder::new()
                .prefix("legion-hub-demo-")
                .tempdir()?;
            settings.paths = Paths::in_dir(dir.path());
            Some(dir)
        }
        _ => None,
    };
    let log_guard = logging::init(&settings.paths.log_dir, &settings.config.log.filter);
    let runtime = runtime()?;
    let has_throwaway = throwaway.is_some();
    let ended = runtime.block_on(async {
        // Listening starts before the terminal is taken, so no moment is left where a signal
        // would end the process with the terminal in raw mode.
        let mut signals = signals::Listener::start()?;
        tokio::select! {
            // Losing the race drops the dashboard's future, and with it the terminal (given
            // back by `Tui`'s Drop), the engine and the sandbox.
            signal = signals.next() => {
                tracing::info!("{}: leaving", signals::name(signal));
                anyhow::Ok(Some(signal))
            }
            ran = run_dashboard(settings, demo, has_throwaway) => ran.map(|()| None),
        }
    });
    // What still runs (a sync, the sandbox, the webhook receiver) stops before its data goes.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    drop(log_guard);
    if let Some(dir) = throwaway {
        let path = dir.path().display().to_string();
        if let Err(e) = legion_hub::demo::remove_throwaway(dir) {
            eprintln!("legion-hub: could not remove the demo's data in {path}: {e}");
        }
    }
    Ok(ended?.map_or(exit::OK, signals::exit_code))
}

/// The dashboard (or the demo) from opening the data to the user's quit.
async fn run_dashboard(mut settings: Settings, demo: bool, throwaway: bool) -> anyhow::Result<()> {
    // The demo talks to the loopback fakes, never to the real services.
    let sandbox = if demo {
        let sandbox = legion_hub::sandbox::Sandbox::start().await?;
        sandbox
            .gemini
            .set_chunk_delay(std::time::Duration::from_millis(40));
        sandbox
            .mindbody
            .set_access_ttl(std::time::Duration::from_secs(600));
        sandbox.mindbody.set_studio(
            legion_hub::sandbox::studio::Studio::new(
                2_000,
                300,
                chrono::Local::now().naive_local(),
                30,
            )
            // Members with autopays, so the Reports screen's cash flow has contracts to read.
            .with_members(80),
        );
        settings.config.gemini.base_url = Some(sandbox.gemini.base_url());
        settings.config.mindbody = legion_hub::integrations::mindbody::MindbodyEndpoints {
            sync_every: settings.config.mindbody.sync_every.take(),
            ..sandbox.mindbody_endpoints()
        };
        Some(std::sync::Arc::new(sandbox))
    } else {
        None
    };
    let role = if demo { Role::Demo } else { Role::Dashboard };
    // The demo's data is its own; otherwise attach to a running hub when there is one.
    let engine = if demo {
        Engine::open(&settings, role)?
    } else {
        Engine::attach_or_open(&settings, role).await?
    };
    let mut services = None;
    if let Some(core) = engine.local() {
        core.repair_summaries().await?;
        core.start_owner_duties();
        services = Some(owner_services(core, &settings, demo).await?);
    }
    if demo {
        demo::seed(&engine).await?;
        demo::connect_gemini(&engine).await?;
        demo::prepare_mindbody(&engine).await?;
        // In the background: the first frame does not wait for the sign-in, the sync or the bank.
        if let Some(sandbox) = sandbox.clone() {
            let engine = engine.clone();
            tokio::spawn(async move {
                if let Err(e) = demo::open_the_books(&engine, &sandbox).await {
                    tracing::warn!("the demo's books were not opened: {e}");
                }
            });
        }
    }
    let live_sales = match (&sandbox, services.as_ref().and_then(|s| s.webhook_addr)) {
        (Some(sandbox), Some(addr)) => Some(
            demo::start_live_sales(
                &engine,
                sandbox.clone(),
                &format!("http://{addr}{}", legion_hub::server::webhooks::PATH),
                std::time::Duration::from_secs(8),
            )
            .await?,
        ),
        _ => None,
    };
    let badge = match (demo, throwaway, settings.paths.data_dir_overridden) {
        _ if engine.is_remote() => engine
            .attached_to()
            .map(|o| format!("attached to {} (pid {})", o.role, o.pid)),
        (true, true, _) => Some("demo · throwaway data".to_string()),
        (true, false, _) => Some(format!("demo · {}", settings.paths.data_dir.display())),
        (false, _, true) => Some(settings.paths.data_dir.display().to_string()),
        (false, _, false) => None,
    };
    let options = tui::Options {
        theme: Theme::new(settings.config.ui.color.use_color()),
        mouse: settings.config.ui.mouse,
        badge,
        bank_rules: Some(legion_hub::api::KeptRules::beside(
            &settings.paths.config_file,
        )),
    };
    tui::run(engine.clone(), options).await?;
    if let Some(owner) = engine.attached_to()
        && engine.owner().await.is_err()
    {
        eprintln!(
            "legion-hub: the {} (pid {}) this dashboard was attached to has stopped; run `legion-hub` again to open the data here",
            owner.role, owner.pid
        );
    }
    engine.flush()?;
    if let Some(task) = live_sales {
        task.abort();
    }
    drop(services);
    drop(sandbox);
    Ok(())
}

/// What the dashboard serves while it owns the data: the control socket always; the webhook
/// receiver in the demo (on a free port) or when a subscription exists. A receiver that cannot
/// bind is logged, not fatal: the dashboard is still useful.
async fn owner_services(
    core: &legion_hub::engine::Core,
    settings: &Settings,
    demo: bool,
) -> anyhow::Result<legion_hub::server::Services> {
    let addr = if demo {
        Some("127.0.0.1:0".to_string())
    } else {
        core.webhook_summary()?
            .subscription
            .map(|_| settings.config.server.webhook_addr())
    };
    match legion_hub::server::start(core, settings, addr.as_deref()).await {
        Err(e) if addr.is_some() => {
            tracing::warn!("{e}");
            legion_hub::server::start(core, settings, None).await
        }
        other => other,
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// The error, then any causes it does not already spell out.
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
