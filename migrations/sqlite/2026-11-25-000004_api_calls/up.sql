-- Every call to the API simulator, for the trainer's live feed.
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY NOT NULL,
    called_at TIMESTAMP NOT NULL,
    client_name TEXT NOT NULL,
    username TEXT,
    action TEXT NOT NULL,
    result_code TEXT NOT NULL
);
