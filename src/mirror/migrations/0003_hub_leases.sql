-- Which hub writes a studio's rows: one at a time. A hub renews its lease while it mirrors;
-- another hub given the same studio is refused until the lease has been silent for ten minutes.
CREATE TABLE legion_hub_leases (
    user_id uuid PRIMARY KEY,
    hub_id uuid NOT NULL,
    holder text NOT NULL,
    renewed_at timestamptz NOT NULL DEFAULT now()
);
