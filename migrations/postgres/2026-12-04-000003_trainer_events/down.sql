DELETE FROM login_throttle WHERE throttle_key LIKE 'trainer:%';

DROP TABLE login_tickets;
CREATE TABLE login_tickets (
    ticket_hash text PRIMARY KEY,
    taxpayer_id integer NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    expires_at timestamp NOT NULL
);

ALTER TABLE security_events DROP COLUMN demo_time;
