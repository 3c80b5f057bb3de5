-- The Legion Finance web app's own three tables, as its schema has them: the hub writes into
-- them, one row per studio (user_id) and provider. IF NOT EXISTS: the web app's database may
-- already hold them (created by its own migrations), and the hub must not touch them then.
CREATE TABLE IF NOT EXISTS integrations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider text NOT NULL,
    is_enabled boolean NOT NULL DEFAULT false,
    credentials jsonb,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    status text NOT NULL DEFAULT 'disconnected',
    last_sync_at timestamptz,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider)
);

CREATE TABLE IF NOT EXISTS integration_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider text NOT NULL,
    access_token text NOT NULL,
    refresh_token text,
    token_type text NOT NULL DEFAULT 'Bearer',
    expires_at timestamptz,
    scope text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider)
);

CREATE TABLE IF NOT EXISTS integration_sync_logs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider text NOT NULL,
    sync_type text NOT NULL,
    status text NOT NULL,
    records_synced integer NOT NULL DEFAULT 0,
    api_calls integer NOT NULL DEFAULT 0,
    error_details text,
    started_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);

CREATE INDEX IF NOT EXISTS integration_sync_logs_user_provider
    ON integration_sync_logs (user_id, provider, started_at DESC);
