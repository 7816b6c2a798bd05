//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, random salt).
//!
//! Hashing is slow on purpose, so it runs on actix's blocking pool, and at most one
//! hash per core runs at a time: a flood of logins then uses a bounded amount of
//! memory and leaves the async workers free to serve pages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Longest password accepted for hashing; longer input is refused before any work.
pub const MAX_PASSWORD_BYTES: usize = 128;

fn argon2() -> Argon2<'static> {
    // These parameters are constants inside the valid range, so `new` cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a fresh random salt into a PHC string.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("could not hash the password")
}

/// Whether `password` matches the PHC string `hash`. A malformed stored hash is an
/// error, not a mismatch, so that a broken row is noticed.
pub fn verify(hash: &str, password: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("a stored password hash is malformed")?;
    Ok(argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A short, stable fingerprint of a stored hash, kept in each session made with it.
/// A new password means a new hash (with a new salt), so every session made with an
/// older password no longer matches and is ended at its next request.
pub fn fingerprint(hash: &str) -> String {
    let mut digest = crate::auth::sha256_hex(hash);
    digest.truncate(32);
    digest
}

/// A hash of a random password, checked against when the username is unknown so that
/// an unknown username costs the same time as a wrong password.
fn dummy_hash() -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash(&crate::auth::random_hex(16))?;
    Ok(DUMMY.get_or_init(|| h))
}

/// Runs argon2 work off the async workers, at most `permits` at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl Hasher {
    pub fn new(permits: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
            finished: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many hashes or verifications have run to the end.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }

    /// The most hashes that ever ran at the same time.
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// One hash at a time per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("the hashing semaphore was closed")?;
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(running, Ordering::SeqCst);
        let result = actix_web::web::block(work).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(result.context("the hashing thread failed")??)
    }

    /// Checks a login: against `stored` when the taxpayer exists, against a dummy hash
    /// otherwise (always false then).
    pub async fn verify_login(
        &self,
        stored: Option<String>,
        password: String,
    ) -> Result<bool, AppError> {
        self.run(move || match stored {
            Some(hash) => verify(&hash, &password),
            None => verify(dummy_hash()?, &password).map(|_| false),
        })
        .await
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash(&password)).await
    }

    /// Computes the dummy hash now, so the first unknown-username login is not faster.
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.run(|| dummy_hash().map(drop)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_the_chosen_cost() {
        let h = hash("Gst@2026a").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&h, "Gst@2026a").unwrap());
        assert!(!verify(&h, "Gst@2026b").unwrap());
    }

    #[test]
    fn salts_every_hash() {
        assert_ne!(hash("Gst@2026a").unwrap(), hash("Gst@2026a").unwrap());
    }

    #[test]
    fn a_malformed_hash_is_an_error() {
        assert!(verify("not a hash", "x").is_err());
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash() {
        let dummy = dummy_hash().unwrap();
        assert!(dummy.starts_with("$argon2id$"));
        assert!(!verify(dummy, "").unwrap());
    }
}
