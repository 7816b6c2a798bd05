//! Settings of a running portal, filled from the command line and the environment.

use std::path::PathBuf;

use chrono::TimeDelta;

/// What `Application::build` needs to start a portal.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on, such as `127.0.0.1:8080`; port 0 picks a free port.
    pub bind: String,
    /// The SQLite database file; created and migrated at start.
    pub database: PathBuf,
    /// Mark cookies Secure (and use the `__Host-` name prefix) for a portal served over https.
    pub secure_cookies: bool,
    /// A hex key of at least 64 bytes for the session cookie; generated and kept in the
    /// database when absent.
    pub session_secret: Option<String>,
    /// A session ends after this long without a request.
    pub idle_timeout: TimeDelta,
    /// A session ends this long after login, however active.
    pub session_lifetime: TimeDelta,
    /// Failed logins in a row that lock a username.
    pub lockout_threshold: u32,
    /// How long a lock lasts.
    pub lockout_duration: TimeDelta,
    /// Login attempts one client address may make per minute, whatever the usernames.
    pub login_attempts_per_minute: u64,
    /// Live API sessions one GSP client may hold for one taxpayer.
    pub gsp_sessions_per_client: i64,
    /// OTPs one GSP client may ask for one taxpayer within an hour.
    pub otp_requests_per_hour: u32,
    /// Demo mode for trainers: banner, demo data, trainer console, time machine.
    pub demo: bool,
    /// A captcha on the login form, as on the real portal.
    pub captcha: bool,
    /// The trainer console's password (demo mode); generated at start when absent.
    pub trainer_password: Option<String>,
}

impl Settings {
    /// Defaults for a portal on `database`, listening on `bind`.
    pub fn new(bind: impl Into<String>, database: impl Into<PathBuf>) -> Self {
        Settings {
            bind: bind.into(),
            database: database.into(),
            secure_cookies: false,
            session_secret: None,
            idle_timeout: TimeDelta::minutes(15),
            session_lifetime: TimeDelta::hours(12),
            lockout_threshold: 5,
            lockout_duration: TimeDelta::minutes(15),
            login_attempts_per_minute: 30,
            gsp_sessions_per_client: 5,
            otp_requests_per_hour: 5,
            demo: false,
            captcha: false,
            trainer_password: None,
        }
    }

    /// How login locks work, for the demo data's locked account.
    pub fn lock_rules(&self) -> crate::demo::LockRules {
        crate::demo::LockRules {
            threshold: self.lockout_threshold,
            duration: self.lockout_duration,
        }
    }

    /// The session cookie's name: `__Host-` prefixed when served over https, which makes
    /// the browser refuse it unless it is Secure, host-only and for path `/`.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-gst_session"
        } else {
            "gst_session"
        }
    }
}
