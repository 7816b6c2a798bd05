//! The portal's password rule: 8 to 15 characters with at least one upper-case letter,
//! one lower-case letter, one digit and one special character.

/// Why a new password does not satisfy the rule; the text is shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("The password must have 8 to 15 characters.")]
    Length,
    #[error("The password needs at least one upper-case letter (A-Z).")]
    Upper,
    #[error("The password needs at least one lower-case letter (a-z).")]
    Lower,
    #[error("The password needs at least one digit (0-9).")]
    Digit,
    #[error("The password needs at least one special character, such as @ # $ % & *.")]
    Special,
    #[error("The password may not contain spaces or control characters.")]
    Whitespace,
}

/// Checks `password` against the rule, naming the first unmet part.
pub fn check(password: &str) -> Result<(), PasswordRuleError> {
    let count = password.chars().count();
    if !(8..=15).contains(&count) {
        return Err(PasswordRuleError::Length);
    }
    if password
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(PasswordRuleError::Whitespace);
    }
    if !password.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(PasswordRuleError::Upper);
    }
    if !password.chars().any(|c| c.is_ascii_lowercase()) {
        return Err(PasswordRuleError::Lower);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(PasswordRuleError::Digit);
    }
    if !password.chars().any(|c| !c.is_ascii_alphanumeric()) {
        return Err(PasswordRuleError::Special);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_password_with_every_class() {
        assert_eq!(check("Gst@2026a"), Ok(()));
        assert_eq!(check("Aa1#aaaa"), Ok(()));
        assert_eq!(check("Aa1#aaaaaaaaaaa"), Ok(()));
    }

    #[test]
    fn names_the_first_missing_part() {
        assert_eq!(check("Aa1#aaa"), Err(PasswordRuleError::Length));
        assert_eq!(check("Aa1#aaaaaaaaaaaa"), Err(PasswordRuleError::Length));
        assert_eq!(check("aa1#aaaa"), Err(PasswordRuleError::Upper));
        assert_eq!(check("AA1#AAAA"), Err(PasswordRuleError::Lower));
        assert_eq!(check("Aab#aaaa"), Err(PasswordRuleError::Digit));
        assert_eq!(check("Aa1aaaaa"), Err(PasswordRuleError::Special));
        assert_eq!(check("Aa1# aaaa"), Err(PasswordRuleError::Whitespace));
    }
}
