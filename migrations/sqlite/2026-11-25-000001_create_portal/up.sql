-- Taxpayers who can log in to the portal. Times are UTC.
CREATE TABLE taxpayers (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    gstin TEXT NOT NULL UNIQUE,
    legal_name TEXT NOT NULL,
    trade_name TEXT,
    registration_date DATE NOT NULL,
    constitution TEXT NOT NULL,
    taxpayer_type TEXT NOT NULL,
    state_name TEXT NOT NULL,
    gstin_status TEXT NOT NULL,
    mobile TEXT,
    email TEXT,
    password_hash TEXT NOT NULL,
    last_login_at TIMESTAMP,
    previous_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- The current API access choice of each taxpayer; no row means never enabled.
-- The checks make sure nothing outside the drop-down's durations is ever stored.
CREATE TABLE api_access (
    taxpayer_id INTEGER PRIMARY KEY NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL,
    duration_hours INTEGER CHECK (duration_hours IN (6, 12, 24, 48, 168, 360, 720)),
    expires_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((enabled = 1 AND duration_hours IS NOT NULL AND expires_at IS NOT NULL)
        OR (enabled = 0 AND duration_hours IS NULL AND expires_at IS NULL))
);

-- Every confirmed change, written in the same transaction as api_access.
CREATE TABLE api_access_changes (
    id INTEGER PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    changed_at TIMESTAMP NOT NULL,
    enabled BOOLEAN NOT NULL,
    duration_hours INTEGER CHECK (duration_hours IN (6, 12, 24, 48, 168, 360, 720)),
    expires_at TIMESTAMP,
    client_ip TEXT,
    user_agent TEXT
);
CREATE INDEX api_access_changes_by_taxpayer ON api_access_changes (taxpayer_id, id);

-- Failed logins counted per username as typed (known or not), so that the lock
-- message cannot tell which usernames exist. A row is cleared at a good login.
CREATE TABLE login_throttle (
    username TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    last_failure_at TIMESTAMP NOT NULL
);

-- Server-side sessions. Only a SHA-256 hash of the session key is kept.
CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER REFERENCES taxpayers (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_taxpayer ON sessions (taxpayer_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Values the portal generates once and keeps, such as the cookie key.
CREATE TABLE app_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
