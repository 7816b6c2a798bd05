ALTER TABLE gsp_sessions DROP COLUMN app_key_hash;
ALTER TABLE gsp_sessions DROP COLUMN sek;
ALTER TABLE gsp_clients DROP COLUMN encrypted;
DROP TABLE gsp_keys;
