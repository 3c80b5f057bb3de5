-- The books, in the seed's style: a uuid id, the studio's user_id, the natural key the hub
-- upserts on, and hub_version: the hub's sequence when it read the row, so an older copy
-- arriving late never replaces a newer one.
CREATE TABLE customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    source text NOT NULL,
    external_id text,
    first_name text NOT NULL DEFAULT '',
    last_name text NOT NULL DEFAULT '',
    email text,
    phone text,
    modified_at timestamp,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

CREATE TABLE transactions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    key text NOT NULL,
    source text NOT NULL,
    occurred_at timestamp NOT NULL,
    amount numeric NOT NULL,
    tax numeric NOT NULL DEFAULT 0,
    discount numeric NOT NULL DEFAULT 0,
    currency text NOT NULL,
    description text NOT NULL DEFAULT '',
    category_id bigint,
    financial_class text,
    customer_key text,
    returned boolean NOT NULL DEFAULT false,
    location_id bigint,
    payment_method text,
    contract_id bigint,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    hub_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

CREATE INDEX transactions_user_occurred ON transactions (user_id, occurred_at);
