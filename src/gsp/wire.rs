//! The cryptography of the GST system's wire protocol, as GSP software implements it:
//! the app key sealed with the simulator's RSA key (PKCS#1 v1.5), AES-256 in ECB mode
//! with PKCS#7 padding for the OTP, the session key (SEK) and the payload keys (REK),
//! HMAC-SHA256 over payloads, and base64 (standard alphabet, padded) for all of it.
//!
//! The headers that protocol requires of a call (`state-cd`, `ip-usr`, `txn`) are
//! read here too, so this one file answers "where is the encrypted protocol".
//!
//! ECB is what the real system uses; it is weak (equal blocks give equal ciphertext),
//! and is here only so that real client code works against the simulator unchanged.

use aes::Aes256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ecb::cipher::block_padding::Pkcs7;
use ecb::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit};
use hmac::{Hmac, Mac};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::rand_core::OsRng;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use crate::domain::gsp::ApiFailure;

/// Bytes in an app key, a SEK and a REK: AES-256 keys.
pub const KEY_LEN: usize = 32;
/// Bits of the simulator's RSA key, as GSTN's.
pub const RSA_BITS: usize = 2048;

/// A 32-byte AES key: an app key, a SEK or a REK.
pub type Key = [u8; KEY_LEN];

/// Something on the wire that does not decrypt to what it should. Deliberately one
/// case without detail: a client must not learn whether the padding, the length or
/// the base64 was wrong (see RUSTSEC-2023-0071 in SECURITY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the value cannot be decrypted")]
pub struct Undecipherable;

/// A fault while making or reading the simulator's key pair (not a client's error).
#[derive(Debug, thiserror::Error)]
#[error("RSA key: {0}")]
pub struct KeyError(String);

/// A fresh random AES key from the operating system's generator.
pub fn random_key() -> Key {
    use rsa::rand_core::RngCore;
    let mut key = [0u8; KEY_LEN];
    OsRng.fill_bytes(&mut key);
    key
}

/// Standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Reads standard base64; anything else is [`Undecipherable`].
pub fn unb64(text: &str) -> Result<Vec<u8>, Undecipherable> {
    STANDARD.decode(text.trim()).map_err(|_| Undecipherable)
}

/// AES-256-ECB with PKCS#7 padding.
pub fn aes_encrypt(key: &Key, plain: &[u8]) -> Vec<u8> {
    ecb::Encryptor::<Aes256>::new(key.into()).encrypt_padded_vec_mut::<Pkcs7>(plain)
}

/// Undoes [`aes_encrypt`]; a length that is not whole blocks or bad padding is
/// [`Undecipherable`].
pub fn aes_decrypt(key: &Key, sealed: &[u8]) -> Result<Vec<u8>, Undecipherable> {
    ecb::Decryptor::<Aes256>::new(key.into())
        .decrypt_padded_vec_mut::<Pkcs7>(sealed)
        .map_err(|_| Undecipherable)
}

/// base64 of [`aes_encrypt`]: how the wire carries every AES value.
pub fn seal(key: &Key, plain: &[u8]) -> String {
    b64(&aes_encrypt(key, plain))
}

/// Undoes [`seal`].
pub fn open(key: &Key, text: &str) -> Result<Vec<u8>, Undecipherable> {
    aes_decrypt(key, &unb64(text)?)
}

/// Undoes [`seal`] of a 32-byte key (an app key under a SEK, a SEK under an app key).
pub fn open_key(key: &Key, text: &str) -> Result<Key, Undecipherable> {
    Key::try_from(open(key, text)?.as_slice()).map_err(|_| Undecipherable)
}

/// The OTP of an encrypted client's AUTHTOKEN, opened with its app key. One that
/// does not open (or is not text) reads as empty: simply a wrong OTP, which counts
/// as a try.
pub fn open_otp(app_key: &Key, sealed: &str) -> String {
    open(app_key, sealed)
        .ok()
        .and_then(|plain| String::from_utf8(plain).ok())
        .unwrap_or_default()
}

/// base64 of HMAC-SHA256 of `data` under `key`.
pub fn hmac_b64(key: &[u8], data: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    b64(&mac.finalize().into_bytes())
}

/// A data answer of the real system: `data` is the JSON in base64, sealed under a
/// fresh REK; `rek` is that REK sealed under the session's SEK; `hmac` is
/// HMAC-SHA256 of the base64 JSON under the REK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub data: String,
    pub rek: String,
    pub hmac: String,
}

/// Seals a JSON answer for a session whose key is `sek`.
pub fn envelope(sek: &Key, json: &[u8]) -> Envelope {
    envelope_with(sek, &random_key(), json)
}

/// Seals a data answer for a session whose key is `sek`: its JSON in an
/// [`envelope`].
pub fn seal_answer(sek: &Key, data: &impl serde::Serialize) -> Result<Envelope, serde_json::Error> {
    Ok(envelope(sek, &serde_json::to_vec(data)?))
}

