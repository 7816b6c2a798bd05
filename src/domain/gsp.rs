//! Rules of the GST taxpayer API as GSP software meets them: token lifetimes, OTPs and
//! the error codes of the real system.

use chrono::{DateTime, TimeDelta, Utc};

/// An auth token lives 6 hours, and never past the end of the taxpayer's period.
pub const TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(6);
/// An OTP can be used for 10 minutes.
pub const OTP_VALIDITY: TimeDelta = TimeDelta::minutes(10);
/// Wrong tries after which an OTP is void.
pub const MAX_WRONG_OTP_TRIES: i32 = 3;
/// The window over which OTP requests are counted for the per-hour limit.
pub const OTP_REQUEST_WINDOW: TimeDelta = TimeDelta::hours(1);
/// The OTP that GST sandboxes accept, while the sandbox setting is on.
pub const SANDBOX_OTP: &str = "575757";

/// When a token issued (or refreshed) at `now` expires, for access that runs until
/// `access_until`: 6 hours later, or when the period ends if that is sooner.
pub fn token_expiry(now: DateTime<Utc>, access_until: DateTime<Utc>) -> DateTime<Utc> {
    (now + TOKEN_LIFETIME).min(access_until)
}

/// The `expiry` field of a token answer: whole minutes left, at most 360.
pub fn expiry_minutes(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> i64 {
    (expires_at - now)
        .num_minutes()
        .clamp(0, TOKEN_LIFETIME.num_minutes())
}

/// How an OTP is kept: `salt$sha256(salt + otp)` in hex. The OTP is short, so the
/// salt makes a table of all million hashes useless across requests.
pub fn otp_hash(salt: &str, otp: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{salt}{otp}").as_bytes());
    format!("{salt}${}", hex::encode(digest))
}

/// Whether `otp` is the one kept as `stored`, compared in constant time.
pub fn otp_matches(stored: &str, otp: &str) -> bool {
    use subtle::ConstantTimeEq;
    stored.split_once('$').is_some_and(|(salt, _)| {
        bool::from(stored.as_bytes().ct_eq(otp_hash(salt, otp).as_bytes()))
    })
}

/// Whether `otp` has the shape of an OTP: exactly six ASCII digits.
pub fn is_otp_shaped(otp: &str) -> bool {
    otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit())
}

/// The text message that carries an OTP to the taxpayer's Messages. The OTP comes
/// first, so a person sees it at once and [`otp_in_message`] can read it back.
pub fn otp_message(
    otp: &str,
    client_name: &str,
    gstin: &str,
    valid_until: DateTime<Utc>,
) -> String {
    format!(
        "{otp} is your OTP to let {client_name} use the GST API for GSTIN {gstin}. It is valid until {}. Do not share it with anyone you do not want to act for you.",
        crate::domain::time::ist_datetime(valid_until)
    )
}

/// The OTP of a text written by [`otp_message`]; `None` for any other text.
pub fn otp_in_message(text: &str) -> Option<&str> {
    let (otp, rest) = text.split_once(' ')?;
    (is_otp_shaped(otp) && rest.starts_with("is your OTP ")).then_some(otp)
}

/// Whether `period` is a return period as the API writes it: MMYYYY.
pub fn is_return_period(period: &str) -> bool {
    period.len() == 6
        && period.bytes().all(|b| b.is_ascii_digit())
        && matches!(period[..2].parse::<u8>(), Ok(1..=12))
}

/// Whether `fy` is a financial year as the API writes it: `2025-26`, the second
/// year following the first.
pub fn is_financial_year(fy: &str) -> bool {
    let Some((start, end)) = fy.split_once('-') else {
        return false;
    };
    let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    digits(start, 4)
        && digits(end, 2)
        && start.parse::<u32>().ok().map(|y| (y + 1) % 100) == end.parse::<u32>().ok()
}

