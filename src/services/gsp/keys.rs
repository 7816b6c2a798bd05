//! The simulator's RSA key pair: made, kept and rotated in the database, read from
//! its PEM once per stored key, and used on a few threads of its own with a short
//! queue.
//!
//! Opening an app key is a blinded RSA decryption, milliseconds of CPU that anyone
//! with the public demo client's credentials can ask for. So the work runs on
//! [`Workers`] below the web workers' priority, fewer threads than cores, behind a
//! queue that refuses at once when full: a flood of app keys then waits its turn or
//! is turned away, and pages keep the cores they need.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::db::models::gsp_key::{self, StoredKey};
use crate::db::models::gsp_session::{self, ENDED_BY_KEY_ROTATION};
use crate::db::{self, Conn};
use crate::domain::gsp::ApiFailure;
use crate::error::AppError;
use crate::gsp::wire::{Key, KeyPair, Undecipherable};
use crate::state::Portal;
use crate::workers::{Busy, Workers};

use super::ApiError;

/// Jobs that may wait for a decrypting thread; more are refused. A few
/// milliseconds of work each, so a full queue is a short wait.
pub const QUEUE_LIMIT: usize = 16;

/// Why a key job was not done.
#[derive(Debug, thiserror::Error)]
pub enum KeyJobError {
    /// The queue was full: nothing was done.
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Fault(#[from] AppError),
}

/// The parsed key of one stored key row, known by the row's id: rows are never
/// changed, a new key is a new row (`gsp-key rotate`), so a new id is all any
/// portal needs to see to read the key again.
type Parsed = Option<(i32, Arc<KeyPair>)>;

/// The private key parsed once, and the threads that use it. One per process.
#[derive(Clone)]
pub struct Decrypter {
    parsed: Arc<Mutex<Parsed>>,
    workers: Workers<()>,
}

impl Decrypter {
    /// `threads` decrypting threads (at least one) behind a queue of `queue_limit`.
    pub fn new(threads: usize, queue_limit: usize) -> Self {
        Decrypter {
            parsed: Arc::new(Mutex::new(None)),
            workers: Workers::start("rsa", threads, Some(queue_limit), || ()),
        }
    }

    /// One thread fewer than the cores (one on one or two), so that a flood of app
    /// keys never takes every core from the pages.
    pub fn below_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores.saturating_sub(1).max(1), QUEUE_LIMIT)
    }

    /// The decrypting threads, whose queue tests fill.
    pub fn workers(&self) -> &Workers<()> {
        &self.workers
    }

    /// Runs `work` with the key pair of `stored` on a decrypting thread, parsing the
    /// PEM only when `stored` is not the key parsed last.
    pub async fn with_pair<T: Send + 'static>(
        &self,
        stored: StoredKey,
        work: impl FnOnce(&KeyPair) -> T + Send + 'static,
    ) -> Result<T, KeyJobError> {
        let parsed = Arc::clone(&self.parsed);
        let job = self.workers.submit(move |()| {
            let pair = pair_of(&parsed, &stored)?;
            Ok(work(&pair))
        })?;
        Ok(job.await?)
    }

    /// The public key of `stored` as PEM: at once when its pair is parsed already
    /// (encoding it is cheap), else parsed on a decrypting thread.
    pub async fn public_pem(&self, stored: StoredKey) -> Result<String, KeyJobError> {
        let kept = match &*self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some((id, pair)) if *id == stored.id => Some(Arc::clone(pair)),
            _ => None,
        };
        let pem = match kept {
            Some(pair) => pair.public_pem(),
            None => self.with_pair(stored, |pair| pair.public_pem()).await?,
        };
        Ok(pem.map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?)
    }

    /// Opens an app key sealed with the public key of `stored`.
    pub async fn open_app_key(
        &self,
        stored: StoredKey,
        sealed: String,
    ) -> Result<Result<Key, Undecipherable>, KeyJobError> {
        self.with_pair(stored, move |pair| pair.open_app_key(&sealed))
            .await
    }
}

/// The parsed pair of `stored`: the kept one when it is of the same row.
fn pair_of(parsed: &Mutex<Parsed>, stored: &StoredKey) -> anyhow::Result<Arc<KeyPair>> {
    if let Some((id, pair)) = &*parsed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        if *id == stored.id {
            return Ok(Arc::clone(pair));
        }
    }
    // Parsed outside the lock: the other threads go on with the old key meanwhile.
    let pair = Arc::new(KeyPair::from_pem(&stored.private_key_pem)?);
    *parsed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((stored.id, Arc::clone(&pair)));
    Ok(pair)
}

