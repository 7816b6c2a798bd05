DROP TABLE app_settings;
DROP TABLE sessions;
DROP TABLE login_throttle;
DROP TABLE api_access_changes;
DROP TABLE api_access;
DROP TABLE taxpayers;
