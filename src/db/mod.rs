//! The database: where it is, the connection pools, their settings per backend and
//! the embedded migrations. SQLite is the embedded default; PostgreSQL (with the
//! `postgres` feature) lets several portal processes share one database.

mod connection;
pub mod models;
pub mod schema;
mod writer;

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{Connection, SimpleConnection, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool as R2d2Pool, PooledConnection, R2D2Connection};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::{ExposeSecret, SecretString};

pub use connection::{Conn, Run};

use crate::error::AppError;

/// Where the portal's data lives: a SQLite file, or a PostgreSQL database named by a
/// `postgres://` (or `postgresql://`) URL in libpq's form, so `sslmode`, `options`
/// and the rest of libpq's parameters work as they do for `psql`.
#[derive(Clone)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl Database {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }
}

impl FromStr for Database {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            if s.starts_with("postgres://") || s.starts_with("postgresql://") {
                Database::Postgres(s.into())
            } else {
                Database::Sqlite(PathBuf::from(s))
            },
        )
    }
}

impl From<&Path> for Database {
    fn from(path: &Path) -> Self {
        Database::Sqlite(path.to_path_buf())
    }
}

impl From<&PathBuf> for Database {
    fn from(path: &PathBuf) -> Self {
        Database::Sqlite(path.clone())
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Self {
        Database::Sqlite(path)
    }
}

impl From<&str> for Database {
    fn from(s: &str) -> Self {
        s.parse().unwrap_or_else(|never| match never {})
    }
}

/// The file path, or the URL with any password replaced by `***`: safe for logs.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&without_password(url.expose_secret())),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
}

/// `scheme://user:secret@host/db?...` becomes `scheme://user:***@host/db?...`; a
/// `password=` parameter in the query is hidden the same way.
fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some(("password", _)) => "password=***".to_string(),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The connections handed to handlers through `web::Data`, and the queue to the
/// process's one writer.
///
/// SQLite lets one writer in at a time. Writers that find the lock taken wait in
/// SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and may miss
/// the moment the lock comes free: under a burst of Confirms a few waited a second.
/// Writes of this process therefore go to one writer thread ([`write`]), which
/// commits all that are waiting together (group commit, see `writer.rs`); a waiting
/// write holds no thread. On PostgreSQL the same writer runs, and every commit first
/// takes one database-wide lock (see [`begin_write`]), so the writers of all portal
/// processes on the database take turns as this process's writes do.
#[derive(Clone)]
pub struct Pool {
    connections: Lender,
    /// Connections on which the database refuses any write (SQLite's `query_only`,
    /// PostgreSQL's read-only transactions), for [`run`]: work that writes without
    /// taking the writer's turn fails loudly instead.
    readers: Lender,
    /// Whether the reads of one request share a read transaction: on SQLite (see
    /// [`sharing_reads`]).
    shares_reads: bool,
    writer: std::sync::mpsc::Sender<writer::Job>,
}

/// A pool that, for a while after one of its connections was found dead, checks each
/// connection before lending it. A connection to a server goes dead when the server
/// restarts; checking every connection every time would cost a round trip per
/// borrow (a third of the page rate on PostgreSQL), and not checking would fail one
/// request for each dead connection left in the pool once the server is back.
#[derive(Clone)]
struct Lender {
    pool: R2d2Pool<Manager>,
    /// When a dead connection was last seen, in seconds since the epoch; 0: never.
    lost_at: Arc<AtomicU64>,
}

impl Lender {
    /// How long after a dead connection every borrow is checked.
    const WATCH_SECONDS: u64 = 60;

