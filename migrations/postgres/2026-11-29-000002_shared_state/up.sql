-- Login attempts from one client address in its current window, counted here
-- rather than in a process's memory so that every portal on the database sees the
-- same count.
CREATE TABLE login_rate (
    address text PRIMARY KEY NOT NULL,
    window_start timestamp NOT NULL,
    attempts integer NOT NULL CHECK (attempts > 0)
);
CREATE INDEX login_rate_by_window ON login_rate (window_start);

-- Running totals every portal adds to, such as GSP calls refused for want of
-- client credentials.
CREATE TABLE counters (
    name text PRIMARY KEY NOT NULL,
    value bigint NOT NULL
);
