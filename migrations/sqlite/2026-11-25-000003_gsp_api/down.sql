ALTER TABLE api_access_changes DROP COLUMN sessions_ended;
DROP TABLE messages;
DROP TABLE gsp_sessions;
DROP TABLE otp_requests;
DROP TABLE gsp_clients;
