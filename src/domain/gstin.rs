//! GSTIN (Goods and Services Tax Identification Number) validation.

use std::fmt;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A GSTIN that passed the pattern, the state-code and the check-character tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gstin(String);

/// Why a text is not a valid GSTIN; the `Display` text is shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GstinError {
    #[error("A GSTIN has exactly 15 characters.")]
    Length,
    #[error("The GSTIN does not have the shape of a normal taxpayer's GSTIN (state code, PAN, entity number, Z, check character).")]
    Pattern,
    #[error("The GSTIN starts with an unknown state code.")]
    StateCode,
    #[error("The GSTIN's last character does not match its check character.")]
    CheckCharacter,
}

impl Gstin {
    /// Validates `raw` (surrounding spaces ignored, letters taken in upper case).
    pub fn parse(raw: &str) -> Result<Self, GstinError> {
        let text = raw.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        if bytes.len() != 15 {
            return Err(GstinError::Length);
        }
        if !matches_pattern(bytes) {
            return Err(GstinError::Pattern);
        }
        if state_name(&text[..2]).is_none() {
            return Err(GstinError::StateCode);
        }
        if check_character(&bytes[..14]) != bytes[14] {
            return Err(GstinError::CheckCharacter);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of the state or territory the GSTIN was issued in.
    pub fn state_name(&self) -> &'static str {
        state_name(&self.0[..2]).unwrap_or("Unknown")
    }
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$`
fn matches_pattern(b: &[u8]) -> bool {
    let digit = |c: &u8| c.is_ascii_digit();
    let upper = |c: &u8| c.is_ascii_uppercase();
    b[..2].iter().all(digit)
        && b[2..7].iter().all(upper)
        && b[7..11].iter().all(digit)
        && upper(&b[11])
        && (upper(&b[12]) || (b[12].is_ascii_digit() && b[12] != b'0'))
        && b[13] == b'Z'
        && (upper(&b[14]) || digit(&b[14]))
}

/// The check character over the first 14 characters (mod-36 weighted sum).
pub fn check_character(first14: &[u8]) -> u8 {
    let sum: u32 = first14
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let value = ALPHABET.iter().position(|a| a == c).unwrap_or(0) as u32;
            let product = value * if i % 2 == 0 { 1 } else { 2 };
            product / 36 + product % 36
        })
        .sum();
    ALPHABET[((36 - sum % 36) % 36) as usize]
}

/// Names of the GST state codes.
pub fn state_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Jammu and Kashmir",
        "02" => "Himachal Pradesh",
        "03" => "Punjab",
        "04" => "Chandigarh",
        "05" => "Uttarakhand",
        "06" => "Haryana",
        "07" => "Delhi",
        "08" => "Rajasthan",
        "09" => "Uttar Pradesh",
        "10" => "Bihar",
        "11" => "Sikkim",
        "12" => "Arunachal Pradesh",
        "13" => "Nagaland",
        "14" => "Manipur",
        "15" => "Mizoram",
        "16" => "Tripura",
        "17" => "Meghalaya",
        "18" => "Assam",
        "19" => "West Bengal",
        "20" => "Jharkhand",
        "21" => "Odisha",
        "22" => "Chhattisgarh",
        "23" => "Madhya Pradesh",
        "24" => "Gujarat",
        "26" => "Dadra and Nagar Haveli and Daman and Diu",
        "27" => "Maharashtra",
        "29" => "Karnataka",
        "30" => "Goa",
        "31" => "Lakshadweep",
        "32" => "Kerala",
        "33" => "Tamil Nadu",
        "34" => "Puducherry",
        "35" => "Andaman and Nicobar Islands",
        "36" => "Telangana",
        "37" => "Andhra Pradesh",
        "38" => "Ladakh",
        "97" => "Other Territory",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_published_examples() {
        for g in ["27AAPFU0939F1ZV", "36AAGCN9336F1Z9"] {
            assert_eq!(Gstin::parse(g).unwrap().as_str(), g);
        }
    }

    #[test]
    fn accepts_lower_case_and_spaces_and_normalises_them() {
        assert_eq!(
            Gstin::parse(" 27aapfu0939f1zv ").unwrap().as_str(),
            "27AAPFU0939F1ZV"
        );
    }

    #[test]
    fn computes_the_check_character_of_the_examples() {
        assert_eq!(check_character(b"27AAPFU0939F1Z"), b'V');
        assert_eq!(check_character(b"36AAGCN9336F1Z"), b'9');
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(
            Gstin::parse("27AAPFU0939F1ZW"),
            Err(GstinError::CheckCharacter)
        );
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert_eq!(Gstin::parse(""), Err(GstinError::Length));
        assert_eq!(Gstin::parse("27AAPFU0939F1Z"), Err(GstinError::Length));
        assert_eq!(Gstin::parse("27AAPFU0939F1ZVV"), Err(GstinError::Length));
    }

    #[test]
    fn rejects_shapes_off_the_pattern() {
        for bad in [
            "2XAAPFU0939F1ZV", // state code not digits
            "27AAP1U0939F1ZV", // PAN letters
            "27AAPFU09X9F1ZV", // PAN digits
            "27AAPFU093911ZV", // PAN last letter
            "27AAPFU0939F0ZV", // entity number 0
            "27AAPFU0939F1YV", // 14th is not Z
            "27AAPFU0939F1Z-", // check character symbol
        ] {
            assert_eq!(Gstin::parse(bad), Err(GstinError::Pattern), "{bad}");
        }
    }

    #[test]
    fn rejects_an_unknown_state_code() {
        let mut s = b"98AAPFU0939F1Z".to_vec();
        let c = check_character(&s);
        s.push(c);
        let text = String::from_utf8(s).unwrap();
        assert_eq!(Gstin::parse(&text), Err(GstinError::StateCode));
    }

    #[test]
    fn rejects_non_ascii_without_panicking() {
        assert!(Gstin::parse("27AAPFU0939F1Zé").is_err());
        assert!(Gstin::parse("२७AAPFU0939F1ZV").is_err());
    }

    #[test]
    fn names_the_state() {
        assert_eq!(
            Gstin::parse("27AAPFU0939F1ZV").unwrap().state_name(),
            "Maharashtra"
        );
        assert_eq!(
            Gstin::parse("36AAGCN9336F1Z9").unwrap().state_name(),
            "Telangana"
        );
    }
}
