//! OTPs: OTPREQUEST texts one to the taxpayer's Messages; AUTHTOKEN trades it for
//! the first auth token of a session.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use rand::Rng;

use crate::auth::{random_hex, sha256_hex};
use crate::db::models::gsp_client::GspClient;
use crate::db::models::taxpayer::Taxpayer;
use crate::db::models::{app_setting, demo_taxpayer, gsp_session, message, otp_request};
use crate::db::Conn;
use crate::domain::gsp::{self, ApiFailure};

use super::authenticate::{Answer, Facts};
use super::token::NewSek;
use super::{Limits, Verdict};

/// OTPREQUEST: a new OTP for the taxpayer, sent to their Messages.
pub(super) fn request_otp(conn: &mut Conn, facts: &Facts<'_>) -> QueryResult<Verdict<Answer>> {
    let Facts {
        client,
        taxpayer,
        now,
        limits,
    } = *facts;
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    // Each OTP allows three guesses, so without a cap a client could go on asking and
    // guessing until one of a million codes comes up.
    let (window, per_hour) = (gsp::OTP_REQUEST_WINDOW, limits.otp_requests);
    let (asked, earliest) = otp_request::asked_since(conn, t.id, client.id, now - window)?;
    if asked >= i64::from(per_hour) {
        let retry_at = earliest.map_or(now, |at| at.and_utc()) + window;
        return Ok(Err(ApiFailure::TooManyOtpRequests { per_hour, retry_at }));
    }
    let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let valid_until = now + gsp::OTP_VALIDITY;
    otp_request::open(
        conn,
        t.id,
        client.id,
        &gsp::otp_hash(&random_hex(16), &otp),
        now,
        valid_until,
    )?;
    let text = gsp::otp_message(&otp, &client.name, &t.gstin, valid_until);
    message::send(conn, t.id, now, &text)?;
    Ok(Ok(Answer::Ack))
}

/// AUTHTOKEN: trades the pending OTP for a new session's token, which lives until
/// `access_until` at the latest. A wrong OTP counts as a try; the third voids it.
/// `new_sek`: the session key of an encrypted client's session.
pub(super) fn trade_otp(
    conn: &mut Conn,
    facts: &Facts<'_>,
    otp: &str,
    access_until: DateTime<Utc>,
    new_sek: Option<NewSek>,
) -> QueryResult<Verdict<Answer>> {
    let Facts {
        client,
        taxpayer,
        now,
        limits,
    } = *facts;
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    let refuse = |why: &str| Ok(Err(ApiFailure::InvalidOtp(why.to_string())));
    let Some(pending) = otp_request::current(conn, t.id, client.id)? else {
        return refuse("no OTP is pending for this username; ask for one with OTPREQUEST.");
    };
    if pending.expires_at.and_utc() <= now {
        otp_request::close(conn, pending.id, now)?;
        return refuse("the OTP has expired; ask for a new one with OTPREQUEST.");
    }
    let sandbox = otp == gsp::SANDBOX_OTP && sandbox_otp_allowed(conn, t, client, limits)?;
    let right = gsp::is_otp_shaped(otp) && (gsp::otp_matches(&pending.otp_hash, otp) || sandbox);
    if !right {
        let tries = otp_request::record_wrong_try(conn, pending.id)?;
        if tries >= gsp::MAX_WRONG_OTP_TRIES {
            otp_request::close(conn, pending.id, now)?;
            return refuse("wrong OTP. It is now void after three wrong tries; ask for a new one.");
        }
        let left = gsp::MAX_WRONG_OTP_TRIES - tries;
        return refuse(&format!("wrong OTP; {left} more tries before it is void."));
    }
    let live = gsp_session::live_count(conn, t.id, client.id, now)?;
    if live >= limits.sessions {
        return Ok(Err(ApiFailure::TooManySessions(limits.sessions)));
    }
    otp_request::close(conn, pending.id, now)?;
    let token = random_hex(32);
    let expires_at = gsp::token_expiry(now, access_until);
    let keys = new_sek.as_ref().map(NewSek::keys);
    gsp_session::create(
        conn,
        t.id,
        client.id,
        &sha256_hex(&token),
        now,
        expires_at,
        keys,
    )?;
    Ok(Ok(Answer::token(token, now, expires_at, new_sek)))
}

/// Whether the sandbox OTP may stand in for `taxpayer`'s OTP on a call of `client`.
/// Only in a demo portal while `sandbox-otp` is on, and never for a real taxpayer. A
/// demo case takes it from any client: its data is public anyway. A trainee takes it
/// only from the trainer's GSP player, whose secret never leaves the server: the demo
/// clients' secrets are public, so through them anyone could take a trainee's token;
/// any other client needs the OTP from the trainee's Messages, as on the real system.
fn sandbox_otp_allowed(
    conn: &mut Conn,
    taxpayer: &Taxpayer,
    client: &GspClient,
    limits: Limits,
) -> QueryResult<bool> {
    if !limits.demo || app_setting::get(conn, app_setting::SANDBOX_OTP)?.as_deref() != Some("on") {
        return Ok(false);
    }
    Ok(
        match demo_taxpayer::kind_of(conn, taxpayer.id)?.as_deref() {
            Some(demo_taxpayer::DEMO) => true,
            Some(demo_taxpayer::TRAINEE) => client.client_id == crate::demo::PLAYER_CLIENT_ID,
            _ => false,
        },
    )
}
