//! What an operator does from the command line: add taxpayers and seed demo data.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::{password, random_hex, sha256_hex};
use crate::db::models::taxpayer::{self, NewTaxpayer, TaxpayerId};
use crate::db::models::{app_setting, gsp_client};
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

fn normalise_username(raw: &str) -> Result<String, AddTaxpayerError> {
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

/// Registers a GSP client under `name` with fresh random credentials.
pub fn add_gsp_client(
    conn: &mut Conn,
    name: &str,
    now: DateTime<Utc>,
) -> Result<ClientCredentials, AddTaxpayerError> {
    let credentials = ClientCredentials {
        client_id: format!("gsp-{}", random_hex(8)),
        client_secret: random_hex(32),
    };
    insert_gsp_client(conn, name, &credentials, now)?;
    Ok(credentials)
}

fn insert_gsp_client(
    conn: &mut Conn,
    name: &str,
    credentials: &ClientCredentials,
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
        now,
    )?;
    Ok(())
}

/// The GSP client of the demo data. Its secret is fictitious and printed at start.
pub const DEMO_GSP_CLIENT_NAME: &str = "Demo GSP (Sahaj Returns)";
pub const DEMO_GSP_CLIENT_ID: &str = "gsp-demo-client";
pub const DEMO_GSP_CLIENT_SECRET: &str = "demo-gsp-secret-for-training-only";

/// The password every demo account is seeded with.
pub const DEMO_PASSWORD: &str = "Demo@2026";

/// The demo taxpayers: fictitious businesses with valid GSTINs.
pub fn demo_taxpayers() -> Vec<TaxpayerInput> {
    let make = |username: &str,
                gstin: &str,
                legal: &str,
                trade: &str,
                constitution: &str,
                mobile: &str| {
        TaxpayerInput {
            username: username.to_string(),
            gstin: gstin.to_string(),
            legal_name: legal.to_string(),
            trade_name: Some(trade.to_string()),
            state: None,
            mobile: Some(mobile.to_string()),
            email: Some(format!("{username}@example.in")),
            constitution: constitution.to_string(),
            taxpayer_type: "Regular".to_string(),
            registration_date: NaiveDate::from_ymd_opt(2019, 7, 1),
            password: DEMO_PASSWORD.to_string(),
        }
    };
    vec![
        make(
            "udaygiri.traders",
            "27AAPFU0939F1ZV",
            "Udaygiri Traders",
            "Udaygiri Traders",
            "Partnership",
            "9800000001",
        ),
        make(
            "nallamala.services",
            "36AAGCN9336F1Z9",
            "Nallamala Consultancy Services Private Limited",
            "Nallamala Services",
            "Private Limited Company",
            "9800000002",
        ),
        make(
            "kaveri.exports",
            "29AABCD1234E1Z4",
            "Kaveri Exports Private Limited",
            "Kaveri Exports",
            "Private Limited Company",
            "9800000003",
        ),
    ]
}

/// A demo account as printed at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub gstin: String,
    pub name: String,
    /// The seeded password, or `None` if it has been changed since.
    pub password: Option<&'static str>,
}

/// Adds the demo taxpayers and the demo GSP client that are missing; returns how many
/// taxpayers were added.
pub fn seed_demo(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, AddTaxpayerError> {
    if gsp_client::find_by_client_id(conn, DEMO_GSP_CLIENT_ID)?.is_none() {
        let demo = ClientCredentials {
            client_id: DEMO_GSP_CLIENT_ID.to_string(),
            client_secret: DEMO_GSP_CLIENT_SECRET.to_string(),
        };
        insert_gsp_client(conn, DEMO_GSP_CLIENT_NAME, &demo, now)?;
    }
    app_setting::set(conn, app_setting::SANDBOX_OTP, "on")?;
    let mut added = 0;
    for input in demo_taxpayers() {
        if taxpayer::find_by_username(conn, &input.username)?.is_some() {
            continue;
        }
        add_taxpayer(conn, &input, now)?;
        added += 1;
    }
    Ok(added)
}

/// The demo GSP client's credentials, if it is registered and not revoked.
pub fn demo_gsp_client(conn: &mut Conn) -> anyhow::Result<Option<ClientCredentials>> {
    Ok(gsp_client::find_by_client_id(conn, DEMO_GSP_CLIENT_ID)?
        .filter(|c| c.revoked_at.is_none())
        .map(|_| ClientCredentials {
            client_id: DEMO_GSP_CLIENT_ID.to_string(),
            client_secret: DEMO_GSP_CLIENT_SECRET.to_string(),
        }))
}

/// The demo accounts present in the database, for the start-up banner.
pub fn demo_accounts(conn: &mut Conn) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = Vec::new();
    for input in demo_taxpayers() {
        if let Some(t) = taxpayer::find_by_username(conn, &input.username)? {
            let unchanged = password::verify(&t.password_hash, DEMO_PASSWORD)?;
            accounts.push(DemoAccount {
                username: t.username,
                gstin: t.gstin,
                name: t.trade_name.unwrap_or(t.legal_name),
                password: unchanged.then_some(DEMO_PASSWORD),
            });
        }
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_valid() {
        for t in demo_taxpayers() {
            assert!(Gstin::parse(&t.gstin).is_ok(), "{}", t.gstin);
            assert!(normalise_username(&t.username).is_ok());
            assert!(password_rule::check(&t.password).is_ok());
        }
    }

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
