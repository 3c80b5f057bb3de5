//! Each mirrored table's shape in Postgres: its columns in order (the first its natural key),
//! the constraint its upsert lands on and when an incoming row wins. The SQL files in
//! `src/mirror/migrations/` create them; `tests` below keeps the two in step.

use super::Spec;
use super::kind::Kind::*;
use crate::store::outbox::MirroredTable;

pub const INTEGRATIONS: Spec = Spec {
    table: MirroredTable::Integrations,
    columns: &[
        ("provider", Text),
        ("is_enabled", Bool),
        ("credentials", Jsonb),
        ("settings", Jsonb),
        ("status", Text),
        ("last_sync_at", TimestampTz),
        ("error_message", Text),
        ("created_at", TimestampTz),
        ("updated_at", TimestampTz),
    ],
    conflict: "(user_id, provider)",
    newer: "t.updated_at <= EXCLUDED.updated_at",
    versioned: false,
};

pub const INTEGRATION_TOKENS: Spec = Spec {
    table: MirroredTable::IntegrationTokens,
    columns: &[
        ("provider", Text),
        ("access_token", Text),
        ("refresh_token", Text),
        ("token_type", Text),
        ("expires_at", TimestampTz),
        ("scope", Text),
        ("created_at", TimestampTz),
    ],
    conflict: "(user_id, provider)",
    newer: "t.created_at <= EXCLUDED.created_at",
    versioned: false,
};

pub const INTEGRATION_SYNC_LOGS: Spec = Spec {
    table: MirroredTable::IntegrationSyncLogs,
    columns: &[
        ("id", Uuid),
        ("provider", Text),
        ("sync_type", Text),
        ("status", Text),
        ("records_synced", Int),
        ("api_calls", Int),
        ("error_details", Text),
        ("started_at", TimestampTz),
        ("completed_at", TimestampTz),
    ],
    conflict: "(id)",
    // A finished run is never taken back to running.
    newer: "t.completed_at IS NULL OR EXCLUDED.completed_at IS NOT NULL",
    versioned: false,
};

/// The books' tables: upserted on `(user_id, key)`, the newer reading of the hub wins.
const BOOKS_CONFLICT: &str = "(user_id, key)";
const BOOKS_NEWER: &str = "t.hub_version < EXCLUDED.hub_version";

