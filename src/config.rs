//! Settings of a running portal, filled from the command line and the environment.

use chrono::TimeDelta;
use secrecy::SecretString;

pub use crate::db::Database;
pub use crate::net::TrustedProxies;

/// What `Application::build` needs to start a portal.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on, such as `127.0.0.1:8080`; port 0 picks a free port.
    pub bind: String,
    /// The SQLite file or PostgreSQL database; created (a file) and migrated at start.
    pub database: Database,
    /// Mark cookies Secure (and use the `__Host-` name prefix) for a portal served over https.
    pub secure_cookies: bool,
    /// A hex key of at least 64 bytes for the session cookie; generated and kept in the
    /// database when absent.
    pub session_secret: Option<SecretString>,
    /// A session ends after this long without a request.
    pub idle_timeout: TimeDelta,
    /// A session ends this long after login, however active.
    pub session_lifetime: TimeDelta,
    /// When failed logins lock an account, and for how long.
    pub lockout: LockPolicy,
    /// Login attempts one client address may make per minute, whatever the usernames.
    pub login_attempts_per_minute: u64,
    /// Live API sessions one GSP client may hold for one taxpayer.
    pub gsp_sessions_per_client: i64,
    /// OTPs one GSP client may ask for one taxpayer within an hour.
    pub otp_requests_per_hour: u32,
    /// Calls of one GSP client the trainer's call log takes a minute; the rest are
    /// counted. The demo clients' calls are only counted.
    pub gsp_calls_listed_per_minute: u32,
    /// Authenticate calls one network address may make a minute (in a burst, or
    /// spread over the minute), counted by each portal process.
    pub api_calls_per_minute_per_address: u32,
    /// Authenticate calls one GSP client may make a minute, from all addresses
    /// together, counted by each portal process.
    pub api_calls_per_minute_per_client: u32,
    /// Demo mode for trainers: banner, demo data, trainer console, time machine.
    pub demo: bool,
    /// A captcha on the login form, as on the real portal.
    pub captcha: bool,
    /// The trainer console's password (demo mode); generated at start when absent.
    pub trainer_password: Option<SecretString>,
    /// Reverse proxies whose forwarding headers name the client; none by default, and
    /// then those headers are ignored.
    pub trusted_proxies: TrustedProxies,
    /// How long a client may take to send a request's head, and then its body.
    pub request_timeout: std::time::Duration,
    /// Open connections each worker thread accepts; more wait in the listen queue.
    pub max_connections_per_worker: usize,
}

/// Failed logins in a row that lock an account, and how long the lock lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    pub threshold: u32,
    pub duration: TimeDelta,
}

/// The defaults, shared by `Settings::new` and the command line.
pub mod defaults {
    pub const IDLE_TIMEOUT_MINUTES: u32 = 15;
    pub const SESSION_LIFETIME_HOURS: u32 = 12;
    pub const LOCKOUT_THRESHOLD: u32 = 5;
    pub const LOCKOUT_MINUTES: u32 = 15;
    pub const LOGIN_ATTEMPTS_PER_MINUTE: u64 = 30;
    pub const GSP_SESSIONS_PER_CLIENT: i64 = 5;
    pub const OTP_REQUESTS_PER_HOUR: u32 = 5;
    /// A room of 200 trainees playing the GSP story through one class client at once
    /// makes some 600 calls a minute; each must reach the board. Still a bound: ten
    /// rows a second per client at the most.
    pub const GSP_CALLS_LISTED_PER_MINUTE: u32 = 600;
    /// A classroom of 200 behind one address can all authenticate at once, and
    /// then ten calls a second go on: far above a class's use, far below what a
    /// flood of RSA app keys would cost.
    pub const API_CALLS_PER_MINUTE_PER_ADDRESS: u32 = 600;
    /// Twice the per-address budget: the public demo client is shared by every
    /// classroom of a portal.
    pub const API_CALLS_PER_MINUTE_PER_CLIENT: u32 = 1200;
    pub const REQUEST_TIMEOUT_SECONDS: u64 = 10;
    pub const MAX_CONNECTIONS_PER_WORKER: usize = 1024;
}

impl Settings {
    /// Defaults for a portal on `database`, listening on `bind`.
    pub fn new(bind: impl Into<String>, database: impl Into<Database>) -> Self {
        Settings {
            bind: bind.into(),
            database: database.into(),
            secure_cookies: false,
            session_secret: None,
            idle_timeout: TimeDelta::minutes(defaults::IDLE_TIMEOUT_MINUTES.into()),
            session_lifetime: TimeDelta::hours(defaults::SESSION_LIFETIME_HOURS.into()),
            lockout: LockPolicy {
                threshold: defaults::LOCKOUT_THRESHOLD,
                duration: TimeDelta::minutes(defaults::LOCKOUT_MINUTES.into()),
            },
            login_attempts_per_minute: defaults::LOGIN_ATTEMPTS_PER_MINUTE,
            gsp_sessions_per_client: defaults::GSP_SESSIONS_PER_CLIENT,
            otp_requests_per_hour: defaults::OTP_REQUESTS_PER_HOUR,
            gsp_calls_listed_per_minute: defaults::GSP_CALLS_LISTED_PER_MINUTE,
            api_calls_per_minute_per_address: defaults::API_CALLS_PER_MINUTE_PER_ADDRESS,
            api_calls_per_minute_per_client: defaults::API_CALLS_PER_MINUTE_PER_CLIENT,
            demo: false,
            captcha: false,
            trainer_password: None,
            trusted_proxies: TrustedProxies::default(),
            request_timeout: std::time::Duration::from_secs(defaults::REQUEST_TIMEOUT_SECONDS),
            max_connections_per_worker: defaults::MAX_CONNECTIONS_PER_WORKER,
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

    /// The trainer's session cookie, apart from the taxpayer's, so that a trainer can
    /// have the console and a taxpayer's pages open side by side in one browser.
    /// (Its path stays `/`, as the `__Host-` prefix requires; only the /trainer
    /// routes read it.)
    pub fn trainer_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-gst_trainer"
        } else {
            "gst_trainer"
        }
    }

    /// The cookie that binds the login forms' anti-forgery token to a browser before
    /// anyone is logged in (no session row is stored for a visitor).
    pub fn visitor_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-gst_visitor"
        } else {
            "gst_visitor"
        }
    }

    /// The encrypted cookie holding the captcha last shown to this browser.
    pub fn captcha_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-gst_captcha"
        } else {
            "gst_captcha"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_a_secret() {
        let mut settings = Settings::new("127.0.0.1:0", "portal.db");
        settings.session_secret = Some("ab".repeat(64).into());
        settings.trainer_password = Some("Trainer@2026".into());
        settings.database = "postgres://portal:Db-Secret@127.0.0.1/gst?sslmode=require".into();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("abab"), "{printed}");
        assert!(!printed.contains("Db-Secret"), "{printed}");
        assert!(
            printed.contains("portal:***@127.0.0.1/gst?sslmode=require"),
            "{printed}"
        );
        assert!(!printed.contains("Trainer@2026"), "{printed}");
    }
}
