//! One connection type over the backends this build has: SQLite always, PostgreSQL
//! with the `postgres` feature. Diesel's `MultiConnection` lets every query be written
//! once; the few statements it cannot express for both (upserts) go through
//! [`per_backend!`](crate::per_backend).
//!
//! The derive cannot skip a variant by `cfg`, so the enum is written out for each
//! feature set.

#[cfg(feature = "postgres")]
use diesel::PgConnection;
use diesel::SqliteConnection;

/// A connection to the portal's database, whichever backend it is on.
#[cfg(feature = "postgres")]
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// A connection to the portal's database (this build has SQLite only).
#[cfg(not(feature = "postgres"))]
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection inside `$conn`, for
/// statements `MultiConnection` cannot build, such as `ON CONFLICT`. The body is the
/// same text for every backend, so a query is still written once.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
