//! The simulator's RSA key pair for the encrypted GSP protocol.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::gsp_keys;
use crate::db::{Conn, Run};

/// The current key pair: its private key (PKCS#8 PEM) and certificate (PEM).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = gsp_keys)]
pub struct StoredKey {
    pub id: i32,
    pub private_key_pem: String,
    pub certificate_pem: String,
    pub created_at: NaiveDateTime,
}

/// The key in use, if one was made.
pub fn current(conn: &mut Conn) -> QueryResult<Option<StoredKey>> {
    crate::per_backend!(conn, |c| gsp_keys::table
        .filter(gsp_keys::retired_at.is_null())
        .order(gsp_keys::id.desc())
        .select(StoredKey::as_select())
        .limit(1)
        .get_result(c))
    .optional()
}

/// Stores a pair as the current one, retiring any other. Call inside a transaction.
pub fn install(
    conn: &mut Conn,
    private_key_pem: &str,
    certificate_pem: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(gsp_keys::table.filter(gsp_keys::retired_at.is_null()))
        .set(gsp_keys::retired_at.eq(now.naive_utc()))
        .exec(conn)?;
    diesel::insert_into(gsp_keys::table)
        .values((
            gsp_keys::private_key_pem.eq(private_key_pem),
            gsp_keys::certificate_pem.eq(certificate_pem),
            gsp_keys::created_at.eq(now.naive_utc()),
        ))
        .exec(conn)
        .map(drop)
}