fn envelope_with(sek: &Key, rek: &Key, json: &[u8]) -> Envelope {
    let text = b64(json);
    Envelope {
        data: seal(rek, text.as_bytes()),
        rek: seal(sek, rek),
        hmac: hmac_b64(rek, text.as_bytes()),
    }
}

/// The two-digit state code of a call's `state-cd` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCode(pub String);

/// The headers the real system wants on every call of an encrypted client, read
/// through `header`: `state-cd` (two digits), `ip-usr` and `txn`, each missing when
/// absent or blank. Plain clients may leave them out.
pub fn wire_headers<'a>(
    header: impl Fn(&'static str) -> Option<&'a str>,
) -> Result<StateCode, ApiFailure> {
    for name in ["ip-usr", "txn"] {
        header(name)
            .filter(|v| !v.trim().is_empty() && v.len() <= 128)
            .ok_or(ApiFailure::MissingParameter(name))?;
    }
    let state = header("state-cd")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ApiFailure::MissingParameter("state-cd"))?;
    if state.len() == 2 && state.bytes().all(|b| b.is_ascii_digit()) {
        Ok(StateCode(state.to_string()))
    } else {
        Err(ApiFailure::InvalidStateCode)
    }
}

/// The simulator's RSA key pair and the self-signed certificate of its public key.
pub struct KeyPair {
    private: RsaPrivateKey,
}

impl KeyPair {
    /// A new 2048-bit pair. Slow (a second or more in a debug build): run it on the
    /// blocking pool.
    pub fn generate() -> Result<KeyPair, KeyError> {
        RsaPrivateKey::new(&mut OsRng, RSA_BITS)
            .map(|private| KeyPair { private })
            .map_err(|e| KeyError(e.to_string()))
    }

    /// Reads a pair kept as a PKCS#8 PEM private key.
    pub fn from_pem(pem: &str) -> Result<KeyPair, KeyError> {
        RsaPrivateKey::from_pkcs8_pem(pem)
            .map(|private| KeyPair { private })
            .map_err(|e| KeyError(e.to_string()))
    }

    /// The private key as PKCS#8 PEM, for the database only.
    pub fn private_pem(&self) -> Result<String, KeyError> {
        self.private
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| KeyError(e.to_string()))
    }

    /// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn public_pem(&self) -> Result<String, KeyError> {
        RsaPublicKey::from(&self.private)
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError(e.to_string()))
    }

    /// A self-signed X.509 certificate of the public key, PEM-encoded, valid for ten
    /// years from now: the form GSTN hands its key to GSPs in (a `.cer` file).
    pub fn certificate_pem(&self) -> Result<String, KeyError> {
        use std::str::FromStr;
        use x509_cert::builder::{Builder, CertificateBuilder, Profile};
        use x509_cert::der::EncodePem;
        use x509_cert::name::Name;
        use x509_cert::serial_number::SerialNumber;
        use x509_cert::spki::SubjectPublicKeyInfoOwned;
        use x509_cert::time::Validity;

        let fail = |e: &dyn std::fmt::Display| KeyError(e.to_string());
        let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(self.private.clone());
        let public = RsaPublicKey::from(&self.private);
        let spki = SubjectPublicKeyInfoOwned::from_key(public).map_err(|e| fail(&e))?;
        let mut serial = random_key();
        serial[0] &= 0x7f; // a positive serial number, as RFC 5280 asks
        let serial = SerialNumber::new(&serial[..16]).map_err(|e| fail(&e))?;
        let ten_years = std::time::Duration::from_secs(10 * 365 * 24 * 3600);
        let validity = Validity::from_now(ten_years).map_err(|e| fail(&e))?;
        let subject = Name::from_str("CN=GST API simulator (training only),O=gst-portal")
            .map_err(|e| fail(&e))?;
        let builder =
            CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
                .map_err(|e| fail(&e))?;
        let cert = builder
            .build::<rsa::pkcs1v15::Signature>()
            .map_err(|e| fail(&e))?;
        cert.to_pem(LineEnding::LF).map_err(|e| fail(&e))
    }

    /// The app key a GSP sent: base64 of RSA PKCS#1 v1.5 under our public key, of
    /// exactly 32 bytes. Decrypted with blinding; every failure looks the same.
    pub fn open_app_key(&self, text: &str) -> Result<Key, Undecipherable> {
        let sealed = unb64(text)?;
        if sealed.len() != RSA_BITS / 8 {
            return Err(Undecipherable);
        }
        let plain = self
            .private
            .decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, &sealed)
            .map_err(|_| Undecipherable)?;
        Key::try_from(plain.as_slice()).map_err(|_| Undecipherable)
    }
}