/// A refusal of the API, with the real system's error code where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// AUTH4037: API access is off, its period is over, or the username is unknown.
    AccessNotEnabled,
    /// AUTH4034: wrong, expired, void or missing OTP.
    InvalidOtp(String),
    /// AUTH4038: the auth token has expired.
    SessionExpired,
    /// OTP0011: no live session for that auth token and username (refresh, logout).
    NoSession,
    /// AUTH4033: the token does not open a session (protected calls).
    InvalidSession,
    /// AUTH403: too many live sessions for this taxpayer with this GSP client.
    TooManySessions(i64),
    /// The simulator's own code: this client has asked for as many OTPs for this
    /// taxpayer in the last hour as allowed; the next may be asked for at `retry_at`.
    TooManyOtpRequests {
        per_hour: u32,
        retry_at: DateTime<Utc>,
    },
    /// RET11402: the GSTIN does not belong to the session's taxpayer.
    Unauthorised,
    /// AUT4031: the `clientid` header is missing.
    MissingClientId,
    /// AUT4032: the `client-secret` header is missing.
    MissingClientSecret,
    /// AUT4033: no active client has this `clientid`.
    InvalidClientId,
    /// AUT4034: the `client-secret` is not this client's.
    InvalidClientSecret,
    /// GEN5001: a header the protocol requires is missing or unreadable.
    MissingParameter(&'static str),
    /// AUTH4041: `state-cd` is not a state code (or not the GSTIN's).
    InvalidStateCode,
    /// AUTH4036: the app key does not decrypt to 32 bytes (under the simulator's
    /// public key, or under the session key for a refresh), or is not the session's.
    InvalidAppKey,
    /// The simulator's own code: a request it cannot read.
    BadRequest(String),
    /// The simulator's own code: the body is not JSON.
    UnsupportedMediaType,
    /// The simulator's own code: the body is too large.
    TooLarge,
    /// The simulator's own code: the body did not arrive within the request timeout.
    BodyTimedOut,
    /// The simulator's own code: the budget of authenticate calls of this network
    /// address, or of this client, is spent for now; one more comes back after
    /// `retry_after` seconds.
    TooManyCalls {
        by: CallBudget,
        per_minute: u32,
        retry_after: u64,
    },
    /// The simulator's own code: the threads that open app keys have as much work
    /// queued as they take; nothing was done.
    Busy,
}

/// Whose budget of authenticate calls a refusal spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallBudget {
    Address,
    Client,
}

