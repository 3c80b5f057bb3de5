//! The command line: the contract with users and scripts. Exit codes: 0 fine, 1 failed, 2 usage,
//! 3 needs attention.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::PathOverrides;

#[derive(Debug, Parser)]
#[command(
    name = "legion-hub",
    version,
    about = "The Integrations Hub of Legion Finance: Gemini, Mindbody, Stripe and GoCardless in one dashboard",
    long_about = None,
    after_help = "With no command, opens the dashboard. `legion-hub demo` opens it on throwaway data.\n\nExit codes: 0 fine, 1 failed, 2 usage error, 3 an integration needs attention."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Keep the database, key and logs in DIR instead of the usual places.
    #[arg(long, global = true, value_name = "DIR", env = "LEGION_HUB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Read settings from FILE instead of the usual config.toml.
    #[arg(long, global = true, value_name = "FILE", env = "LEGION_HUB_CONFIG")]
    pub config: Option<PathBuf>,
    /// Write logs in DIR instead of the usual place (the systemd unit's `LogsDirectory=`).
    #[arg(long, global = true, value_name = "DIR", env = "LEGION_HUB_LOG_DIR")]
    pub log_dir: Option<PathBuf>,
}

impl GlobalArgs {
    pub fn overrides(&self) -> PathOverrides {
        PathOverrides {
            data_dir: self.data_dir.clone(),
            config_file: self.config.clone(),
            log_dir: self.log_dir.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every integration's status, last sync and error. Exit 3 if one needs attention.
    Status(JsonArg),
    /// Open the dashboard on a throwaway data directory (or --data-dir) with sample history.
    Demo,
    /// Print where config, data, logs and the master key live.
    Paths(JsonArg),
    /// Print or check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Gemini: test the connection, set the key and models, list models.
    #[command(subcommand)]
    Gemini(GeminiCommand),
    /// Ask Gemini one question; the answer streams to stdout.
    Chat(ChatArgs),
    /// Mindbody: settings and the connection test.
    #[command(subcommand)]
    Mindbody(MindbodyCommand),
    /// Sign in to a provider (OAuth): opens the browser, or prints the address to open and
    /// reads the address the browser ends on from stdin. Exit 0 once connected.
    Connect {
        provider: ConnectProvider,
        /// Do not open a browser: print the address and read the redirected one from stdin.
        #[arg(long)]
        no_browser: bool,
        #[command(flatten)]
        site: SiteArg,
    },
    /// Forget a provider's tokens (revoking them where the provider can); history stays.
    Disconnect {
        provider: ConnectProvider,
        #[command(flatten)]
        site: SiteArg,
    },
    /// Sync a provider into the books now.
    Sync {
        provider: ConnectProvider,
        #[command(flatten)]
        site: SiteArg,
        /// One sync type only.
        #[arg(long, value_name = "TYPE")]
        only: Option<crate::api::SyncKind>,
        /// Re-read from this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<chrono::NaiveDate>,
        /// Re-import everything from --since, bringing back what was deleted.
        #[arg(long, requires = "since")]
        full: bool,
        #[arg(long)]
        json: bool,
    },
    /// The sync history, newest first.
    History {
        #[arg(long, value_name = "PROVIDER", default_value = "mindbody")]
        provider: String,
        #[command(flatten)]
        site: SiteArg,
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Customers; with --possible-duplicates, the uncertain matches waiting for you.
    Customers {
        #[command(subcommand)]
        action: Option<CustomersAction>,
        /// Only customers that may be someone already in the books (same name, no email or
        /// phone that differs).
        #[arg(long)]
        possible_duplicates: bool,
        #[arg(long)]
        json: bool,
    },
    /// Bring a bank statement into the books: OFX/QFX (1.x and 2.x), CAMT.053, or a bank's CSV
    /// (read with a rules file; the first one is guessed and kept once you confirm it).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Bank lines beside the sales they pay: suggestions with their reasons, what is matched,
    /// what waits. Exit 3 while credits wait or card sales are overdue.
    Reconcile {
        #[command(subcommand)]
        action: Option<ReconcileCommand>,
        /// The bank account (its name or key); needed when there are several.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Accept every suggestion at least this sure first (0.95 is 95%; only exact fits reach it).
        #[arg(long, value_name = "P")]
        accept_above: Option<f64>,
        /// The month-end report of this month (YYYY-MM): balances, matched, fees, what is left.
        #[arg(long, value_name = "YYYY-MM", value_parser = month_start)]
        month: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// A suggested class for each bank line reconciliation left and each transaction without
    /// one: your rules first, earlier answers next, Gemini for the rest (batched; the plan and
    /// its tokens shown before, the usage after). Nothing is applied until accepted.
    Categorize {
        #[command(subcommand)]
        action: Option<CategorizeCommand>,
        /// Accept every suggestion at least this sure after the run (0.9 is 90%).
        #[arg(long, value_name = "P", conflicts_with = "dry_run")]
        accept_above: Option<f64>,
        /// Plan and count the cost only: ask Gemini nothing, save nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// "Explain this month": the month's revenue by class and by week, beside last month and
    /// the same month last year, sent to Gemini (books_access aggregates or more) with a request
    /// for what changed and why. The answer is kept and shown again until --again.
    Explain {
        /// The month (YYYY-MM); this month when left out.
        #[arg(value_name = "YYYY-MM", value_parser = month_start)]
        month: Option<chrono::NaiveDate>,
        /// Ask Gemini anew instead of showing the kept answer.
        #[arg(long)]
        again: bool,
        #[arg(long)]
        json: bool,
    },
    /// Reports on the books, read from the daily totals kept on every write (never a scan of
    /// every transaction).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Monthly revenue budgets per financial class, beside what the month has made.
    #[command(subcommand)]
    Budget(BudgetCommand),
    /// The Postgres mirror (`[mirror]` in config.toml): where it stands, send everything now,
    /// compare both sides.
    #[command(subcommand)]
    Mirror(MirrorCommand),
    /// Synced transactions, newest first.
    Transactions {
        /// Only those dated on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Run headless: own the data, receive Mindbody webhooks, run the schedule and keep tokens
    /// fresh. Other invocations (`status`, the dashboard, ...) attach to it. Stops cleanly on
    /// SIGTERM or Ctrl-C.
    Serve {
        /// Receive webhooks here instead of `[server] webhook_addr` (127.0.0.1:8787).
        #[arg(long, value_name = "HOST:PORT")]
        webhook_addr: Option<String>,
    },
    /// Mindbody webhooks: the subscription, and the deliveries received.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// The master key that seals credentials and tokens.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Copy the data (both databases) into DIR, which must be new or empty, as a data directory
    /// the hub can open with --data-dir DIR. Taken by the running hub when there is one. The
    /// master key is not copied unless --with-key; config.toml is not copied either.
    Backup {
        /// Where the copy goes (created 0700).
        dir: std::path::PathBuf,
        /// Copy the master key too (as DIR/master.key, 0600): the backup then opens every
        /// secret, so keep it as safe as the key itself.
        #[arg(long)]
        with_key: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run the loopback fakes of Gemini and Mindbody and print their URLs as one JSON line.
    /// `sandbox bank` writes the fake studio's bank statement instead.
    Sandbox {
        #[command(subcommand)]
        action: Option<SandboxCommand>,
        /// Mindbody's sign-in approves at once, with no consent page (for scripts).
        #[arg(long)]
        auto_approve: bool,
        /// How many sales the fake studio has (spread over the 30 days that end tonight).
        #[arg(long, value_name = "N", default_value_t = 2_000, global = true)]
        sales: u64,
        /// How many clients it has.
        #[arg(long, value_name = "N", default_value_t = 300, global = true)]
        clients: u64,
        /// Sell something every SECS seconds and announce it by webhook to the active
        /// subscriptions (made with `legion-hub webhooks subscribe` against this sandbox).
        #[arg(long, value_name = "SECS")]
        live_sales: Option<u64>,
        /// Run a chain of N Mindbody sites (1 to 20): -99, -98, -97, ..., each its own studio
        /// of that size; the live sales take turns among them.
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u64).range(1..=crate::sandbox::mindbody::MAX_SITES as u64))]
        sites: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A bank statement file. The file is read here; nothing of a file with a fault is stored.
    Bank {
        file: std::path::PathBuf,
        /// The bank account it is of (a new name makes a new account); the account the file
        /// names, or the only one, when left out.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Read a CSV with these rules (hledger's .csv.rules syntax) instead of the kept ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<std::path::PathBuf>,
        /// Use the guessed CSV rules without asking.
        #[arg(long)]
        yes: bool,
        /// The currency of a new account whose file does not say (most CSVs), e.g. USD.
        #[arg(long, value_name = "CODE")]
        currency: Option<String>,
        /// The Mindbody site of a chain that pays into this account (its id, e.g. 5567): its
        /// lines are reconciled against that site's sales alone from now on.
        #[arg(long, value_name = "ID", allow_hyphen_values = true)]
        site: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReconcileCommand {
    /// Take an accepted match back (its lines and sales are open again; its fee line goes).
    Undo { id: String },
    /// Match a bank line to a group you put together: one merchant account's batches by their
    /// settlement days, or days of cash. A card group posts what the bank kept as its fee; a
    /// cash deposit's difference from its days goes to Cash over and short.
    Accept {
        /// The bank line's key (`legion-hub reconcile --json` lists them).
        line: String,
        /// The days, YYYY-MM-DD, comma-separated.
        #[arg(long, value_name = "D1,D2", value_delimiter = ',', required = true)]
        days: Vec<chrono::NaiveDate>,
        /// The merchant account whose settlement batches they are.
        #[arg(
            long,
            value_name = "M",
            conflicts_with = "cash",
            required_unless_present = "cash"
        )]
        merchant: Option<String>,
        /// Days of undeposited cash and cheques.
        #[arg(long)]
        cash: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CategorizeCommand {
    /// Accept a suggestion (ID as listed: bank:LINE or tx:KEY), with its class or another.
    Accept {
        id: String,
        /// The class to write instead of the suggested one.
        #[arg(long, value_name = "C")]
        class: Option<String>,
        /// Also make a rule: payees containing WORDS (the cleaned payee when none) get this class.
        #[arg(long, value_name = "WORDS", num_args = 0..=1)]
        rule: Option<Option<String>>,
    },
    /// Reject a suggestion.
    Reject { id: String },
    /// Take an acceptance or a rejection back (an accepted class leaves the books).
    Undo { id: String },
    /// The rules, or `rules delete ID`.
    Rules {
        #[command(subcommand)]
        action: Option<RulesCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Forget a rule (what it suggested stays until the next run).
    Delete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Write the fake studio's bank statement (the studio `legion-hub sandbox` serves today,
    /// with the same --sales and --clients): the card processor's payouts net of fees, weekly
    /// cash deposits, rent, payroll and the rest, as the bank exports them.
    Bank(SandboxBankArgs),
}

#[derive(Debug, Args)]
pub struct SandboxBankArgs {
    /// The first day of the statement (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: chrono::NaiveDate,
    /// The last day (YYYY-MM-DD); the bank has booked nothing after today.
    #[arg(long, value_name = "DATE")]
    pub to: chrono::NaiveDate,
    /// The file format, as banks export it.
    #[arg(long, value_name = "FORMAT")]
    pub format: crate::sandbox::bank::BankFormat,
    /// Write the statement to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write what each line pays (the ground truth, JSON) to FILE, to score a matcher.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// The bank account of the studio at this site of `sandbox --sites N` (-99 to -80).
    #[arg(long, value_name = "ID", default_value_t = -99, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(
              crate::sandbox::studio::site::FIRST_SITE..=crate::sandbox::registration::LAST_SITE_ID))]
    pub site: i64,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Subscribe the public URL of `serve`'s receiver (behind your TLS proxy) and activate it.
    /// Mindbody checks the URL first, so `serve` must be running and reachable there.
    Subscribe {
        /// e.g. https://hub.example.com/webhooks/mindbody
        #[arg(long, value_name = "URL")]
        url: String,
        /// Event types, comma-separated (default: clientSale.created,client.created,client.updated).
        #[arg(long, value_name = "EVENTS", value_delimiter = ',')]
        events: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The developer account's subscriptions at Mindbody.
    List(JsonArg),
    /// Activate the hub's subscription (or --id): a new one, or one Mindbody deactivated.
    Activate {
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// Delete the hub's subscription (or --id) at Mindbody.
    Delete {
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// Deliveries received, newest first: processed, duplicates, rejected, failed.
    Events {
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Process the failed deliveries again.
    Retry,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Re-seal every credential and token under a new master key, in one transaction. With a
    /// key file, the new key replaces it and the old one stays as master.key.old until the next
    /// start succeeds; with LEGION_HUB_MASTER_KEY, the new key comes from
    /// LEGION_HUB_NEW_MASTER_KEY. Stop `serve` and the dashboard first.
    Rotate(JsonArg),
    /// The id (fingerprint) of the key the secrets are sealed with, and of the key at hand.
    Id(JsonArg),
}

/// Which Mindbody site of a chain a command is for.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SiteArg {
    /// The Mindbody site (its id, e.g. 5567): the hub's first site when left out.
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub site: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ConnectProvider {
    Mindbody,
}

#[derive(Debug, Subcommand)]
pub enum MindbodyCommand {
    /// Save the site and the OAuth client. The API key and client secret come from
    /// MINDBODY_API_KEY and MINDBODY_CLIENT_SECRET, or are asked for (hidden) on a terminal.
    Configure {
        #[arg(long, value_name = "N", allow_hyphen_values = true)]
        site_id: Option<String>,
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
        /// Must match the redirect URI registered with Mindbody.
        #[arg(long, value_name = "URI")]
        redirect_uri: Option<String>,
    },
    /// One authenticated call (site/locations); sets the status. Exit 3 if it fails.
    Test {
        #[command(flatten)]
        site: SiteArg,
        #[arg(long)]
        json: bool,
    },
    /// The sites of a chain this hub serves: the first (from `configure`) and those added.
    Sites(JsonArg),
    /// Serve a further site of the chain: it shares the first site's API key and OAuth client,
    /// and has its own sign-in (`connect mindbody --site ID`), sync, history and API budget.
    AddSite {
        /// The site's id (the number in its Mindbody address, e.g. 5567).
        #[arg(allow_hyphen_values = true)]
        site: String,
    },
    /// Stop serving a further site: its sign-in is revoked; its history and books stay.
    RemoveSite {
        #[arg(allow_hyphen_values = true)]
        site: String,
    },
    /// Read the members' contracts (their upcoming autopays) as expected inflows: one call per
    /// member, within `contracts_daily_calls` a day. The first read says its cost and asks.
    Contracts {
        /// Agree to the first read's cost without being asked.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        site: SiteArg,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GeminiCommand {
    /// List the models, check the aliases, measure latency, set the status. Exit 3 if it fails.
    Test {
        /// Point aliases whose model is retired at the replacement offered.
        #[arg(long)]
        accept: bool,
        #[arg(long)]
        json: bool,
    },
    /// Save the API key (sealed) and choose models; tests the result.
    Configure(GeminiConfigureArgs),
    /// The models the key can generate with.
    Models(JsonArg),
}

#[derive(Debug, Args)]
pub struct GeminiConfigureArgs {
    /// Read the API key from the first line of standard input.
    #[arg(long)]
    pub api_key_stdin: bool,
    /// The model for the `fast` alias.
    #[arg(long, value_name = "MODEL")]
    pub fast: Option<String>,
    /// The model for the `pro` alias.
    #[arg(long, value_name = "MODEL")]
    pub pro: Option<String>,
    /// Which alias chat uses unless told otherwise.
    #[arg(long, value_name = "ALIAS")]
    pub default_alias: Option<crate::api::Alias>,
    /// Sampling temperature, 0.0 to 2.0.
    #[arg(long, value_name = "T")]
    pub temperature: Option<f32>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The question; read from standard input when absent.
    pub question: Option<String>,
    /// `fast`, `pro`, or a model name.
    #[arg(long, short, value_name = "MODEL")]
    pub model: Option<String>,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON for scripts instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default config.toml, every key documented.
    Default,
    /// Read the config file and say whether it is valid.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum CustomersAction {
    /// KEY is the same person as the customer it may duplicate: merge them.
    Confirm { key: String },
    /// Each KEY is a different person: clear its flag. With --all, every flag left.
    Dismiss {
        /// The flagged customers to keep as people of their own.
        #[arg(value_name = "KEY", required_unless_present = "all")]
        keys: Vec<String>,
        /// Every customer flagged as a possible duplicate (those `customers
        /// --possible-duplicates` lists) is a different person.
        #[arg(long, conflicts_with = "keys")]
        all: bool,
    },
}

/// `2026-11` as its first day.
/// The reports `legion-hub report` prints (one subcommand each).
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Revenue over a range (the last 12 months when left out) by class (with its categories
    /// beneath), category, payment method, location, or by day, week or month: sales, refunds,
    /// discounts, tax and net, exact to the cent.
    Revenue(RevenueArgs),
    /// Cash coming in: the members' autopays expected over the next 30, 60 or 90 days, by week
    /// and by payment method, beside the sales and matched deposits of as many days before,
    /// with suspended or inactive autopays listed as a risk (`mindbody contracts` reads them).
    Cashflow(CashflowArgs),
    /// This month's revenue and the next three's, projected by class: so far, the autopays
    /// scheduled, and the days ahead at the last 8 weeks' same-weekday average of drop-ins and
    /// retail, with the method in words.
    Projection(ProjectionArgs),
}

#[derive(Debug, Args)]
pub struct ProjectionArgs {
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Subcommand)]
pub enum BudgetCommand {
    /// Set a class's budget for a month (this month when left out); the class must be one of
    /// the studio's (the error lists them).
    Set {
        class: String,
        /// The amount, e.g. 12000 or 12000.50.
        amount: String,
        #[arg(long, value_name = "YYYY-MM", value_parser = month_start)]
        month: Option<chrono::NaiveDate>,
    },
    /// A month's budgets beside its actual, its projection and the shortfall by class (this
    /// month when left out).
    Show {
        #[arg(long, value_name = "YYYY-MM", value_parser = month_start)]
        month: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Clear a class's budget, or all of the month's.
    Clear {
        class: Option<String>,
        #[arg(long, value_name = "YYYY-MM", value_parser = month_start)]
        month: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MirrorCommand {
    /// Connected or not, rows waiting, lag, the last error; exit 3 when it needs a look.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Send every row the hub holds (resuming a backfill cut short where it stopped), then
    /// what waits, now: what mends a `mirror check` that found rows missing or stale.
    Backfill {
        #[arg(long)]
        json: bool,
    },
    /// Compare both sides table by table (counts, checksums, the keys that differ); exit 3 when
    /// they differ.
    Check {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct CashflowArgs {
    /// How many days ahead (and behind).
    #[arg(long, default_value = "30", value_parser = ["30", "60", "90"])]
    pub days: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct RevenueArgs {
    /// The first day (YYYY-MM-DD); the first of the month 11 months before --to when left out.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<chrono::NaiveDate>,
    /// The last day, included (YYYY-MM-DD); today when left out.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<chrono::NaiveDate>,
    /// The rows.
    #[arg(long, value_enum, default_value_t = RevenueBy::Class)]
    pub by: RevenueBy,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The currency (e.g. EUR); the one most sales are in when left out.
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Only this Mindbody site's sales (its id, e.g. 5567); every site's when left out.
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub site: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RevenueBy {
    Class,
    Category,
    Method,
    Location,
    /// Each site of a chain side by side.
    Site,
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
}

fn month_start(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a month: write it as YYYY-MM, e.g. 2026-11"))
}
