-- "Log in as" on the trainer console (demo mode): a one-time ticket that the new tab
-- trades for a taxpayer session under the taxpayer's own cookie. Only a hash of the
-- ticket is kept, and it is good for a minute.
CREATE TABLE login_tickets (
    ticket_hash TEXT PRIMARY KEY NOT NULL,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL
);
