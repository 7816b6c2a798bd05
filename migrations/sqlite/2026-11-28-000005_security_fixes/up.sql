-- Failure counts are keyed by account kind and name ("taxpayer:<username>",
-- "trainer"), so nothing typed into the taxpayer form can reach the trainer's count.
ALTER TABLE login_throttle RENAME COLUMN username TO throttle_key;
UPDATE login_throttle
   SET throttle_key = CASE WHEN throttle_key = '@trainer' THEN 'trainer'
                           ELSE 'taxpayer:' || throttle_key END;
-- Attempts whose password is being checked right now: they count against the
-- threshold with the failures, so a burst cannot get more checked than it allows.
ALTER TABLE login_throttle ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_throttle ADD COLUMN pending_since TIMESTAMP;

-- Taxpayers of the training data (the demo cases, later trainees): the only ones the
-- sandbox OTP applies to, and only in demo mode.
CREATE TABLE demo_taxpayers (
    taxpayer_id INTEGER PRIMARY KEY NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('demo', 'trainee'))
);
INSERT INTO demo_taxpayers (taxpayer_id, kind)
SELECT id, 'demo' FROM taxpayers
 WHERE username IN ('demo.enabled', 'demo.ending', 'demo.disabled', 'demo.never', 'demo.locked');

-- Captcha images already answered: each may be tried once, whatever the concurrency.
CREATE TABLE used_captchas (
    nonce TEXT PRIMARY KEY NOT NULL,
    used_at TIMESTAMP NOT NULL
);
CREATE INDEX used_captchas_by_time ON used_captchas (used_at);
CREATE INDEX api_calls_by_time ON api_calls (called_at);

-- Demo taxpayers seeded before this version carried their case as the trade name;
-- they get realistic names (the case is shown on the trainer console only).
UPDATE taxpayers SET trade_name = 'Udaygiri Traders'
 WHERE username = 'demo.enabled' AND trade_name = 'Access on for 30 days';
UPDATE taxpayers SET trade_name = 'Nallamala Consulting'
 WHERE username = 'demo.ending' AND trade_name = 'Access ending in 30 minutes';
UPDATE taxpayers SET trade_name = 'Kaveri Exports'
 WHERE username = 'demo.disabled' AND trade_name = 'Access switched off';
UPDATE taxpayers SET trade_name = 'Yamuna Foods'
 WHERE username = 'demo.never' AND trade_name = 'Access never enabled';
UPDATE taxpayers SET trade_name = 'Sabarmati Crafts'
 WHERE username = 'demo.locked' AND trade_name = 'Locked after failed logins';
