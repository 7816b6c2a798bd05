//! The trainer console's password, when none is configured, and the end of the
//! trainer login's locks.

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::db::models::login_throttle;
use crate::db::models::security_event::{EventKind, TrainerAct};
use crate::db::Conn;

/// Ends every lock of the trainer login (each address has its own) and forgets its
/// failures, with the security event of `act`. Returns how many locks were running.
pub fn end_trainer_locks(
    conn: &mut Conn,
    now: DateTime<Utc>,
    act: &TrainerAct,
) -> QueryResult<usize> {
    crate::db::atomic(conn, |conn| {
        let ended = login_throttle::end_trainer_locks(conn, now)?;
        let what = format!("ended {ended} lock(s) of the trainer login");
        act.record(conn, EventKind::TrainerLocksEnded, None, &what)?;
        Ok(ended)
    })
}

/// A fresh trainer password that satisfies the portal's rule: two words of letters, a
/// digit pair and a symbol, 12 characters.
pub fn new_trainer_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let upper = |r: &mut rand::rngs::ThreadRng| (b'A' + r.random_range(0..26)) as char;
    let lower = |r: &mut rand::rngs::ThreadRng| (b'a' + r.random_range(0..26)) as char;
    let mut p = String::new();
    p.push(upper(&mut rng));
    for _ in 0..4 {
        p.push(lower(&mut rng));
    }
    p.push('-');
    p.push(upper(&mut rng));
    for _ in 0..3 {
        p.push(lower(&mut rng));
    }
    p.push_str(&format!("{:02}", rng.random_range(0..100)));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::password_rule;

    #[test]
    fn trainer_passwords_satisfy_the_rule_and_differ() {
        let a = new_trainer_password();
        assert!(password_rule::check(&a).is_ok(), "{a}");
        assert_ne!(a, new_trainer_password());
    }
}