pub const CUSTOMERS: Spec = Spec {
    table: MirroredTable::Customers,
    columns: &[
        ("key", Text),
        ("source", Text),
        ("external_id", Text),
        ("first_name", Text),
        ("last_name", Text),
        ("email", Text),
        ("phone", Text),
        ("modified_at", Timestamp),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const TRANSACTIONS: Spec = Spec {
    table: MirroredTable::Transactions,
    columns: &[
        ("key", Text),
        ("source", Text),
        ("occurred_at", Timestamp),
        ("amount", Numeric),
        ("tax", Numeric),
        ("discount", Numeric),
        ("currency", Text),
        ("description", Text),
        ("category_id", BigInt),
        ("financial_class", Text),
        ("customer_key", Text),
        ("returned", Bool),
        ("location_id", BigInt),
        ("payment_method", Text),
        ("contract_id", BigInt),
        ("details", Jsonb),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const FINANCIAL_CLASSES: Spec = Spec {
    table: MirroredTable::FinancialClasses,
    columns: &[
        ("key", Text),
        ("source", Text),
        ("category_id", BigInt),
        ("category_name", Text),
        ("service", Bool),
        ("financial_class", Text),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const BANK_ACCOUNTS: Spec = Spec {
    table: MirroredTable::BankAccounts,
    columns: &[
        ("key", Text),
        ("name", Text),
        ("bank_account_id", Text),
        ("currency", Text),
        ("opened_at", TimestampTz),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const BANK_LINES: Spec = Spec {
    table: MirroredTable::BankLines,
    columns: &[
        ("key", Text),
        ("account_key", Text),
        ("booked_on", Date),
        ("value_date", Date),
        ("amount", Numeric),
        ("currency", Text),
        ("payee", Text),
        ("memo", Text),
        ("bank_kind", Text),
        ("bank_id", Text),
        ("fingerprint", Text),
        ("balance_after", Numeric),
        ("financial_class", Text),
        ("import_id", Text),
        ("file_line", BigInt),
        ("parts", Jsonb),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const MATCHES: Spec = Spec {
    table: MirroredTable::Matches,
    columns: &[
        ("key", Text),
        ("account_key", Text),
        ("kind", Text),
        ("merchant", Text),
        ("gross", Numeric),
        ("fee", Numeric),
        ("banked", Numeric),
        ("currency", Text),
        ("fee_transaction_key", Text),
        ("reason", Text),
        ("confidence", Numeric),
        ("accepted_by", Text),
        ("accepted_at", TimestampTz),
        ("bank_line_keys", Jsonb),
        ("payment_keys", Jsonb),
        ("days", Jsonb),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub const DAILY_TOTALS: Spec = Spec {
    table: MirroredTable::DailyTotals,
    columns: &[
        ("key", Text),
        ("period", Text),
        ("dimension", Text),
        ("day", Date),
        ("account", Text),
        ("financial_class", Text),
        ("category_id", BigInt),
        ("payment_method", Text),
        ("location_id", BigInt),
        ("currency", Text),
        ("sales", Numeric),
        ("refunds", Numeric),
        ("discounts", Numeric),
        ("tax", Numeric),
        ("transaction_count", BigInt),
    ],
    conflict: BOOKS_CONFLICT,
    newer: BOOKS_NEWER,
    versioned: true,
};

pub fn spec(table: MirroredTable) -> &'static Spec {
    match table {
        MirroredTable::Integrations => &INTEGRATIONS,
        MirroredTable::IntegrationTokens => &INTEGRATION_TOKENS,
        MirroredTable::IntegrationSyncLogs => &INTEGRATION_SYNC_LOGS,
        MirroredTable::Customers => &CUSTOMERS,
        MirroredTable::Transactions => &TRANSACTIONS,
        MirroredTable::FinancialClasses => &FINANCIAL_CLASSES,
        MirroredTable::BankAccounts => &BANK_ACCOUNTS,
        MirroredTable::BankLines => &BANK_LINES,
        MirroredTable::Matches => &MATCHES,
        MirroredTable::DailyTotals => &DAILY_TOTALS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column a spec writes is created by a migration, with the type the spec names (a
    /// spec and its SQL file written apart must not drift).
    #[test]
    fn every_columns_type_is_the_migrations() {
        let sql: String = crate::mirror::migrations::MIGRATIONS
            .iter()
            .map(|(_, _, sql)| *sql)
            .collect::<Vec<_>>()
            .join("\n");
        for table in MirroredTable::ALL {
            let spec = spec(table);
            let create = format!("CREATE TABLE IF NOT EXISTS {} (", spec.name());
            let create_plain = format!("CREATE TABLE {} (", spec.name());
            let start = sql
                .find(&create)
                .or_else(|| sql.find(&create_plain))
                .unwrap_or_else(|| panic!("no migration creates {}", spec.name()));
            let body = &sql[start..start + sql[start..].find(");").expect("a closing )")];
            for (name, kind) in spec.columns {
                let declared = body
                    .lines()
                    .map(str::trim)
                    .find(|l| l.split_whitespace().next() == Some(name))
                    .unwrap_or_else(|| panic!("{}.{name} is not created", spec.name()));
                assert!(
                    declared
                        .split_whitespace()
                        .nth(1)
                        .is_some_and(|t| t.trim_end_matches(',') == kind.pg()),
                    "{}.{name}: {declared}",
                    spec.name()
                );
            }
            if spec.versioned {
                assert!(
                    body.contains("hub_version bigint NOT NULL"),
                    "{}",
                    spec.name()
                );
                assert!(body.contains("UNIQUE (user_id, key)"), "{}", spec.name());
            }
        }
    }
}
