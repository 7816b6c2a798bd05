//! Which taxpayers belong to the training data: the demo cases and trainees. Only
//! they may use the sandbox OTP, only in demo mode, and trainees only from the
//! trainer's GSP player.

use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::{demo_taxpayers, taxpayers};
use crate::db::{Conn, Run};

/// A demo case of the seeded data.
pub const DEMO: &str = "demo";
/// A trainee made by the trainer for a classroom.
pub const TRAINEE: &str = "trainee";

/// Marks `taxpayer` as training data of `kind`.
pub fn mark(conn: &mut Conn, taxpayer: TaxpayerId, kind: &str) -> QueryResult<()> {
    crate::per_backend!(conn, |c| diesel::insert_into(demo_taxpayers::table)
        .values((
            demo_taxpayers::taxpayer_id.eq(taxpayer.0),
            demo_taxpayers::kind.eq(kind),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(drop)
}

/// A taxpayer of the training data, as the trainer's pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TrainingTaxpayer {
    #[diesel(deserialize_as = i32)]
    pub id: TaxpayerId,
    pub username: String,
    pub gstin: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    /// [`DEMO`] or [`TRAINEE`].
    pub kind: String,
}

type TrainingColumns = (
    taxpayers::id,
    taxpayers::username,
    taxpayers::gstin,
    taxpayers::legal_name,
    taxpayers::trade_name,
    demo_taxpayers::kind,
);

const TRAINING_COLUMNS: TrainingColumns = (
    taxpayers::id,
    taxpayers::username,
    taxpayers::gstin,
    taxpayers::legal_name,
    taxpayers::trade_name,
    demo_taxpayers::kind,
);

/// Every taxpayer of the training data: the demo cases first, then the trainees, each
/// by username.
pub fn training_taxpayers(conn: &mut Conn) -> QueryResult<Vec<TrainingTaxpayer>> {
    demo_taxpayers::table
        .inner_join(taxpayers::table)
        .order((demo_taxpayers::kind.asc(), taxpayers::username.asc()))
        .select(TRAINING_COLUMNS)
        .fetch_all(conn)
}

/// The taxpayer of the training data with `username`, if there is one.
pub fn training_taxpayer(conn: &mut Conn, username: &str) -> QueryResult<Option<TrainingTaxpayer>> {
    demo_taxpayers::table
        .inner_join(taxpayers::table)
        .filter(taxpayers::username.eq(username))
        .select(TRAINING_COLUMNS)
        .fetch_one(conn)
        .optional()
}

/// The kind of training data `taxpayer` is ([`DEMO`] or [`TRAINEE`]), if any.
pub fn kind_of(conn: &mut Conn, taxpayer: TaxpayerId) -> QueryResult<Option<String>> {
    demo_taxpayers::table
        .find(taxpayer.0)
        .select(demo_taxpayers::kind)
        .fetch_one(conn)
        .optional()
}
