//! One authenticate call (OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT) in the order
//! the API applies its rules: the call budgets before anything costs, the client's
//! credentials, the encrypted protocol's headers, the body, the state code, the app
//! key (RSA work, on the decrypting threads), and then one immediate transaction.

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::auth::random_hex;
use crate::db::models::gsp_client::GspClient;
use crate::db::models::taxpayer::{self, Taxpayer};
use crate::db::{self, Conn};
use crate::domain::gsp::{self, ApiFailure};
use crate::gsp::wire::{self, Key, StateCode};
use crate::state::Portal;

use super::token::{self, NewSek};
use super::{access_until, client, keys, otp, ApiError, CallRecord, Headers, Limits, Verdict};

/// An authenticate call's body as read: what is asked, for which username, with the
/// app key as sent (sealed, for an encrypted client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub asked: Asked,
    pub username: String,
    pub app_key: String,
}

/// The action of an authenticate call, with the field it needs as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    OtpRequest,
    AuthToken { otp: String },
    RefreshToken { auth_token: String },
    Logout { auth_token: String },
}

impl Asked {
    /// The action as the API spells it, for the call log.
    pub fn name(&self) -> &'static str {
        match self {
            Asked::OtpRequest => "OTPREQUEST",
            Asked::AuthToken { .. } => "AUTHTOKEN",
            Asked::RefreshToken { .. } => "REFRESHTOKEN",
            Asked::Logout { .. } => "LOGOUT",
        }
    }
}

/// What the authenticate call's transaction is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// OTPREQUEST: text an OTP to the taxpayer.
    RequestOtp,
    /// AUTHTOKEN: trade the OTP for an auth token. `app_key`: the app key an
    /// encrypted client sent (already opened with the RSA key); `None` for a plain one.
    TradeOtp { otp: String, app_key: Option<Key> },
    /// REFRESHTOKEN: a new token for a live one. `sealed_app_key`: for an encrypted
    /// client, the new app key as sent, sealed under the session's current SEK.
    Refresh {
        token: String,
        sealed_app_key: Option<String>,
    },
    /// LOGOUT: end the session of the token. `app_key`: for an encrypted client, the
    /// app key as sent (opened with the RSA key), which must be the session's.
    LogOut { token: String, app_key: Option<Key> },
}

/// What a successful authenticate call answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ack,
    /// A new token, its minutes to live, and the new session key sealed under the
    /// app key for an encrypted client (random text for a plain one, whose library
    /// expects the field).
    Token {
        token: String,
        expiry: i64,
        sek: String,
    },
}

impl Answer {
    pub(super) fn token(
        token: String,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        new_sek: Option<NewSek>,
    ) -> Answer {
        Answer::Token {
            token,
            expiry: gsp::expiry_minutes(now, expires_at),
            sek: new_sek.map_or_else(|| random_hex(32), |k| k.sealed),
        }
    }
}

/// The facts every command of one call works with.
#[derive(Clone, Copy)]
pub(super) struct Facts<'a> {
    pub client: &'a GspClient,
    /// The username's taxpayer, if there is one.
    pub taxpayer: Option<&'a Taxpayer>,
    pub now: DateTime<Utc>,
    pub limits: Limits,
}

/// Answers an authenticate call whose headers are `headers`, from the network
/// address whose budget key is `address`. `read` reads the body (its media type,
/// its arrival, its fields) and is called only once the budgets, the credentials
/// and the headers have passed. Fills in `call` as the call is known.
pub async fn answer(
    portal: &Portal,
    headers: &dyn Headers,
    address: &str,
    read: impl FnOnce() -> Result<Request, ApiFailure>,
    call: &mut CallRecord,
) -> Result<Answer, ApiError> {
    // The budgets first: a refusal costs no read of the body, no RSA, no write.
    portal.budgets.take_for_address(address)?;
    let client = client::authenticate(portal, headers).await?;
    portal.budgets.take_for_client(&client.client_id)?;
    call.identified(&client);
    let state = if client.encrypted {
        Some(wire::wire_headers(|name| headers.header(name))?)
    } else {
        None
    };
    let request = read()?;
    call.action = request.asked.name();
    call.username = Some(request.username.clone());
    let now = portal.clock.now();
    if let Some(state) = state {
        check_state_of(portal, &request.username, state, now).await?;
    }
    let command = command(portal, &client, request.asked, request.app_key).await?;
    let limits = Limits {
        sessions: portal.settings.gsp_sessions_per_client,
        otp_requests: portal.settings.otp_requests_per_hour,
        demo: portal.settings.demo,
    };
    let username = request.username;
    let outcome = db::write(&portal.pool, move |conn| {
        run(conn, &client, &username, &command, now, limits)
    })
    .await?;
    Ok(outcome?)
}

