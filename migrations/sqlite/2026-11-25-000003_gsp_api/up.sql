-- GSP/ASP client software registered with the simulator. The secret is random and
-- long, so a SHA-256 of it is enough to keep it from being read back.
CREATE TABLE gsp_clients (
    id INTEGER PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- One-time passwords asked for by a GSP client (OTPREQUEST). Only a salted hash is kept;
-- the text message in `messages` is the delivery channel, like an SMS.
CREATE TABLE otp_requests (
    id INTEGER PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    gsp_client_id INTEGER NOT NULL REFERENCES gsp_clients (id) ON DELETE CASCADE,
    otp_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    closed_at TIMESTAMP
);
CREATE INDEX otp_requests_open ON otp_requests (taxpayer_id, gsp_client_id, closed_at);

-- API sessions of GSP clients for a taxpayer. The auth token is random (256 bits) and
-- only its SHA-256 is kept. A refresh replaces the token in the same row.
CREATE TABLE gsp_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    gsp_client_id INTEGER NOT NULL REFERENCES gsp_clients (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT
);
CREATE INDEX gsp_sessions_by_taxpayer ON gsp_sessions (taxpayer_id, gsp_client_id, ended_at);

-- Text messages to the taxpayer (the OTP texts), shown on the Messages page.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    sent_at TIMESTAMP NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX messages_by_taxpayer ON messages (taxpayer_id, id);

-- How many GSP sessions a "No" ended, for the history.
ALTER TABLE api_access_changes ADD COLUMN sessions_ended INTEGER NOT NULL DEFAULT 0;
