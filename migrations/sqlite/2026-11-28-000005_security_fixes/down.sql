DROP INDEX api_calls_by_time;
DROP TABLE used_captchas;
DROP TABLE demo_taxpayers;
ALTER TABLE login_throttle DROP COLUMN pending_since;
ALTER TABLE login_throttle DROP COLUMN pending;
UPDATE login_throttle
   SET throttle_key = CASE WHEN throttle_key = 'trainer' THEN '@trainer'
                           ELSE substr(throttle_key, length('taxpayer:') + 1) END;
ALTER TABLE login_throttle RENAME COLUMN throttle_key TO username;
