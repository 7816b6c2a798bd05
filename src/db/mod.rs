//! The SQLite database: the connection pool, its pragmas and the embedded migrations.

pub mod models;
pub mod schema;
mod writer;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool as R2d2Pool, PooledConnection};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// A pooled SQLite connection as the query functions take it.
pub type Conn = SqliteConnection;
/// The connections handed to handlers through `web::Data`, and the queue to the
/// process's one writer.
///
/// SQLite lets one writer in at a time. Writers that find the lock taken wait in
/// SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and may miss
/// the moment the lock comes free: under a burst of Confirms a few waited a second.
/// Writes of this process therefore go to one writer thread ([`write`]), which
/// commits all that are waiting together (group commit, see `writer.rs`); a waiting
/// write holds no thread. `busy_timeout` still covers other processes (the command
/// line, a second server) on the same file.
#[derive(Clone)]
pub struct Pool {
    connections: R2d2Pool<ConnectionManager<SqliteConnection>>,
    /// Connections on which SQLite refuses any write (`query_only`), for [`run`]:
    /// work that writes without taking the writer's turn fails loudly instead.
    readers: R2d2Pool<ConnectionManager<SqliteConnection>>,
    writer: std::sync::mpsc::Sender<writer::Job>,
}

impl Pool {
    /// A connection from the pool, waiting for one if all are in use.
    pub fn get(
        &self,
    ) -> Result<PooledConnection<ConnectionManager<SqliteConnection>>, diesel::r2d2::PoolError>
    {
        self.connections.get()
    }
}

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Sets the pragmas on every connection the pool opens.
///
/// `busy_timeout` comes first so that the pragmas after it wait for a lock instead of
/// failing. WAL lets readers go on while one writer commits. `synchronous = FULL`
/// syncs the WAL at every commit, so a Confirm that was acknowledged survives a power
/// cut as well as a crash of the process; the cost is one fsync per write, which this
/// low-write workload can afford.
#[derive(Debug, Clone, Copy)]
struct Pragmas {
    read_only: bool,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000;
             PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = FULL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)?;
        if self.read_only {
            conn.batch_execute("PRAGMA query_only = ON;")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Opens (creating if needed) the database file, applies pending migrations and
/// returns a pool over it.
pub fn open(path: &Path) -> anyhow::Result<Pool> {
    let url = path
        .to_str()
        .with_context(|| format!("the database path {} is not valid UTF-8", path.display()))?;
    let build = |size: u32, read_only: bool| {
        R2d2Pool::builder()
            .max_size(size)
            .connection_timeout(Duration::from_secs(30))
            // r2d2 would run `SELECT 1` (parsed anew each time) before lending a
            // connection; a connection to a local file does not go stale, and a
            // broken one fails its query with an error anyway.
            .test_on_check_out(false)
            .connection_customizer(Box::new(Pragmas { read_only }))
            .build(ConnectionManager::<SqliteConnection>::new(url))
            .with_context(|| format!("could not open the database {}", path.display()))
    };
    // Writers take turns anyway; the other connections serve start-up work and the
    // command line beside a running writer.
    let connections = build(4, false)?;
    let mut conn = connections
        .get()
        .context("could not take a database connection")?;
    conn.run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("could not apply the database migrations")?;
    Ok(Pool {
        writer: writer::start(connections.clone())
            .context("could not start the database writer")?,
        connections,
        readers: build(8, true)?,
    })
}

/// Runs database work that only reads, right here on the calling thread, on a
/// connection that refuses writes. Reads never wait for writers (WAL) and take
/// microseconds with the pages cached, so a trip to the blocking pool would cost more
/// than the read: profiles of the page under load showed most time in the thread
/// wake-ups of those trips. The work may fail with any error that converts into
/// `AppError` (Diesel's, usually). Work that could take long belongs in [`write`]'s
/// blocking pool, or in smaller reads.
pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: Into<AppError>,
{
    // The async workers are the only callers, each running one read to the end
    // before the next, so the reader pool (larger than the worker count) never makes
    // this wait.
    let mut conn = pool.readers.get().map_err(anyhow::Error::from)?;
    work(&mut conn).map_err(Into::into)
}

/// Runs database work that writes, on the process's one writer thread, in a savepoint
/// of the next group commit; the answer comes once that commit is on the disk. The
/// work's own transactions (see [`atomic`]) nest inside as savepoints.
pub async fn write<T, E, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    E: Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    let (answer, answered) = tokio::sync::oneshot::channel();
    pool.writer
        .send(writer::job(work, answer))
        .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
    answered
        .await
        .map_err(|_| anyhow::anyhow!("the database writer stopped before it answered"))?
}

/// Runs `work` as one unit: in an immediate transaction (the write lock taken at
/// once, so it never fails halfway for a lock) when none is open, or in a savepoint
/// of the one open, such as the writer's group commit.
pub fn atomic<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
    let open = AnsiTransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some();
    if open {
        conn.transaction(work)
    } else {
        conn.immediate_transaction(work)
    }
}
