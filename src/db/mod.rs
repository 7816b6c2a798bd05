//! The SQLite database: the connection pool, its pragmas and the embedded migrations.

pub mod models;
pub mod schema;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool as R2d2Pool};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// A pooled SQLite connection as the query functions take it.
pub type Conn = SqliteConnection;
/// The pool handed to handlers through `web::Data`.
pub type Pool = R2d2Pool<ConnectionManager<SqliteConnection>>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Sets the pragmas on every connection the pool opens.
///
/// `busy_timeout` comes first so that the pragmas after it wait for a lock instead of
/// failing. WAL lets readers go on while one writer commits. `synchronous = FULL`
/// syncs the WAL at every commit, so a Confirm that was acknowledged survives a power
/// cut as well as a crash of the process; the cost is one fsync per write, which this
/// low-write workload can afford.
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000;
             PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = FULL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating if needed) the database file, applies pending migrations and
/// returns a pool over it.
pub fn open(path: &Path) -> anyhow::Result<Pool> {
    let url = path
        .to_str()
        .with_context(|| format!("the database path {} is not valid UTF-8", path.display()))?;
    let pool = R2d2Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(30))
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .with_context(|| format!("could not open the database {}", path.display()))?;
    let mut conn = pool.get().context("could not take a database connection")?;
    conn.run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("could not apply the database migrations")?;
    Ok(pool)
}

/// Runs blocking database work on actix's thread pool, off the async workers.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(anyhow::Error::from)?;
        work(&mut conn)
    })
    .await
    .map_err(anyhow::Error::from)?
}
