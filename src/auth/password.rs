//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, random salt).
//!
//! Hashing is slow on purpose, so it runs on threads of its own, one per core, each
//! in a working memory kept for the next check and at a lower priority than the web
//! workers: a flood of logins then uses a bounded amount of memory and leaves the
//! async workers free to serve pages.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::password_hash::{self, PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::workers::Workers;

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
    verify_in(&mut Vec::new(), hash, password)
}

/// [`verify`], working in `memory` (grown to the size the hash asks for) instead of
/// a fresh allocation: the 19 MiB of each check then come from a few buffers kept
/// for the purpose, not from whichever thread's malloc arena ran it, which under a
/// login flood had grown the process past a gigabyte.
fn verify_in(memory: &mut Vec<Block>, hash: &str, password: &str) -> anyhow::Result<bool> {
    let malformed = |e: password_hash::Error| anyhow::anyhow!("{e}");
    let parsed = PasswordHash::new(hash)
        .map_err(malformed)
        .context("a stored password hash is malformed")?;
    let params = Params::try_from(&parsed).map_err(malformed)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(malformed)?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Version::default(),
    };
    let expected = parsed.hash.context("a stored password hash has no hash")?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .context("a stored password hash has no salt")?
        .decode_b64(&mut salt)
        .map_err(malformed)?;
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    match Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..],
    ) {
        Ok(()) => Ok(bool::from(expected.as_bytes().ct_eq(&out))),
        // Only a password argon2 cannot take (too long) gets here; it matches nothing.
        Err(_) => Ok(false),
    }
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

/// Runs argon2 work on threads of its own, one per permit, each with a working memory
/// kept from one check to the next. The threads run at a lower priority (see
/// [`Workers`]), so a flood of logins takes the cores only while pages do not need
/// them. Its queue has no bound: every check waits its turn, as it always has.
#[derive(Clone)]
pub struct Hasher {
    workers: Workers<Vec<Block>>,
}

impl Hasher {
    /// Starts `permits` hashing threads; they end when the last clone is dropped.
    pub fn new(permits: usize) -> Self {
        Hasher {
            workers: Workers::start("argon2", permits, None, Vec::new),
        }
    }

    /// How many hashes or verifications have run to the end.
    pub fn finished(&self) -> usize {
        self.workers.finished()
    }

    /// The most hashes that ever ran at the same time.
    pub fn peak_concurrency(&self) -> usize {
        self.workers.peak_concurrency()
    }

    /// One hashing thread per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let queued = self
            .workers
            .submit(work)
            .map_err(|e| anyhow::Error::new(e).context("the hashing queue has no bound"))?;
        queued.await
    }

    /// Checks a login: against `stored` when the taxpayer exists, against a dummy hash
    /// otherwise (always false then).
    pub async fn verify_login(
        &self,
        stored: Option<String>,
        password: String,
    ) -> Result<bool, AppError> {
        self.run(move |memory| match stored {
            Some(hash) => verify_in(memory, &hash, &password),
            None => verify_in(memory, dummy_hash()?, &password).map(|_| false),
        })
        .await
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move |_| hash(&password)).await
    }

    /// Computes the dummy hash now, so the first unknown-username login is not faster.
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.run(|_| dummy_hash().map(drop)).await
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
    fn a_kept_memory_checks_hashes_of_any_cost_and_stays_for_the_next() {
        let mut memory = Vec::new();
        let h = hash("Gst@2026a").unwrap();
        assert!(verify_in(&mut memory, &h, "Gst@2026a").unwrap());
        assert_eq!(memory.len(), 19 * 1024, "grown to the hash's 19 MiB");
        assert!(!verify_in(&mut memory, &h, "Gst@2026b").unwrap());
        // A hash made with other parameters (an older, cheaper one) still checks.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let old = cheap
            .hash_password(b"Old@2025a", &salt)
            .unwrap()
            .to_string();
        assert!(verify_in(&mut memory, &old, "Old@2025a").unwrap());
        assert!(!verify_in(&mut memory, &old, "Old@2025b").unwrap());
        assert_eq!(memory.len(), 19 * 1024, "kept, not shrunk");
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