    /// Lends from `pool`; `lost_at` is shared by the pools of one server, since a
    /// restart kills the connections of all of them.
    fn new(pool: R2d2Pool<Manager>, lost_at: &Arc<AtomicU64>) -> Self {
        Lender {
            pool,
            lost_at: lost_at.clone(),
        }
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// A connection, checked first while dead ones have been seen lately; a dead one
    /// is closed and another tried, as many times as the pool has connections.
    fn lend(&self) -> Result<PooledConnection<Manager>, diesel::r2d2::PoolError> {
        let watching =
            Self::now().saturating_sub(self.lost_at.load(Ordering::Relaxed)) < Self::WATCH_SECONDS;
        let mut conn = self.pool.get()?;
        if !watching {
            return Ok(conn);
        }
        for _ in 0..self.pool.max_size() {
            if conn.ping().is_ok() {
                break;
            }
            drop_when_returned(&mut conn);
            conn = self.pool.get()?;
        }
        Ok(conn)
    }

    /// `conn` was found dead: it is closed when returned, and borrows are checked for
    /// a while.
    fn lost(&self, conn: &mut Conn) {
        self.lost_at.store(Self::now(), Ordering::Relaxed);
        drop_when_returned(conn);
    }
}

impl Pool {
    /// A connection from the pool, waiting for one if all are in use.
    pub fn get(&self) -> Result<PooledConnection<Manager>, diesel::r2d2::PoolError> {
        self.connections.lend()
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The key of the PostgreSQL advisory lock on which writers take turns.
#[cfg(feature = "postgres")]
const WRITER_LOCK: i64 = 0x6773_7470_0002;

/// Opens connections to one database and prepares each: SQLite's pragmas, or
/// PostgreSQL's session settings.
///
/// SQLite: `busy_timeout` comes first so that the pragmas after it wait for a lock
/// instead of failing. WAL lets readers go on while one writer commits. `synchronous
/// = FULL` syncs the WAL at every commit, so a Confirm that was acknowledged survives
/// a power cut as well as a crash of the process.
///
/// PostgreSQL: a statement may run 30 seconds unless the URL sets another
/// `statement_timeout` (`?options=-c%20statement_timeout%3D5s`); times are UTC.
#[derive(Debug)]
pub struct Manager {
    database: Database,
    read_only: bool,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        use diesel::r2d2::Error::{ConnectionError, QueryError};
        match &self.database {
            Database::Sqlite(path) => {
                let url = path.to_str().ok_or_else(|| {
                    ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
                        "the database path is not valid UTF-8".into(),
                    ))
                })?;
                let mut conn = SqliteConnection::establish(url).map_err(ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA synchronous = FULL;",
                )
                .map_err(QueryError)?;
                if self.read_only {
                    conn.batch_execute("PRAGMA query_only = ON;")
                        .map_err(QueryError)?;
                }
                Ok(Conn::Sqlite(conn))
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url.expose_secret())
                    .map_err(ConnectionError)?;
                conn.batch_execute(
                    "SET TIME ZONE 'UTC';
                     DO $$ BEGIN
                       IF current_setting('statement_timeout') = '0' THEN
                         SET statement_timeout = '30s';
                       END IF;
                     END $$;",
                )
                .map_err(QueryError)?;
                if self.read_only {
                    conn.batch_execute("SET default_transaction_read_only = on;")
                        .map_err(QueryError)?;
                }
                Ok(Conn::Postgres(conn))
            }
            #[cfg(not(feature = "postgres"))]
            Database::Postgres(_) => Err(ConnectionError(
                diesel::ConnectionError::InvalidConnectionUrl(
                    "this build of the portal has no PostgreSQL support; build it with \
                     `--features postgres`"
                        .into(),
                ),
            )),
        }
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Opens the database (creating a SQLite file if needed), applies pending migrations
/// and returns a pool over it. A database that cannot be reached is an error at once.
pub fn open(database: &Database) -> anyhow::Result<Pool> {
    let remote = database.is_postgres();
    let build = |size: u32, read_only: bool| {
        R2d2Pool::builder()
            .max_size(size)
            // A local file is there or not; a server that is away should turn into a
            // "try again" page soon rather than a request that hangs.
            .connection_timeout(Duration::from_secs(if remote { 5 } else { 30 }))
            // A server's connections are opened as they are needed, not all at start:
            // each costs the server a process.
            .min_idle(remote.then_some(1))
            // r2d2 could run `SELECT 1` before lending each connection; `Lender` does
            // so only while dead connections are about.
            .test_on_check_out(false)
            .build_unchecked(Manager {
                database: database.clone(),
                read_only,
            })
    };
    // SQLite's writers take turns anyway; the other connections serve start-up work
    // and the command line beside a running writer.
    let lost_at = Arc::new(AtomicU64::new(0));
    let connections = Lender::new(build(4, false), &lost_at);
    let mut conn = connections
        .lend()
        .with_context(|| format!("could not open the database {database}"))?;
    migrate(&mut conn).context("could not apply the database migrations")?;
    Ok(Pool {
        writer: writer::start(connections.clone())
            .context("could not start the database writer")?,
        connections,
        readers: Lender::new(build(8, true), &lost_at),
        shares_reads: !remote,
    })
}

/// Applies the migrations this backend has not had yet, all in one write
/// transaction (see [`begin_write`]), so portals that start together on one database
/// take turns and the second finds nothing left to apply.
fn migrate(conn: &mut Conn) -> anyhow::Result<()> {
    atomic(conn, |conn| {
        match conn {
            Conn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop),
        }
        .map_err(|e| anyhow::anyhow!("{e}"))
    })
}

