//! Which taxpayers belong to the training data: the demo cases and trainees. Only
//! they may use the sandbox OTP, and only in demo mode.

use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::demo_taxpayers;
use crate::db::Conn;

/// A demo case of the seeded data.
pub const DEMO: &str = "demo";
/// A trainee made by the trainer for a classroom.
pub const TRAINEE: &str = "trainee";

/// Marks `taxpayer` as training data of `kind`.
pub fn mark(conn: &mut Conn, taxpayer: TaxpayerId, kind: &str) -> QueryResult<()> {
    diesel::insert_into(demo_taxpayers::table)
        .values((
            demo_taxpayers::taxpayer_id.eq(taxpayer.0),
            demo_taxpayers::kind.eq(kind),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(drop)
}

/// Whether `taxpayer` belongs to the training data.
pub fn is_marked(conn: &mut Conn, taxpayer: TaxpayerId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(demo_taxpayers::table.find(taxpayer.0))).get_result(conn)
}

/// The kind of training data `taxpayer` is ([`DEMO`] or [`TRAINEE`]), if any.
pub fn kind_of(conn: &mut Conn, taxpayer: TaxpayerId) -> QueryResult<Option<String>> {
    demo_taxpayers::table
        .find(taxpayer.0)
        .select(demo_taxpayers::kind)
        .get_result(conn)
        .optional()
}
