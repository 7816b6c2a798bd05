-- Security events: logins, lockouts, logouts, password and API access changes. Never a
-- password or session key; a username only when it belongs to a taxpayer (a typed
-- username that matches nobody may be a password typed into the wrong field).
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    taxpayer_id INTEGER REFERENCES taxpayers (id) ON DELETE SET NULL,
    client_ip TEXT,
    user_agent TEXT,
    detail TEXT
);
CREATE INDEX security_events_by_time ON security_events (occurred_at);
CREATE INDEX security_events_by_taxpayer ON security_events (taxpayer_id, id);
