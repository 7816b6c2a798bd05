-- The simulator's RSA key pair for the encrypted wire protocol. The newest row without
-- retired_at is the current key; a rotation retires it and adds a new one.
CREATE TABLE gsp_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    private_key_pem TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

-- Clients registered before this version spoke the plain protocol; they keep it.
ALTER TABLE gsp_clients ADD COLUMN encrypted BOOLEAN NOT NULL DEFAULT 0;

-- Sessions of encrypted clients: the session key (SEK, base64) the server seals data
-- keys under, and a SHA-256 of the app key that LOGOUT must present again.
ALTER TABLE gsp_sessions ADD COLUMN sek TEXT;
ALTER TABLE gsp_sessions ADD COLUMN app_key_hash TEXT;