/// A new RSA key pair with its certificate, as PEM texts: (private key, certificate).
/// Slow; run it outside any transaction, on the blocking pool.
pub fn make_key_pair() -> anyhow::Result<(String, String)> {
    let pair = KeyPair::generate().context("generating the GSP RSA key")?;
    let private = pair.private_pem().context("encoding the GSP RSA key")?;
    let certificate = pair
        .certificate_pem()
        .context("making the GSP certificate")?;
    Ok((private, certificate))
}

/// Keeps `made` (from [`make_key_pair`]) as the key pair unless one exists already
/// (another request made one meanwhile); returns the pair in use.
pub fn keep_key_pair(
    conn: &mut Conn,
    made: &(String, String),
    now: DateTime<Utc>,
) -> QueryResult<StoredKey> {
    db::atomic(conn, |conn| {
        if let Some(current) = gsp_key::current(conn)? {
            return Ok(current);
        }
        gsp_key::install(conn, &made.0, &made.1, now)?;
        gsp_key::current(conn)?.ok_or(diesel::result::Error::NotFound)
    })
}

/// Replaces the key pair with `made` and ends every open session of the encrypted
/// clients, whose app keys came through the old key; returns how many ended.
pub fn rotate_key_pair(
    conn: &mut Conn,
    made: &(String, String),
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    db::atomic(conn, |conn| {
        gsp_key::install(conn, &made.0, &made.1, now)?;
        gsp_session::end_for_encrypted_clients(conn, now, ENDED_BY_KEY_ROTATION)
    })
}

/// The key pair in use, made now if there is none yet (for the command line).
pub fn key_pair(conn: &mut Conn, now: DateTime<Utc>) -> anyhow::Result<StoredKey> {
    if let Some(current) = gsp_key::current(conn)? {
        return Ok(current);
    }
    let made = make_key_pair()?;
    Ok(keep_key_pair(conn, &made, now)?)
}

/// The public half of a stored pair as a PEM `PUBLIC KEY`.
pub fn public_key_pem(stored: &StoredKey) -> anyhow::Result<String> {
    let pair = KeyPair::from_pem(&stored.private_key_pem).context("reading the GSP RSA key")?;
    pair.public_pem().context("encoding the GSP public key")
}

/// The simulator's RSA key pair, made (on the blocking pool) if there is none yet.
pub async fn server_key(portal: &Portal) -> Result<StoredKey, AppError> {
    if let Some(current) = db::run(&portal.pool, gsp_key::current).await? {
        return Ok(current);
    }
    let made = actix_web::web::block(make_key_pair)
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("blocking pool: {e}")))??;
    let now = portal.clock.now();
    db::write(&portal.pool, move |conn| keep_key_pair(conn, &made, now)).await
}

/// Opens an app key sealed with the simulator's public key, on the decrypting
/// threads: AUTH4036 if it does not open, SIM503 when their queue is full.
pub async fn open_app_key(portal: &Portal, sealed: String) -> Result<Key, ApiError> {
    let stored = server_key(portal).await?;
    match portal.decrypter.open_app_key(stored, sealed).await {
        Ok(opened) => Ok(opened.map_err(|_| ApiFailure::InvalidAppKey)?),
        Err(KeyJobError::Busy(_)) => Err(ApiFailure::Busy.into()),
        Err(KeyJobError::Fault(e)) => Err(ApiError::Fault(e)),
    }
}

/// The public key of the simulator's pair as PEM, for download; `Ok(None)` when the
/// decrypting threads are too busy to read the key just now.
pub async fn public_pem(portal: &Portal) -> Result<Option<String>, AppError> {
    let stored = server_key(portal).await?;
    match portal.decrypter.public_pem(stored).await {
        Ok(pem) => Ok(Some(pem)),
        Err(KeyJobError::Busy(_)) => Ok(None),
        Err(KeyJobError::Fault(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: i32, pem: &str) -> StoredKey {
        StoredKey {
            id,
            private_key_pem: pem.to_string(),
            certificate_pem: String::new(),
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn the_pem_is_read_once_per_stored_key() {
        let pem = include_str!("../../gsp/test_key.pem");
        let parsed = Mutex::new(None);
        let first = pair_of(&parsed, &stored(1, pem)).unwrap();
        // The same row again: the kept key, even were its text unreadable now.
        let again = pair_of(&parsed, &stored(1, "not a key")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // Another row is read.
        assert!(pair_of(&parsed, &stored(2, "not a key")).is_err());
        let other = pair_of(&parsed, &stored(3, pem)).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
    }
}
