//! Who is logged in: password hashing, the server-side session store, the typed
//! session and the guard that pages use to require a taxpayer.

pub mod address_limit;
pub mod captcha;
pub mod csrf;
pub mod guard;
pub mod login;
pub mod password;
pub mod session;
pub mod session_store;
pub mod visitor;

/// The trainer console's credential: the password (printed at start) and its argon2id
/// hash, which is what logins are checked against and what trainer sessions are tied
/// to.
pub struct TrainerCredential {
    pub password: secrecy::SecretString,
    pub hash: String,
}

/// Random bytes as lower-case hex, for session keys, tokens and secrets.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(&buf)
}

/// The SHA-256 of `text` in lower-case hex: how session keys, auth tokens and client
/// secrets (all long random values) are kept.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether two texts are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