/// Runs database work that only reads, right here on the calling thread, on a
/// connection that refuses writes. Reads never wait for writers (WAL on SQLite, MVCC
/// on PostgreSQL) and take microseconds with the pages cached, so a trip to the
/// blocking pool would cost more than the read: profiles of the page under load
/// showed most time in the thread wake-ups of those trips. The work may fail with any
/// error that converts into `AppError` (Diesel's, usually). Work that could take long
/// belongs in [`write`]'s blocking pool, or in smaller reads.
///
/// On SQLite the work is one read transaction, so its statements all see one
/// snapshot, and the database's locks are taken and let go once for the work rather
/// than once per statement: those locks (a system call each, under a mutex that the
/// workers share) were a third of the page's time. On PostgreSQL each statement has
/// its own snapshot; a transaction there would cost two more round trips per read.
///
/// Inside [`sharing_reads`] (every request), the reads of a request on SQLite share
/// one such transaction until the request next waits.
pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: Into<AppError>,
{
    if pool.shares_reads && SHARED_READ.try_with(|_| ()).is_ok() {
        return SHARED_READ.with(|held| in_shared_read(pool, &mut held.borrow_mut(), work));
    }
    // The async workers are the only callers, each running one read to the end
    // before the next, so the reader pool (larger than the worker count) never makes
    // this wait unless the database is away.
    let mut conn = pool.readers.lend().map_err(AppError::from)?;
    let result = match *conn {
        Conn::Sqlite(_) => in_read_transaction(&mut conn, work),
        #[cfg(feature = "postgres")]
        Conn::Postgres(_) => work(&mut conn).map_err(Into::into),
    };
    if let Err(AppError::DatabaseAway(_)) = &result {
        pool.readers.lost(&mut conn);
    }
    result
}

tokio::task_local! {
    /// The read transaction that the reads of a request share, once one has read.
    static SHARED_READ: RefCell<Option<SharedRead>>;
}

/// Runs `request` (a request's handling, with its middleware) so that on SQLite its
/// reads share one read transaction, from its first read until it next waits, writes
/// or ends. The session's read and the page's read are then one transaction: each
/// transaction takes and lets go SQLite's read lock (a mutex the workers share and a
/// system call), which was about a tenth of the page's time under load (issue 17).
///
/// The transaction is let go each time the request waits, so a reader connection is
/// never kept across a wait: a worker holds at most one, whatever number of requests
/// wait on slow bodies, and no snapshot stays open for long. [`write`] lets it go too,
/// so a read after a write sees it. Reads in between see one snapshot, as reads in
/// one [`run`] do.
pub async fn sharing_reads<F: Future>(request: F) -> F::Output {
    let mut request = std::pin::pin!(request);
    std::future::poll_fn(|cx| {
        // The slot, and with it any transaction opened during this poll, is dropped
        // when the poll returns, be the request done or waiting.
        SHARED_READ.sync_scope(RefCell::new(None), || request.as_mut().poll(cx))
    })
    .await
}

/// A reader in a read transaction, shared by the reads of one request until dropped.
struct SharedRead(PooledConnection<Manager>);

