//! One connection type over the backends this build has: SQLite always, PostgreSQL
//! with the `postgres` feature. Diesel's `MultiConnection` gives it connections,
//! transactions and migrations for both. Queries are written once, with Diesel's
//! builder, and run through [`Run`] on the backend's own connection; the few that
//! [`Run`] cannot take go through [`per_backend!`](crate::per_backend).
//!
//! The derive cannot skip a variant by `cfg`, so the enum is written out for each
//! feature set.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::query_dsl::LoadQuery;
#[cfg(feature = "postgres")]
use diesel::PgConnection;
use diesel::{QueryResult, SqliteConnection};

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
/// statements that differ in text per backend (`ON CONFLICT`), for queries whose type
/// names the backend (a select of `as_select()`, which must be built in each arm), and
/// for what [`Run`] does not cover (`load_iter`). The body is the same text for every
/// backend, so a query is still written once.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {{
        // Diesel's own methods, on the backend's connection (see `Run`).
        #[allow(clippy::disallowed_methods)]
        let done = match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::Conn::Postgres($c) => $body,
        };
        done
    }};
}

/// A query that loads rows of `U` on every backend of this build.
#[cfg(not(feature = "postgres"))]
pub trait Loads<'q, U>: LoadQuery<'q, SqliteConnection, U> {}
#[cfg(not(feature = "postgres"))]
impl<'q, U, T: LoadQuery<'q, SqliteConnection, U>> Loads<'q, U> for T {}
/// A query that loads rows of `U` on every backend of this build.
#[cfg(feature = "postgres")]
pub trait Loads<'q, U>:
    LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>
{
}
#[cfg(feature = "postgres")]
impl<'q, U, T> Loads<'q, U> for T where
    T: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>
{
}

/// A statement that runs on every backend of this build.
#[cfg(not(feature = "postgres"))]
pub trait Executes: ExecuteDsl<SqliteConnection> {}
#[cfg(not(feature = "postgres"))]
impl<T: ExecuteDsl<SqliteConnection>> Executes for T {}
/// A statement that runs on every backend of this build.
#[cfg(feature = "postgres")]
pub trait Executes: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection> {}
#[cfg(feature = "postgres")]
impl<T: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>> Executes for T {}

/// Diesel's `RunQueryDsl`, run on the backend's own connection inside a [`Conn`].
///
/// Why not through `MultiConnection` itself: it renders a query's whole SQL text again
/// at every execution, even when the backend has the statement prepared and only
/// needs the new parameters. Profiles of the Manage API Access page under load put
/// about a sixth of the portal's time there (issue 17). On the backend's connection a
/// cached statement is found by the query's type and only binds its parameters.
/// `clippy.toml` forbids `RunQueryDsl`'s methods so that no query takes the slow road.
pub trait Run: Sized {
    /// Every row (Diesel's `load`).
    fn fetch_all<'q, U>(self, conn: &mut Conn) -> QueryResult<Vec<U>>
    where
        Self: Loads<'q, U>,
    {
        per_backend!(conn, |c| self.load(c))
    }

    /// The one row (Diesel's `get_result`); `NotFound` when there is none.
    fn fetch_one<'q, U>(self, conn: &mut Conn) -> QueryResult<U>
    where
        Self: Loads<'q, U>,
    {
        per_backend!(conn, |c| self.get_result(c))
    }

    /// Runs a statement; the number of rows it changed (Diesel's `execute`).
    fn exec(self, conn: &mut Conn) -> QueryResult<usize>
    where
        Self: Executes,
    {
        per_backend!(conn, |c| ExecuteDsl::execute(self, c))
    }
}

impl<T> Run for T {}

/// Statements without parameters, each its own type so that Diesel's statement cache
/// finds them by type and prepares each once per connection (`sql_query` text is
/// prepared again at every use).
macro_rules! fixed_statements {
    ($($(#[$doc:meta])* $name:ident = $sql:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, QueryId)]
        pub(super) struct $name;

        impl<DB: Backend> QueryFragment<DB> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }
    )*};
}

fixed_statements! {
    /// Opens a transaction; on SQLite it takes no lock until the first read.
    Begin = "BEGIN";
    /// Ends the open transaction.
    Commit = "COMMIT";
}