/// Seals an app key for a public key in PEM, as a GSP client does. Used by
/// `gsp-demo --encrypted` and the tests.
pub fn seal_app_key(public_pem: &str, app_key: &Key) -> Result<String, KeyError> {
    use rsa::pkcs8::DecodePublicKey;
    let public =
        RsaPublicKey::from_public_key_pem(public_pem).map_err(|e| KeyError(e.to_string()))?;
    public
        .encrypt(&mut OsRng, Pkcs1v15Encrypt, app_key)
        .map(|sealed| b64(&sealed))
        .map_err(|e| KeyError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = *b"0123456789abcdef0123456789abcdef";

    // Expected values computed independently with OpenSSL:
    // printf 575757 | openssl enc -aes-256-ecb -K <hex of KEY> | base64
    #[test]
    fn aes_ecb_pkcs7_gives_the_known_ciphertext() {
        assert_eq!(seal(&KEY, b"575757"), "oT1ITcg5+TjYEN2cbCc7BQ==");
        assert_eq!(open(&KEY, "oT1ITcg5+TjYEN2cbCc7BQ==").unwrap(), b"575757");
        // A whole block of input gains a whole block of padding.
        let sealed = aes_encrypt(&KEY, &[7u8; 16]);
        assert_eq!(sealed.len(), 32);
        assert_eq!(aes_decrypt(&KEY, &sealed).unwrap(), [7u8; 16]);
    }

    // printf 'eyJhIjoxfQ==' | openssl dgst -sha256 -hmac <KEY> -binary | base64
    #[test]
    fn hmac_sha256_gives_the_known_value() {
        assert_eq!(
            hmac_b64(&KEY, b"eyJhIjoxfQ=="),
            "9YwF446vcBMWJBevmGcU7xxm3FZ9Fk2I8TOMcWgZlaU="
        );
    }

    #[test]
    fn an_envelope_opens_with_the_sek_and_its_hmac_checks() {
        let sek = random_key();
        let e = envelope(&sek, br#"{"a":1}"#);
        let rek = open_key(&sek, &e.rek).unwrap();
        let text = open(&rek, &e.data).unwrap();
        assert_eq!(text, b"eyJhIjoxfQ==");
        assert_eq!(hmac_b64(&rek, &text), e.hmac);
        assert_eq!(
            unb64(std::str::from_utf8(&text).unwrap()).unwrap(),
            br#"{"a":1}"#
        );
    }

    #[test]
    fn a_known_envelope_stays_the_same() {
        let rek = *b"fedcba9876543210fedcba9876543210";
        let e = envelope_with(&KEY, &rek, br#"{"a":1}"#);
        assert_eq!(e.hmac, hmac_b64(&rek, b"eyJhIjoxfQ=="));
        assert_eq!(e.data, seal(&rek, b"eyJhIjoxfQ=="));
        assert_eq!(e.rek, seal(&KEY, &rek));
    }

    #[test]
    fn bad_ciphertext_is_refused_without_saying_why() {
        for bad in [
            "",
            "not base64!",
            "AAAA",
            "oT1ITcg5+TjYEN2cbCc7BQ",
            "oT1ITcg5+TjYEN2cbCc7BA==",
        ] {
            assert_eq!(open(&KEY, bad), Err(Undecipherable), "{bad}");
        }
        assert_eq!(
            open_key(&KEY, "oT1ITcg5+TjYEN2cbCc7BQ=="),
            Err(Undecipherable)
        );
    }

    #[test]
    fn an_app_key_sealed_with_the_public_key_opens_with_the_private_key() {
        let pair = KeyPair::from_pem(TEST_KEY).unwrap();
        let sealed = seal_app_key(&pair.public_pem().unwrap(), &KEY).unwrap();
        assert_eq!(pair.open_app_key(&sealed), Ok(KEY));
        // A ciphertext cut short, or one that is not PKCS#1, is simply refused.
        assert_eq!(
            pair.open_app_key(&b64(&unb64(&sealed).unwrap()[1..])),
            Err(Undecipherable)
        );
        assert_eq!(pair.open_app_key(&b64(&[0u8; 256])), Err(Undecipherable));
        assert!(pair
            .certificate_pem()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----"));
    }

    // Sealed by OpenSSL (`openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:pkcs1`)
    // with the public half of TEST_KEY.
    #[test]
    fn an_app_key_sealed_by_openssl_opens() {
        let pair = KeyPair::from_pem(TEST_KEY).unwrap();
        assert_eq!(pair.open_app_key(OPENSSL_SEALED), Ok(KEY));
    }

    const OPENSSL_SEALED: &str = "gRjdGVPUFUkX9IH03yNftwz8y4yIXe3btxU7j69Qpk4ux95XUyssPKikf6oWATDH2+H6y4CghWxZxEdH+0VbVWWsgXXNZUX1lz8u0ZkfXLo9yzx42Lp5xr8K8b/y2zN4xQ7hvgbnr30cG93P94mySLth8y/zXfL1I5W6jhkkwEEqRK4RnIcJTsRy7HdKnei3uI7AccPMRfh+XR+tpKcRmeCZeCCu/K1x2isdomallhgiWkRBTFXjjkopSnFwqZX6jmjx15Wv/aOvmdvnx1CUY41XOIfNv5RUoZYRW2MpY5WCNVHLIEbXR+SCTVteFRcJLBzj0yD56KIqV4t73ivOqA==";

    // A throwaway 2048-bit key for the tests only (never used by a portal), so the
    // unit tests need not wait for key generation.
    const TEST_KEY: &str = include_str!("test_key.pem");
}