impl Drop for SharedRead {
    fn drop(&mut self) {
        // A failure is dealt with in `end_read`; the reads that shared it are done.
        let _ = end_read(&mut self.0);
    }
}

/// `work` in the request's shared read transaction, opened now if it is not yet.
fn in_shared_read<T, E, F>(
    pool: &Pool,
    held: &mut Option<SharedRead>,
    work: F,
) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: Into<AppError>,
{
    let shared = match held {
        Some(shared) => shared,
        None => {
            let mut conn = pool.readers.lend().map_err(AppError::from)?;
            connection::Begin.exec(&mut conn)?;
            held.insert(SharedRead(conn))
        }
    };
    let result = work(&mut shared.0).map_err(Into::into);
    if let Err(AppError::DatabaseAway(_)) = &result {
        pool.readers.lost(&mut shared.0);
        *held = None;
    }
    result
}

/// Lets go of this request's shared read transaction, if it has one.
fn end_shared_read() {
    let _ = SHARED_READ.try_with(|held| held.borrow_mut().take());
}

/// Ends a read transaction. Nothing was written, so COMMIT only lets the snapshot
/// go; should it fail, the connection may still be in the transaction, and the pool
/// must not lend it again.
fn end_read(conn: &mut Conn) -> diesel::QueryResult<()> {
    let ended = connection::Commit.exec(conn).map(drop);
    if ended.is_err() {
        drop_when_returned(conn);
    }
    ended
}

/// `work` in one transaction on a reader. `BEGIN` and `COMMIT` are statements kept
/// prepared (Diesel's transaction manager would parse them anew each time, which cost
/// more than the locks saved); the work never opens transactions of its own, since
/// it only reads.
fn in_read_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: Into<AppError>,
{
    connection::Begin.exec(conn)?;
    let result = work(conn).map_err(Into::into);
    let ended = end_read(conn);
    let value = result?;
    ended?;
    Ok(value)
}

/// Marks a connection whose server went away as broken, so the pool closes it when it
/// comes back instead of lending it again.
fn drop_when_returned(conn: &mut Conn) {
    Conn::transaction_manager_status_mut(conn).set_in_error();
}

/// Whether the database answers a trivial query now.
pub async fn answers(pool: &Pool) -> bool {
    run(pool, |conn| diesel::sql_query("SELECT 1").exec(conn))
        .await
        .is_ok()
}

/// Runs database work that writes, on the process's one writer thread, in a savepoint
/// of the next group commit; the answer comes once that commit is durable. The work's
/// own transactions (see [`atomic`]) nest inside as savepoints.
pub async fn write<T, E, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    E: Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    // A read after this write must see it.
    end_shared_read();
    let (answer, answered) = tokio::sync::oneshot::channel();
    pool.writer
        .send(writer::job(work, answer))
        .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
    answered
        .await
        .map_err(|_| anyhow::anyhow!("the database writer stopped before it answered"))?
}

/// Runs `work` as one unit: in a write transaction of its own (see [`begin_write`])
/// when none is open, or in a savepoint of the one open, such as the writer's group
/// commit.
pub fn atomic<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let open = Conn::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some();
    if open {
        return conn.transaction(work);
    }
    begin_write(conn)?;
    match work(conn) {
        Ok(value) => {
            Conn::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Conn::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Opens a transaction that will write, holding the right to write from its first
/// statement so that it never fails halfway for a lock: SQLite's `BEGIN IMMEDIATE`;
/// on PostgreSQL a transaction that first takes the writers' advisory lock, which is
/// let go at its commit or rollback. Writers of every portal process on the database
/// thus take turns, and each sees all that the one before it committed: two Confirms
/// for one taxpayer are ordered, whatever instance each came to.
pub fn begin_write(conn: &mut Conn) -> diesel::QueryResult<()> {
    use diesel::connection::AnsiTransactionManager;
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        #[cfg(feature = "postgres")]
        Conn::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            &format!("BEGIN; SELECT pg_advisory_xact_lock({})", WRITER_LOCK),
        ),
    }
}
