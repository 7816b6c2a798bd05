//! What an operator does from the command line: add taxpayers and seed demo data.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::{password, random_hex, sha256_hex};
use crate::db::models::gsp_client;
use crate::db::models::taxpayer::{self, NewTaxpayer, TaxpayerId};
use crate::db::Conn;
use crate::domain::gstin::{Gstin, GstinError};
use crate::domain::password_rule::{self, PasswordRuleError};

/// A taxpayer to add, as given on the command line.
#[derive(Debug, Clone)]
pub struct TaxpayerInput {
    pub username: String,
    pub gstin: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub state: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub constitution: String,
    pub taxpayer_type: String,
    pub registration_date: Option<NaiveDate>,
    pub password: String,
}

/// Why a taxpayer could not be added; each is one clear line.
#[derive(Debug, thiserror::Error)]
pub enum AddTaxpayerError {
    #[error("invalid username: use 3 to 64 letters, digits, dots, hyphens or underscores")]
    Username,
    #[error("invalid GSTIN: {0}")]
    Gstin(#[from] GstinError),
    #[error("the username {0} is already taken")]
    DuplicateUsername(String),
    #[error("a taxpayer with GSTIN {0} already exists")]
    DuplicateGstin(String),
    #[error("weak password: {0}")]
    WeakPassword(#[from] PasswordRuleError),
    #[error("invalid {field}: {why}")]
    Field {
        field: &'static str,
        why: &'static str,
    },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<DieselError> for AddTaxpayerError {
    fn from(e: DieselError) -> Self {
        AddTaxpayerError::Other(anyhow::Error::new(e).context("database query failed"))
    }
}

pub(crate) fn normalise_username(raw: &str) -> Result<String, AddTaxpayerError> {
    let name = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(name).ok_or(AddTaxpayerError::Username)
}

fn optional_text<'a>(
    value: Option<&'a str>,
    field: &'static str,
    valid: impl Fn(&str) -> bool,
    why: &'static str,
) -> Result<Option<&'a str>, AddTaxpayerError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if !valid(v) => Err(AddTaxpayerError::Field { field, why }),
        other => Ok(other),
    }
}

/// Validates and stores a new taxpayer, hashing the password with argon2id.
pub fn add_taxpayer(
    conn: &mut Conn,
    input: &TaxpayerInput,
    now: DateTime<Utc>,
) -> Result<TaxpayerId, AddTaxpayerError> {
    let username = normalise_username(&input.username)?;
    let gstin = Gstin::parse(&input.gstin)?;
    let legal_name = input.legal_name.trim();
    if legal_name.is_empty() || legal_name.chars().count() > 200 {
        return Err(AddTaxpayerError::Field {
            field: "legal name",
            why: "give 1 to 200 characters",
        });
    }
    let short = |v: &str| v.chars().count() <= 200 && !v.chars().any(char::is_control);
    let trade_name = optional_text(
        input.trade_name.as_deref(),
        "trade name",
        short,
        "give at most 200 characters",
    )?;
    let state = optional_text(
        input.state.as_deref(),
        "state",
        short,
        "give at most 200 characters",
    )?;
    let mobile = optional_text(
        input.mobile.as_deref(),
        "mobile number",
        |v| v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()),
        "give 10 digits",
    )?;
    let email = optional_text(
        input.email.as_deref(),
        "e-mail address",
        |v| v.len() <= 254 && v.contains('@') && !v.contains(char::is_whitespace),
        "give an address such as name@example.com",
    )?;
    password_rule::check(&input.password)?;

    if taxpayer::find_by_username(conn, &username)?.is_some() {
        return Err(AddTaxpayerError::DuplicateUsername(username));
    }
    if taxpayer::exists_with_gstin(conn, gstin.as_str())? {
        return Err(AddTaxpayerError::DuplicateGstin(gstin.to_string()));
    }
    let hash = password::hash(&input.password)?;
    let new = NewTaxpayer {
        username: &username,
        gstin: gstin.as_str(),
        legal_name,
        trade_name,
        registration_date: input.registration_date.unwrap_or_else(|| now.date_naive()),
        constitution: &input.constitution,
        taxpayer_type: &input.taxpayer_type,
        state_name: state.unwrap_or(gstin.state_name()),
        gstin_status: "Active",
        mobile,
        email,
        password_hash: &hash,
        created_at: now.naive_utc(),
    };
    taxpayer::insert(conn, &new).map_err(|e| match e {
        // Another process added the same taxpayer between the checks and the insert.
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AddTaxpayerError::DuplicateUsername(username.clone())
        }
        other => other.into(),
    })
}

/// The credentials of a new GSP client; the secret is shown once and stored hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// Registers a GSP client under `name` with fresh random credentials, speaking the
/// encrypted wire protocol or (`encrypted` false) the plain one.
pub fn add_gsp_client(
    conn: &mut Conn,
    name: &str,
    encrypted: bool,
    now: DateTime<Utc>,
) -> Result<ClientCredentials, AddTaxpayerError> {
    let credentials = ClientCredentials {
        client_id: format!("gsp-{}", random_hex(8)),
        client_secret: random_hex(32),
    };
    insert_gsp_client(conn, name, &credentials, encrypted, now)?;
    Ok(credentials)
}

pub(crate) fn insert_gsp_client(
    conn: &mut Conn,
    name: &str,
    credentials: &ClientCredentials,
    encrypted: bool,
    now: DateTime<Utc>,
) -> Result<(), AddTaxpayerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AddTaxpayerError::Field {
            field: "client name",
            why: "give 1 to 100 characters",
        });
    }
    gsp_client::insert(
        conn,
        &credentials.client_id,
        &sha256_hex(&credentials.client_secret),
        name,
        encrypted,
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(
            normalise_username(" Kaveri.Exports ").unwrap(),
            "kaveri.exports"
        );
        assert!(normalise_username("ab").is_err());
        assert!(normalise_username("a b c").is_err());
        assert!(normalise_username("name<script>").is_err());
    }
}