impl ApiFailure {
    pub fn code(&self) -> &'static str {
        match self {
            ApiFailure::AccessNotEnabled => "AUTH4037",
            ApiFailure::InvalidOtp(_) => "AUTH4034",
            ApiFailure::SessionExpired => "AUTH4038",
            ApiFailure::NoSession => "OTP0011",
            ApiFailure::InvalidSession => "AUTH4033",
            ApiFailure::TooManySessions(_) => "AUTH403",
            ApiFailure::TooManyOtpRequests { .. } => "SIM429",
            ApiFailure::Unauthorised => "RET11402",
            ApiFailure::MissingClientId => "AUT4031",
            ApiFailure::MissingClientSecret => "AUT4032",
            ApiFailure::InvalidClientId => "AUT4033",
            ApiFailure::InvalidClientSecret => "AUT4034",
            ApiFailure::MissingParameter(_) => "GEN5001",
            ApiFailure::InvalidStateCode => "AUTH4041",
            ApiFailure::InvalidAppKey => "AUTH4036",
            ApiFailure::BadRequest(_) => "SIM400",
            ApiFailure::UnsupportedMediaType => "SIM415",
            ApiFailure::TooLarge => "SIM413",
            ApiFailure::BodyTimedOut => "SIM408",
            ApiFailure::TooManyCalls {
                by: CallBudget::Address,
                ..
            } => "SIM4291",
            ApiFailure::TooManyCalls {
                by: CallBudget::Client,
                ..
            } => "SIM4292",
            ApiFailure::Busy => "SIM503",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiFailure::AccessNotEnabled => "API access is not enabled for this username, or its period is over (or the username is not registered). The taxpayer must log in to the portal, open My Profile > Manage API Access, choose Yes and a duration, and confirm.".to_string(),
            ApiFailure::InvalidOtp(why) => format!("Invalid OTP: {why}"),
            ApiFailure::SessionExpired => "The auth token has expired. Ask for a new OTP (OTPREQUEST, then AUTHTOKEN).".to_string(),
            ApiFailure::NoSession => "No session was found for this auth token and username.".to_string(),
            ApiFailure::InvalidSession => "Invalid session: the auth token does not match a session of this username.".to_string(),
            ApiFailure::TooManySessions(max) => format!("This GSP already holds {max} live sessions for this taxpayer; log one out (LOGOUT) first."),
            ApiFailure::TooManyOtpRequests { per_hour, retry_at } => format!("This GSP has asked for {per_hour} OTPs for this username within an hour, the most allowed. Ask again after {}.", crate::domain::time::ist_datetime(*retry_at)),
            ApiFailure::Unauthorised => "Unauthorised user: the GSTIN does not belong to this session's taxpayer.".to_string(),
            ApiFailure::MissingClientId => "The clientid header is missing.".to_string(),
            ApiFailure::MissingClientSecret => "The client-secret header is missing.".to_string(),
            ApiFailure::InvalidClientId => "Invalid clientid: no active GSP client has it.".to_string(),
            ApiFailure::InvalidClientSecret => "Invalid client-secret for this clientid.".to_string(),
            ApiFailure::MissingParameter(name) => format!("Mandatory parameter missing or invalid: the {name} header."),
            ApiFailure::InvalidStateCode => "Invalid state-cd: send the first two digits of the GSTIN.".to_string(),
            ApiFailure::InvalidAppKey => "Invalid app_key: it does not decrypt to a 32-byte key (RSA PKCS#1 v1.5 under the simulator's public key; for REFRESHTOKEN, AES-256-ECB under the current session key), or it is not this session's.".to_string(),
            ApiFailure::BadRequest(why) => why.clone(),
            ApiFailure::UnsupportedMediaType => "Send the request body as application/json.".to_string(),
            ApiFailure::TooLarge => "The request body is larger than the API accepts (16 KiB).".to_string(),
            ApiFailure::BodyTimedOut => "The request body took too long to arrive, so nothing was done. Send the call again.".to_string(),
            ApiFailure::TooManyCalls { by, per_minute, retry_after } => {
                let from = match by {
                    CallBudget::Address => "from your network address",
                    CallBudget::Client => "with this clientid",
                };
                format!("Too many authenticate calls {from}: the simulator takes {per_minute} a minute. Nothing was done; try again in {retry_after} second(s).")
            }
            ApiFailure::Busy => "The simulator is busy opening other app keys. Nothing was done; try again in a second.".to_string(),
        }
    }

    /// The refusal whose code is `code`, as the call log keeps it, with empty
    /// details (a code carries none); `None` for a code the simulator does not give,
    /// such as `"1"` for a call let in. `from_code(f.code())` has `f`'s code.
    pub fn from_code(code: &str) -> Option<ApiFailure> {
        let budget = |by| ApiFailure::TooManyCalls {
            by,
            per_minute: 0,
            retry_after: 0,
        };
        Some(match code {
            "AUTH4037" => ApiFailure::AccessNotEnabled,
            "AUTH4034" => ApiFailure::InvalidOtp(String::new()),
            "AUTH4038" => ApiFailure::SessionExpired,
            "OTP0011" => ApiFailure::NoSession,
            "AUTH4033" => ApiFailure::InvalidSession,
            "AUTH403" => ApiFailure::TooManySessions(0),
            "SIM429" => ApiFailure::TooManyOtpRequests {
                per_hour: 0,
                retry_at: DateTime::<Utc>::UNIX_EPOCH,
            },
            "RET11402" => ApiFailure::Unauthorised,
            "AUT4031" => ApiFailure::MissingClientId,
            "AUT4032" => ApiFailure::MissingClientSecret,
            "AUT4033" => ApiFailure::InvalidClientId,
            "AUT4034" => ApiFailure::InvalidClientSecret,
            "GEN5001" => ApiFailure::MissingParameter(""),
            "AUTH4041" => ApiFailure::InvalidStateCode,
            "AUTH4036" => ApiFailure::InvalidAppKey,
            "SIM400" => ApiFailure::BadRequest(String::new()),
            "SIM415" => ApiFailure::UnsupportedMediaType,
            "SIM413" => ApiFailure::TooLarge,
            "SIM408" => ApiFailure::BodyTimedOut,
            "SIM4291" => budget(CallBudget::Address),
            "SIM4292" => budget(CallBudget::Client),
            "SIM503" => ApiFailure::Busy,
            _ => return None,
        })
    }

    /// The HTTP status that fits.
    pub fn http_status(&self) -> u16 {
        match self {
            ApiFailure::AccessNotEnabled | ApiFailure::Unauthorised => 403,
            ApiFailure::InvalidOtp(_)
            | ApiFailure::SessionExpired
            | ApiFailure::NoSession
            | ApiFailure::InvalidSession
            | ApiFailure::MissingClientId
            | ApiFailure::MissingClientSecret
            | ApiFailure::InvalidClientId
            | ApiFailure::InvalidClientSecret
            | ApiFailure::InvalidAppKey => 401,
            ApiFailure::MissingParameter(_) | ApiFailure::InvalidStateCode => 400,
            ApiFailure::TooManySessions(_) | ApiFailure::TooManyOtpRequests { .. } => 429,
            ApiFailure::BadRequest(_) => 400,
            ApiFailure::UnsupportedMediaType => 415,
            ApiFailure::TooLarge => 413,
            ApiFailure::BodyTimedOut => 408,
            ApiFailure::TooManyCalls { .. } => 429,
            ApiFailure::Busy => 503,
        }
    }

    /// Seconds after which the call may be sent again, for the Retry-After header of
    /// the refusals that shed load.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiFailure::TooManyCalls { retry_after, .. } => Some(*retry_after),
            ApiFailure::Busy => Some(1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_hashes_are_salted_and_checked() {
        let h = otp_hash("abcd", "123456");
        assert!(otp_matches(&h, "123456"));
        assert!(!otp_matches(&h, "123457"));
        assert_ne!(h, otp_hash("abce", "123456"));
        assert!(!otp_matches("garbage", "123456"));
    }
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
    }

    #[test]
    fn a_token_lives_six_hours_within_a_long_period() {
        let until = t0() + TimeDelta::days(30);
        assert_eq!(token_expiry(t0(), until), t0() + TimeDelta::hours(6));
        assert_eq!(expiry_minutes(t0(), token_expiry(t0(), until)), 360);
    }

    #[test]
    fn a_token_never_outlives_the_period() {
        let until = t0() + TimeDelta::minutes(90);
        assert_eq!(token_expiry(t0(), until), until);
        assert_eq!(expiry_minutes(t0(), until), 90);
    }

    #[test]
    fn expiry_minutes_round_down_and_never_go_negative() {
        assert_eq!(expiry_minutes(t0(), t0() + TimeDelta::seconds(119)), 1);
        assert_eq!(expiry_minutes(t0(), t0() - TimeDelta::minutes(5)), 0);
    }

    #[test]
    fn periods_and_financial_years_are_read_as_the_api_writes_them() {
        assert!(is_return_period("112026"));
        for bad in ["132026", "002026", "11202", "1120266", "11-026"] {
            assert!(!is_return_period(bad), "{bad}");
        }
        assert!(is_financial_year("2025-26"));
        assert!(is_financial_year("2099-00"));
        for bad in ["2025-27", "2025", "25-26", "2025-2026", "abcd-ef"] {
            assert!(!is_financial_year(bad), "{bad}");
        }
    }

    #[test]
    fn an_otp_is_six_digits() {
        assert!(is_otp_shaped("575757"));
        for bad in ["", "57575", "5757577", "57575a", "５７５７５７", " 57575"] {
            assert!(!is_otp_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn the_otp_of_a_message_is_read_back() {
        let text = otp_message("042917", "Demo GSP", "27AAPFU0939F1ZV", t0());
        assert_eq!(otp_in_message(&text), Some("042917"));
        for other in ["", "042917", "Your OTP is 042917", "04291 is your OTP to"] {
            assert_eq!(otp_in_message(other), None, "{other}");
        }
    }

    #[test]
    fn a_stored_code_reads_back_as_its_failure() {
        let every = [
            ApiFailure::AccessNotEnabled,
            ApiFailure::InvalidOtp("why".to_string()),
            ApiFailure::SessionExpired,
            ApiFailure::NoSession,
            ApiFailure::InvalidSession,
            ApiFailure::TooManySessions(5),
            ApiFailure::TooManyOtpRequests {
                per_hour: 5,
                retry_at: t0(),
            },
            ApiFailure::Unauthorised,
            ApiFailure::MissingClientId,
            ApiFailure::MissingClientSecret,
            ApiFailure::InvalidClientId,
            ApiFailure::InvalidClientSecret,
            ApiFailure::MissingParameter("txn"),
            ApiFailure::InvalidStateCode,
            ApiFailure::InvalidAppKey,
            ApiFailure::BadRequest("why".to_string()),
            ApiFailure::UnsupportedMediaType,
            ApiFailure::TooLarge,
            ApiFailure::BodyTimedOut,
            ApiFailure::TooManyCalls {
                by: CallBudget::Address,
                per_minute: 60,
                retry_after: 1,
            },
            ApiFailure::TooManyCalls {
                by: CallBudget::Client,
                per_minute: 60,
                retry_after: 1,
            },
            ApiFailure::Busy,
        ];
        for f in every {
            let read = ApiFailure::from_code(f.code()).unwrap_or_else(|| panic!("{f:?}"));
            assert_eq!(read.code(), f.code());
            assert_eq!(read.http_status(), f.http_status());
        }
        for other in ["1", "SIM500", "SIM401", ""] {
            assert_eq!(ApiFailure::from_code(other), None, "{other}");
        }
    }

    #[test]
    fn each_failure_has_the_real_code_where_known() {
        assert_eq!(ApiFailure::AccessNotEnabled.code(), "AUTH4037");
        assert_eq!(ApiFailure::InvalidOtp(String::new()).code(), "AUTH4034");
        assert_eq!(ApiFailure::SessionExpired.code(), "AUTH4038");
        assert_eq!(ApiFailure::NoSession.code(), "OTP0011");
        assert_eq!(ApiFailure::TooManySessions(5).code(), "AUTH403");
        assert_eq!(ApiFailure::AccessNotEnabled.http_status(), 403);
        let flood = ApiFailure::TooManyOtpRequests {
            per_hour: 5,
            retry_at: t0(),
        };
        assert_eq!((flood.code(), flood.http_status()), ("SIM429", 429));
        assert!(flood
            .message()
            .ends_with("Ask again after 25/11/2026 03:30 PM IST."));
    }
}
