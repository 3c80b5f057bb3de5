-- The rest of the books, in the style of 0002: a uuid id, the studio's user_id, the natural key
-- the hub upserts on (the key of its sled tree) and hub_version (the newer reading wins).
-- Amounts are numeric, exact; dates are days.

-- The studio's financial classes as the books keep them: each revenue category of a site and
-- the class it maps to (NULL: not mapped yet). The chart's classes and [books] classes are
-- settings, not rows.
CREATE TABLE financial_classes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    source text NOT NULL,
    category_id bigint NOT NULL,
    category_name text NOT NULL DEFAULT '',
    service boolean NOT NULL DEFAULT false,
    financial_class text,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

CREATE TABLE bank_accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    name text NOT NULL,
    bank_account_id text,
    currency text NOT NULL,
    opened_at timestamptz NOT NULL,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

-- A line as imported, with the class accepted for it (categorization).
CREATE TABLE bank_lines (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    account_key text NOT NULL,
    booked_on date NOT NULL,
    value_date date,
    amount numeric NOT NULL,
    currency text NOT NULL,
    payee text NOT NULL DEFAULT '',
    memo text NOT NULL DEFAULT '',
    bank_kind text,
    bank_id text,
    fingerprint text NOT NULL,
    balance_after numeric,
    financial_class text,
    import_id text NOT NULL,
    file_line bigint NOT NULL,
    parts jsonb NOT NULL DEFAULT '[]'::jsonb,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

CREATE INDEX bank_lines_user_account_booked ON bank_lines (user_id, account_key, booked_on);

-- An accepted match (reconciliation): frozen in the hub, deleted here when it is undone.
CREATE TABLE matches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    account_key text NOT NULL,
    kind text NOT NULL,
    merchant text,
    gross numeric NOT NULL,
    fee numeric NOT NULL,
    banked numeric NOT NULL,
    currency text NOT NULL,
    fee_transaction_key text,
    reason text NOT NULL DEFAULT '',
    confidence numeric,
    accepted_by text NOT NULL,
    accepted_at timestamptz NOT NULL,
    bank_line_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
    payment_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
    days jsonb NOT NULL DEFAULT '[]'::jsonb,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

-- The sales added up per day and per month (period), by class and category together, by
-- payment method, or by location (dimension), per site and currency: what the reports read.
-- refunds is positive; sales - refunds is the sum of the transactions' amounts.
CREATE TABLE daily_totals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    period text NOT NULL,
    dimension text NOT NULL,
    day date NOT NULL,
    account text NOT NULL,
    financial_class text,
    category_id bigint,
    payment_method text,
    location_id bigint,
    currency text NOT NULL,
    sales numeric NOT NULL,
    refunds numeric NOT NULL,
    discounts numeric NOT NULL,
    tax numeric NOT NULL,
    transaction_count bigint NOT NULL,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

CREATE INDEX daily_totals_user_period_day ON daily_totals (user_id, period, dimension, day);
