//! Group commit: the process's one writer. Writes queue here; the writer thread takes
//! every write that is waiting (up to [`MOST_PER_COMMIT`]), runs each in a savepoint of
//! one write transaction ([`super::begin_write`]), commits once, and only then answers
//! each of them. A commit costs one sync of the disk (SQLite with `synchronous =
//! FULL`, PostgreSQL's WAL flush), so under load many writes share a sync instead of
//! each paying for its own, and every answered write is on the disk before its
//! answer. A write that fails rolls back its savepoint alone: the others in the commit
//! are not touched.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use diesel::Connection;

use super::{Conn, Lender};
use crate::error::{connection_lost, AppError};

/// The most writes one commit holds; the rest wait for the next.
const MOST_PER_COMMIT: usize = 128;

/// Why a commit failed: whether the database was away, and what happened.
#[derive(Clone)]
pub(super) struct Failure {
    away: bool,
    why: String,
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        if f.away {
            AppError::DatabaseAway(f.why)
        } else {
            AppError::Unexpected(anyhow::anyhow!(f.why))
        }
    }
}

/// What the writer does with a write once its commit has ended: answer the request,
/// with the write's own result when the commit held, or with the commit's failure.
type Answer = Box<dyn FnOnce(Result<(), Failure>) + Send>;

/// One queued write. It is run with the writer's connection, or with none when no
/// connection could be had, and gives back how to answer it.
pub(super) type Job = Box<dyn FnOnce(Option<&mut Conn>) -> Answer + Send>;

/// Starts the writer thread over `connections`; it ends when every sender is dropped.
pub(super) fn start(connections: Lender) -> std::io::Result<mpsc::Sender<Job>> {
    let (sender, jobs) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("db-writer".to_string())
        .spawn(move || {
            while let Ok(first) = jobs.recv() {
                let mut batch = vec![first];
                while batch.len() < MOST_PER_COMMIT {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                commit(&connections, batch);
            }
        })?;
    Ok(sender)
}

fn commit(connections: &Lender, batch: Vec<Job>) {
    let mut conn = match connections.lend() {
        Ok(conn) => conn,
        Err(e) => {
            let failure = Failure {
                away: true,
                why: format!("no database connection: {e}"),
            };
            for job in batch {
                job(None)(Err(failure.clone()));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let outcome = super::atomic(&mut conn, |conn| {
        for job in jobs.by_ref() {
            // A panic is a bug in that write; the commit is given up (nothing in it
            // was answered yet) and the writer lives on for the next one.
            match catch_unwind(AssertUnwindSafe(|| job(Some(conn)))) {
                Ok(answer) => answers.push(answer),
                Err(_) => {
                    return Err(diesel::result::Error::QueryBuilderError(
                        "a database write panicked".into(),
                    ))
                }
            }
        }
        Ok(())
    });
    let verdict = outcome.map_err(|e| Failure {
        away: connection_lost(&e),
        why: format!("the commit failed: {e}"),
    });
    if verdict.as_ref().is_err_and(|f| f.away) {
        connections.lost(&mut conn);
    }
    for answer in answers {
        answer(verdict.clone());
    }
    // Writes the panic cut off never ran; they are told so.
    for job in jobs {
        job(None)(Err(Failure {
            away: false,
            why: "an earlier write in its commit failed".to_string(),
        }));
    }
}

/// Wraps `work` as a queued write whose result goes to `answer`.
pub(super) fn job<T, E, F>(
    work: F,
    answer: tokio::sync::oneshot::Sender<Result<T, AppError>>,
) -> Job
where
    F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    E: Into<AppError> + Send + 'static,
    T: Send + 'static,
{
    Box::new(move |conn| {
        let result = match conn {
            // The write's own savepoint: its failure undoes its statements only.
            Some(conn) => conn.transaction(|conn| work(conn).map_err(Into::into)),
            None => Err(AppError::Unexpected(anyhow::anyhow!(
                "the write did not run"
            ))),
        };
        Box::new(move |committed: Result<(), Failure>| {
            let result = match committed {
                Ok(()) => result,
                Err(failure) => Err(failure.into()),
            };
            // The request may be gone; its write is committed all the same.
            let _ = answer.send(result);
        })
    })
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use futures_util::future::join_all;

    use crate::db::schema::app_settings;
    use crate::db::{self, Pool, Run};

    /// Writes a row named `first`, then one named `name`, as one write.
    async fn put_two(
        pool: &Pool,
        first: String,
        name: String,
    ) -> Result<usize, crate::error::AppError> {
        db::write(pool, move |conn| {
            for name in [first, name] {
                diesel::insert_into(app_settings::table)
                    .values((app_settings::name.eq(name), app_settings::value.eq("v")))
                    .exec(conn)?;
            }
            Ok::<_, diesel::result::Error>(2)
        })
        .await
    }

    async fn put(pool: &Pool, name: String) -> Result<usize, crate::error::AppError> {
        db::write(pool, move |conn| {
            diesel::insert_into(app_settings::table)
                .values((app_settings::name.eq(name), app_settings::value.eq("v")))
                .exec(conn)
        })
        .await
    }

    fn count(pool: &Pool) -> i64 {
        app_settings::table
            .filter(app_settings::name.like("w%"))
            .count()
            .fetch_one(&mut pool.get().unwrap())
            .unwrap()
    }

    #[actix_web::test]
    async fn writes_at_once_are_all_answered_and_one_failing_spoils_none_of_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("writer.db");
        let pool = db::open(&path.as_path().into()).unwrap();
        put(&pool, "w-taken".to_string()).await.unwrap();
        // Every tenth write breaks the primary key with its second row and must fail
        // alone, its first row undone with it.
        let results = join_all((0..200).map(|i| {
            let second = if i % 10 == 0 {
                "w-taken".to_string()
            } else {
                format!("w{i}b")
            };
            let pool = pool.clone();
            async move { put_two(&pool, format!("w{i}a"), second).await }
        }))
        .await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(failed, 20, "exactly the key-breaking writes failed");
        assert_eq!(
            count(&pool),
            1 + 180 * 2,
            "no half of a failed write is left"
        );
        // Every answered write is in the file: a new pool (a restarted portal) sees them.
        drop(pool);
        assert_eq!(count(&db::open(&path.as_path().into()).unwrap()), 361);
    }

    #[actix_web::test]
    async fn a_write_that_panics_is_refused_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::open(&dir.path().join("writer.db").into()).unwrap();
        let panicked = db::write(&pool, |_conn| -> QueryResult<()> {
            panic!("a bug in a write")
        })
        .await;
        assert!(panicked.is_err());
        put(&pool, "w-after".to_string()).await.unwrap();
        assert_eq!(count(&pool), 1);
    }
}
