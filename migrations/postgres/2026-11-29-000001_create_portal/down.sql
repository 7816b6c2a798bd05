-- Drops every table of up.sql, those that reference others first; their indexes,
-- constraints and identity sequences go with them.
DROP TABLE login_tickets;
DROP TABLE trainee_steps;
DROP TABLE trainees;
DROP TABLE used_captchas;
DROP TABLE demo_taxpayers;
DROP TABLE api_calls;
DROP TABLE messages;
DROP TABLE gsp_sessions;
DROP TABLE otp_requests;
DROP TABLE gsp_keys;
DROP TABLE gsp_clients;
DROP TABLE security_events;
DROP TABLE app_settings;
DROP TABLE sessions;
DROP TABLE login_throttle;
DROP TABLE api_access_changes;
DROP TABLE api_access;
DROP TABLE taxpayers;
