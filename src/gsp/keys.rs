//! The simulator's RSA private key at work: read from its PEM once per stored key,
//! and used on a few threads of its own with a short queue.
//!
//! Opening an app key is a blinded RSA decryption, milliseconds of CPU that anyone
//! with the public demo client's credentials can ask for. So the work runs on
//! [`Workers`] below the web workers' priority, fewer threads than cores, behind a
//! queue that refuses at once when full: a flood of app keys then waits its turn or
//! is turned away, and pages keep the cores they need.

use std::sync::{Arc, Mutex};

use crate::db::models::gsp_key::StoredKey;
use crate::error::AppError;
use crate::workers::{Busy, Workers};

use super::wire::{Key, KeyPair, Undecipherable};

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
        let pem = include_str!("test_key.pem");
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
