-- Classroom mode: trainee taxpayers made by the trainer, and the steps of the manual
-- each one has reached. A trainee is also marked 'trainee' in demo_taxpayers.
CREATE TABLE trainees (
    taxpayer_id INTEGER PRIMARY KEY NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    -- The password printed on the sheet, and a fingerprint of the hash it was stored
    -- under: the sheet shows it only while the stored hash is still that one.
    sheet_password TEXT,
    sheet_credential TEXT,
    created_at TIMESTAMP NOT NULL
);

-- Steps that no other write records (page views): at most one row per taxpayer and
-- step, the first time the server saw it.
CREATE TABLE trainee_steps (
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('profile', 'api_access')),
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (taxpayer_id, step)
);

CREATE INDEX api_calls_by_username ON api_calls (username, result_code);
