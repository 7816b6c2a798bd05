//! The trainer console's password, when none is configured.

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
