-- Security events keep real time in occurred_at; when the trainer's time machine has
-- moved the demo clock, the demo time of the event is kept beside it.
ALTER TABLE security_events ADD COLUMN demo_time timestamp;

-- "Log in as" tickets are bound to the trainer session that made them: the hash of
-- a nonce kept in that session. Tickets live a minute, so none is worth keeping.
DROP TABLE login_tickets;
CREATE TABLE login_tickets (
    ticket_hash text PRIMARY KEY,
    taxpayer_id integer NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    expires_at timestamp NOT NULL,
    trainer_binding text NOT NULL
);
CREATE INDEX login_tickets_by_binding ON login_tickets (trainer_binding);

-- Trainer failures are now counted per client address ('trainer:<address>'); the
-- one count of before is dropped.
DELETE FROM login_throttle WHERE throttle_key = 'trainer';
