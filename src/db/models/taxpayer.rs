//! Taxpayers: their profile, password hash and login bookkeeping.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::taxpayers;
use crate::db::{Conn, Run};

/// The id of a taxpayer row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxpayerId(pub i32);

impl From<i32> for TaxpayerId {
    fn from(id: i32) -> Self {
        TaxpayerId(id)
    }
}

/// A taxpayer as read from the database.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = taxpayers)]
pub struct Taxpayer {
    #[diesel(deserialize_as = i32)]
    pub id: TaxpayerId,
    pub username: String,
    pub gstin: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub registration_date: NaiveDate,
    pub constitution: String,
    pub taxpayer_type: String,
    pub state_name: String,
    pub gstin_status: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub password_hash: String,
    pub last_login_at: Option<NaiveDateTime>,
    pub previous_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Taxpayer {
    /// The login before the current one, or the current one on a first login.
    pub fn last_logged_in(&self) -> Option<DateTime<Utc>> {
        self.previous_login_at
            .or(self.last_login_at)
            .map(|t| t.and_utc())
    }
}

/// A taxpayer to be created.
#[derive(Debug, Insertable)]
#[diesel(table_name = taxpayers)]
pub struct NewTaxpayer<'a> {
    pub username: &'a str,
    pub gstin: &'a str,
    pub legal_name: &'a str,
    pub trade_name: Option<&'a str>,
    pub registration_date: NaiveDate,
    pub constitution: &'a str,
    pub taxpayer_type: &'a str,
    pub state_name: &'a str,
    pub gstin_status: &'a str,
    pub mobile: Option<&'a str>,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, new: &NewTaxpayer<'_>) -> QueryResult<TaxpayerId> {
    diesel::insert_into(taxpayers::table)
        .values(new)
        .returning(taxpayers::id)
        .fetch_one::<i32>(conn)
        .map(TaxpayerId)
}

pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    taxpayers::table.count().fetch_one(conn)
}

pub fn find(conn: &mut Conn, id: TaxpayerId) -> QueryResult<Option<Taxpayer>> {
    crate::per_backend!(conn, |c| taxpayers::table
        .find(id.0)
        .select(Taxpayer::as_select())
        .get_result(c))
    .optional()
}

/// The taxpayer with `id`, and how many of their messages are unread (for the page
/// header): one read for what every logged-in page needs.
pub fn find_with_unread(conn: &mut Conn, id: TaxpayerId) -> QueryResult<Option<(Taxpayer, i64)>> {
    use crate::db::schema::messages;
    let unread = messages::table
        .filter(messages::taxpayer_id.eq(id.0))
        .filter(messages::read_at.is_null())
        .count()
        .single_value();
    crate::per_backend!(conn, |c| taxpayers::table
        .find(id.0)
        .select((Taxpayer::as_select(), unread))
        .get_result::<(Taxpayer, Option<i64>)>(c))
    .optional()
    .map(|found| found.map(|(t, unread)| (t, unread.unwrap_or(0))))
}

pub fn find_by_username(conn: &mut Conn, username: &str) -> QueryResult<Option<Taxpayer>> {
    crate::per_backend!(conn, |c| taxpayers::table
        .filter(taxpayers::username.eq(username))
        .select(Taxpayer::as_select())
        .get_result(c))
    .optional()
}

pub fn exists_with_gstin(conn: &mut Conn, gstin: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        taxpayers::table.filter(taxpayers::gstin.eq(gstin)),
    ))
    .fetch_one(conn)
}

/// Records a successful login: the previous login time moves back one place.
pub fn record_login_success(
    conn: &mut Conn,
    id: TaxpayerId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(taxpayers::table.find(id.0))
        .set((
            taxpayers::previous_login_at.eq(taxpayers::last_login_at),
            taxpayers::last_login_at.eq(now.naive_utc()),
        ))
        .exec(conn)
        .map(drop)
}

pub fn update_password_hash(conn: &mut Conn, id: TaxpayerId, hash: &str) -> QueryResult<()> {
    diesel::update(taxpayers::table.find(id.0))
        .set(taxpayers::password_hash.eq(hash))
        .exec(conn)
        .map(drop)
}