/// The command of a request. A plain client's fields are taken as they are; an
/// encrypted client's app key is opened with the simulator's RSA key (for
/// REFRESHTOKEN the transaction opens it with the session's SEK) and its OTP with
/// the app key.
async fn command(
    portal: &Portal,
    client: &GspClient,
    asked: Asked,
    sealed_app_key: String,
) -> Result<Command, ApiError> {
    if !client.encrypted {
        return Ok(match asked {
            Asked::OtpRequest => Command::RequestOtp,
            Asked::AuthToken { otp } => Command::TradeOtp { otp, app_key: None },
            Asked::RefreshToken { auth_token } => Command::Refresh {
                token: auth_token,
                sealed_app_key: None,
            },
            Asked::Logout { auth_token } => Command::LogOut {
                token: auth_token,
                app_key: None,
            },
        });
    }
    Ok(match asked {
        Asked::RefreshToken { auth_token } => Command::Refresh {
            token: auth_token,
            sealed_app_key: Some(sealed_app_key),
        },
        Asked::OtpRequest => {
            keys::open_app_key(portal, sealed_app_key).await?;
            Command::RequestOtp
        }
        // An OTP that does not open is simply wrong: it counts as a try.
        Asked::AuthToken { otp } => {
            let app_key = keys::open_app_key(portal, sealed_app_key).await?;
            Command::TradeOtp {
                otp: wire::open_otp(&app_key, &otp),
                app_key: Some(app_key),
            }
        }
        Asked::Logout { auth_token } => Command::LogOut {
            token: auth_token,
            app_key: Some(keys::open_app_key(portal, sealed_app_key).await?),
        },
    })
}

/// For an encrypted client's authenticate call: `state-cd` must be the state of the
/// taxpayer's GSTIN, as data calls compare it with the `gstin` header. Compared only
/// once the username is known to have API access on, so the answer says no more
/// about which usernames exist than AUTH4037 does.
async fn check_state_of(
    portal: &Portal,
    username: &str,
    state: StateCode,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let username = username.trim().to_lowercase();
    let verdict = db::run(&portal.pool, move |conn| {
        let found = taxpayer::find_by_username(conn, &username)?;
        let on = access_until(conn, found.as_ref(), now)?.is_ok();
        QueryResult::Ok(match found {
            Some(t) if on && !t.gstin.starts_with(&state.0) => Err(ApiFailure::InvalidStateCode),
            _ => Ok(()),
        })
    })
    .await?;
    Ok(verdict?)
}

/// Runs one authenticate command for `username` in one immediate transaction.
fn run(
    conn: &mut Conn,
    client: &GspClient,
    username: &str,
    command: &Command,
    now: DateTime<Utc>,
    limits: Limits,
) -> QueryResult<Verdict<Answer>> {
    let username = username.trim().to_lowercase();
    db::atomic(conn, |conn| {
        let taxpayer = taxpayer::find_by_username(conn, &username)?;
        let facts = Facts {
            client,
            taxpayer: taxpayer.as_ref(),
            now,
            limits,
        };
        let access = access_until(conn, facts.taxpayer, now)?;
        match (command, access) {
            (Command::RequestOtp, Ok(_)) => otp::request_otp(conn, &facts),
            (Command::TradeOtp { otp, app_key }, Ok(until)) => {
                let new_sek = app_key.as_ref().map(NewSek::for_app_key);
                otp::trade_otp(conn, &facts, otp, until, new_sek)
            }
            (Command::RequestOtp | Command::TradeOtp { .. }, Err(refusal)) => Ok(Err(refusal)),
            (
                Command::Refresh {
                    token,
                    sealed_app_key,
                },
                access,
            ) => token::refresh(conn, &facts, token, sealed_app_key.as_deref(), access),
            (Command::LogOut { token, app_key }, _) => {
                token::log_out(conn, &facts, token, app_key.as_ref())
            }
        }
    })
}
