//! The encrypted wire protocol, walked by a GSP client written here from the published
//! scheme alone (RSA PKCS#1 v1.5, AES-256-ECB with PKCS#7, HMAC-SHA256, base64), not
//! from the portal's own helpers, so that a mistake on either side shows.

use actix_web::http::StatusCode;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::Mac;
use proptest::strategy::{Strategy, ValueTree};
use rsa::pkcs8::DecodePublicKey;
use serde_json::{json, Value};

use crate::helpers::*;

/// An HTTP client that waits long enough for the first call of a portal, which
/// makes its RSA key pair (seconds in a debug build on a busy machine).
fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish()
}

/// AES-256-ECB with PKCS#7, then base64.
fn seal(key: &[u8; 32], plain: &[u8]) -> String {
    let cipher = aes::Aes256::new(key.into());
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    for block in data.chunks_mut(16) {
        cipher.encrypt_block(block.into());
    }
    B64.encode(data)
}

/// base64, then AES-256-ECB with PKCS#7 removed.
fn open(key: &[u8; 32], text: &str) -> Vec<u8> {
    let cipher = aes::Aes256::new(key.into());
    let mut data = B64.decode(text).expect("base64");
    for block in data.chunks_mut(16) {
        cipher.decrypt_block(block.into());
    }
    let pad = *data.last().unwrap() as usize;
    data.truncate(data.len() - pad);
    data
}

fn key32(bytes: &[u8]) -> [u8; 32] {
    bytes.try_into().expect("a 32-byte key")
}

/// A GSP client of the encrypted protocol.
struct WireClient {
    base: String,
    client_id: String,
    secret: String,
    public_key: rsa::RsaPublicKey,
    app_key: [u8; 32],
    sek: Option<[u8; 32]>,
    token: Option<String>,
}

impl WireClient {
    async fn new(app: &TestApp, name: &str) -> WireClient {
        let gsp = app.gsp_speaking(name, true);
        let mut res = client()
            .get(format!("{}/taxpayerapi/public-key.pem", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let pem = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
        WireClient {
            base: app.base.clone(),
            client_id: gsp.client_id,
            secret: gsp.secret,
            public_key: rsa::RsaPublicKey::from_public_key_pem(&pem).unwrap(),
            app_key: rand::random(),
            sek: None,
            token: None,
        }
    }

    fn sealed_app_key(&self) -> String {
        let sealed = self
            .public_key
            .encrypt(
                &mut rsa::rand_core::OsRng,
                rsa::Pkcs1v15Encrypt,
                &self.app_key,
            )
            .unwrap();
        B64.encode(sealed)
    }

    fn request(&self, method: awc::http::Method, path: &str) -> awc::ClientRequest {
        client()
            .request(method, format!("{}{path}", self.base))
            .insert_header(("clientid", self.client_id.as_str()))
            .insert_header(("client-secret", self.secret.as_str()))
            .insert_header(("state-cd", &GSTIN[..2]))
            .insert_header(("ip-usr", "203.0.113.7"))
            .insert_header(("txn", format!("txn-{}", rand::random::<u64>())))
    }

    async fn authenticate(&self, body: Value) -> ApiAnswer {
        let mut res = self
            .request(awc::http::Method::POST, "/taxpayerapi/v1.0/authenticate")
            .insert_header(("content-type", "application/json"))
            .send_body(body.to_string())
            .await
            .unwrap();
        let bytes = res.body().await.unwrap();
        ApiAnswer {
            status: res.status(),
            json: serde_json::from_slice(&bytes).unwrap(),
        }
    }

    async fn otp_request(&self) -> ApiAnswer {
        let app_key = self.sealed_app_key();
        self.authenticate(json!({"action": "OTPREQUEST", "username": USERNAME, "app_key": app_key}))
            .await
    }

    /// AUTHTOKEN; on success keeps the token and the SEK it opens with the app key.
    async fn auth_token(&mut self, otp: &str) -> ApiAnswer {
        let body = json!({"action": "AUTHTOKEN", "username": USERNAME,
            "app_key": self.sealed_app_key(), "otp": seal(&self.app_key, otp.as_bytes())});
        let answer = self.authenticate(body).await;
        self.keep(&answer);
        answer
    }

    fn keep(&mut self, answer: &ApiAnswer) {
        if answer.code() == "1" {
            self.token = Some(answer.token());
            let sek = answer.json["sek"].as_str().unwrap();
            self.sek = Some(key32(&open(&self.app_key, sek)));
        }
    }

    /// REFRESHTOKEN with a new app key sealed under `sek`.
    async fn refresh_with(&mut self, sek: [u8; 32]) -> ApiAnswer {
        let new_app_key: [u8; 32] = rand::random();
        let body = json!({"action": "REFRESHTOKEN", "username": USERNAME,
            "app_key": seal(&sek, &new_app_key), "auth_token": self.token.clone().unwrap()});
        let answer = self.authenticate(body).await;
        if answer.code() == "1" {
            self.app_key = new_app_key;
        }
        self.keep(&answer);
        answer
    }

    async fn logout(&self) -> ApiAnswer {
        let body = json!({"action": "LOGOUT", "username": USERNAME,
            "app_key": self.sealed_app_key(), "auth_token": self.token.clone().unwrap()});
        self.authenticate(body).await
    }

    /// A data call; on success, the JSON inside, with the HMAC checked.
    async fn data(&self, path_and_query: &str) -> (ApiAnswer, Option<Value>) {
        let mut res = self
            .request(awc::http::Method::GET, path_and_query)
            .insert_header(("auth-token", self.token.clone().unwrap_or_default()))
            .insert_header(("username", USERNAME))
            .insert_header(("gstin", GSTIN))
            .send()
            .await
            .unwrap();
        let bytes = res.body().await.unwrap();
        let answer = ApiAnswer {
            status: res.status(),
            json: serde_json::from_slice(&bytes).unwrap(),
        };
        if answer.code() != "1" {
            return (answer, None);
        }
        let rek = key32(&open(
            &self.sek.unwrap(),
            answer.json["rek"].as_str().unwrap(),
        ));
        let text = open(&rek, answer.json["data"].as_str().unwrap());
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&rek).unwrap();
        mac.update(&text);
        assert_eq!(
            B64.encode(mac.finalize().into_bytes()),
            answer.json["hmac"].as_str().unwrap(),
            "the HMAC of the data checks"
        );
        let json = serde_json::from_slice(&B64.decode(&text).unwrap()).unwrap();
        (answer, Some(json))
    }
}

async fn enabled(app: &TestApp) -> Browser {
    let b = app.logged_in().await;
    assert_eq!(
        b.confirm("Y", Some("720")).await.status,
        StatusCode::SEE_OTHER
    );
    b
}

#[actix_web::test]
async fn an_encrypted_client_walks_otp_token_data_refresh_and_logout() {
    let app = spawn_app().await;
    let b = enabled(&app).await;
    let mut gsp = WireClient::new(&app, "Wire GSP").await;

    let ask = gsp.otp_request().await;
    assert_eq!(
        (ask.status, ask.json.clone()),
        (StatusCode::OK, json!({"status_cd": "1"}))
    );
    let otp = otp_from_messages(&b).await;
    let answer = gsp.auth_token(&otp).await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::OK, "1".to_string())
    );
    assert_eq!(answer.json["expiry"], 360);
    assert_eq!(
        answer.json["sek"].as_str().unwrap().len(),
        64,
        "32 bytes + padding, base64"
    );

    let (profile, data) = gsp.data("/taxpayerapi/v1.0/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(data.unwrap()["gstin"], GSTIN);
    let (track, data) = gsp
        .data(&format!(
            "/taxpayerapi/v1.0/returns?action=RETTRACK&gstin={GSTIN}&fy=2025-26"
        ))
        .await;
    assert_eq!(track.code(), "1", "{:?}", track.json);
    assert_eq!(data.unwrap(), json!({"EFiledlist": []}));

    let first_sek = gsp.sek.unwrap();
    let refreshed = gsp.refresh_with(first_sek).await;
    assert_eq!(
        (refreshed.status, refreshed.code()),
        (StatusCode::OK, "1".to_string())
    );
    assert_ne!(gsp.sek.unwrap(), first_sek, "a refresh brings a new SEK");
    let (after, data) = gsp.data("/taxpayerapi/v1.0/profile").await;
    assert_eq!(after.code(), "1");
    assert_eq!(data.unwrap()["gstin"], GSTIN);

    // The new app key is sealed under a SEK that is no longer the session's.
    let stale = gsp.refresh_with(first_sek).await;
    assert_eq!(
        (stale.status, stale.code()),
        (StatusCode::UNAUTHORIZED, "AUTH4036".to_string())
    );

    assert_eq!(gsp.logout().await.code(), "1");
    let (replayed, _) = gsp.data("/taxpayerapi/v1.0/profile").await;
    assert_eq!(replayed.code(), "AUTH4033");
    assert_eq!(gsp.logout().await.code(), "OTP0011");
    assert_eq!(gsp.refresh_with(gsp.sek.unwrap()).await.code(), "OTP0011");
}

#[actix_web::test]
async fn no_in_the_portal_refuses_the_next_encrypted_data_call_with_auth4037() {
    let app = spawn_app().await;
    let b = enabled(&app).await;
    let mut gsp = WireClient::new(&app, "Wire GSP").await;
    assert_eq!(gsp.otp_request().await.code(), "1");
    assert_eq!(
        gsp.auth_token(&otp_from_messages(&b).await).await.code(),
        "1"
    );
    assert_eq!(gsp.data("/taxpayerapi/v1.0/profile").await.0.code(), "1");
    b.confirm("N", None).await;
    let (profile, _) = gsp.data("/taxpayerapi/v1.0/profile").await;
    assert_eq!(
        (profile.status, profile.code()),
        (StatusCode::FORBIDDEN, "AUTH4037".to_string())
    );
    let (track, _) = gsp
        .data("/taxpayerapi/v1.0/returns?action=RETTRACK&fy=2025-26")
        .await;
    assert_eq!(track.code(), "AUTH4037");
}

#[actix_web::test]
async fn a_tampered_otp_a_wrong_app_key_and_a_wrong_logout_key_are_refused() {
    let app = spawn_app().await;
    let b = enabled(&app).await;
    let mut gsp = WireClient::new(&app, "Wire GSP").await;

    // An app key that is not RSA under our key, or not 32 bytes inside.
    for app_key in [
        B64.encode([7u8; 256]),
        "not base64".to_string(),
        B64.encode([1u8; 32]),
    ] {
        let answer = gsp
            .authenticate(json!({"action": "OTPREQUEST", "username": USERNAME, "app_key": app_key}))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNAUTHORIZED, "AUTH4036".to_string())
        );
    }
    let short = B64.encode(
        gsp.public_key
            .encrypt(&mut rsa::rand_core::OsRng, rsa::Pkcs1v15Encrypt, &[1u8; 31])
            .unwrap(),
    );
    let answer = gsp
        .authenticate(json!({"action": "OTPREQUEST", "username": USERNAME, "app_key": short}))
        .await;
    assert_eq!(answer.code(), "AUTH4036");
    assert!(
        b.get("/messages").await.text_of("no-messages").is_some(),
        "no OTP went out for a bad app key"
    );

    assert_eq!(gsp.otp_request().await.code(), "1");
    let otp = otp_from_messages(&b).await;
    // The right OTP, its ciphertext tampered with: one bit of the last block flipped.
    let mut sealed = B64.decode(seal(&gsp.app_key, otp.as_bytes())).unwrap();
    sealed[15] ^= 1;
    let body = json!({"action": "AUTHTOKEN", "username": USERNAME,
        "app_key": gsp.sealed_app_key(), "otp": B64.encode(&sealed)});
    let tampered = gsp.authenticate(body).await;
    assert_eq!(
        (tampered.status, tampered.code()),
        (StatusCode::UNAUTHORIZED, "AUTH4034".to_string())
    );
    // The OTP sealed under another app key than the one sent.
    let body = json!({"action": "AUTHTOKEN", "username": USERNAME,
        "app_key": gsp.sealed_app_key(), "otp": seal(&[9u8; 32], otp.as_bytes())});
    assert_eq!(gsp.authenticate(body).await.code(), "AUTH4034");
    // The third try, done right, still works.
    assert_eq!(gsp.auth_token(&otp).await.code(), "1");

    // LOGOUT with another app key than the session's.
    let own = gsp.app_key;
    gsp.app_key = rand::random();
    assert_eq!(gsp.logout().await.code(), "AUTH4036");
    gsp.app_key = own;
    assert_eq!(gsp.logout().await.code(), "1");
}

#[actix_web::test]
async fn encrypted_calls_need_the_real_headers_with_the_real_codes() {
    let app = spawn_app().await;
    let gsp = WireClient::new(&app, "Wire GSP").await;
    let body =
        json!({"action": "OTPREQUEST", "username": USERNAME, "app_key": gsp.sealed_app_key()});
    let send = |drop_header: &'static str, state: &'static str| {
        let mut req = client()
            .post(format!("{}/taxpayerapi/v0.2/authenticate", app.base))
            .insert_header(("content-type", "application/json"));
        for (name, value) in [
            ("clientid", gsp.client_id.as_str()),
            ("client-secret", gsp.secret.as_str()),
            ("state-cd", state),
            ("ip-usr", "203.0.113.7"),
            ("txn", "txn-1"),
        ] {
            if name != drop_header {
                req = req.insert_header((name, value));
            }
        }
        let body = body.to_string();
        async move {
            let mut res = req.send_body(body).await.unwrap();
            let json: Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
            (
                res.status(),
                json["error"]["error_cd"]
                    .as_str()
                    .unwrap_or("1")
                    .to_string(),
            )
        }
    };
    assert_eq!(
        send("clientid", "27").await,
        (StatusCode::UNAUTHORIZED, "AUT4031".into())
    );
    assert_eq!(
        send("client-secret", "27").await,
        (StatusCode::UNAUTHORIZED, "AUT4032".into())
    );
    assert_eq!(
        send("txn", "27").await,
        (StatusCode::BAD_REQUEST, "GEN5001".into())
    );
    assert_eq!(
        send("ip-usr", "27").await,
        (StatusCode::BAD_REQUEST, "GEN5001".into())
    );
    assert_eq!(
        send("state-cd", "27").await,
        (StatusCode::BAD_REQUEST, "GEN5001".into())
    );
    assert_eq!(
        send("", "2X").await,
        (StatusCode::BAD_REQUEST, "AUTH4041".into())
    );
    // All present: access is off for this taxpayer, the v0.2 path answers the same.
    assert_eq!(
        send("", "27").await,
        (StatusCode::FORBIDDEN, "AUTH4037".into())
    );
}

#[actix_web::test]
async fn the_key_downloads_are_a_pem_public_key_and_a_certificate() {
    let app = spawn_app().await;
    let get = |path: &'static str| {
        let url = format!("{}{path}", app.base);
        async move {
            let mut res = client().get(url).send().await.unwrap();
            let body = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
            (res.status(), body)
        }
    };
    let (status, pem) = get("/taxpayerapi/public-key.pem").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let (status, cer) = get("/taxpayerapi/certificate.cer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cer.starts_with("-----BEGIN CERTIFICATE-----"), "{cer}");
    // The same key both times: made once, kept in the database.
    assert_eq!(get("/taxpayerapi/public-key.pem").await.1, pem);
    assert_eq!(app.count("gsp_keys"), 1);
}

#[actix_web::test]
async fn random_bytes_wrong_lengths_and_wrong_types_never_get_a_5xx() {
    let app = spawn_app().await;
    let b = enabled(&app).await;
    let mut gsp = WireClient::new(&app, "Wire GSP").await;
    assert_eq!(gsp.otp_request().await.code(), "1");
    assert_eq!(
        gsp.auth_token(&otp_from_messages(&b).await).await.code(),
        "1"
    );

    let strategy = (
        proptest::collection::vec(proptest::num::u8::ANY, 0..400),
        0usize..6,
        0usize..4,
    );
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..48 {
        let (bytes, field, action) = strategy.new_tree(&mut runner).unwrap().current();
        let text = match field % 3 {
            0 => B64.encode(&bytes),
            1 => B64.encode(&bytes)[..B64.encode(&bytes).len().saturating_sub(1)].to_string(),
            _ => String::from_utf8_lossy(&bytes).into_owned(),
        };
        let value = match field {
            3 => json!(bytes.len()),
            4 => json!([text]),
            5 => json!({"x": text}),
            _ => json!(text),
        };
        let action = ["OTPREQUEST", "AUTHTOKEN", "REFRESHTOKEN", "LOGOUT"][action];
        let mut body = json!({"action": action, "username": USERNAME,
            "app_key": gsp.sealed_app_key(), "otp": "x", "auth_token": gsp.token.clone().unwrap()});
        let target = ["app_key", "otp", "auth_token"][bytes.len() % 3];
        body[target] = value;
        let answer = gsp.authenticate(body.clone()).await;
        assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "{body} -> {:?}",
            answer
        );
        assert!(
            answer.json["status_cd"].is_string(),
            "{body} -> {:?}",
            answer
        );
        // And as a request body for a data call.
        let mut res = gsp
            .request(awc::http::Method::GET, "/taxpayerapi/v1.0/profile")
            .insert_header(("auth-token", gsp.token.clone().unwrap()))
            .insert_header(("username", USERNAME))
            .insert_header(("gstin", GSTIN))
            .send_body(bytes.clone())
            .await
            .unwrap();
        assert!(!res.status().is_server_error(), "{:?}", res.body().await);
    }
    // The session may have been refreshed or logged out by the random calls; a data
    // call with a token that opens no session is refused, never a 5xx.
    gsp.token = Some("not-a-token-of-this-portal".to_string());
    let (answer, _) = gsp.data("/taxpayerapi/v1.0/profile").await;
    assert_eq!(answer.code(), "AUTH4033");
}

#[actix_web::test]
async fn rotating_the_key_ends_encrypted_sessions_and_old_sealed_app_keys_fail() {
    let app = spawn_app().await;
    let b = enabled(&app).await;
    let mut gsp = WireClient::new(&app, "Wire GSP").await;
    assert_eq!(gsp.otp_request().await.code(), "1");
    assert_eq!(
        gsp.auth_token(&otp_from_messages(&b).await).await.code(),
        "1"
    );
    let ended = {
        let mut conn = app.pool.get().unwrap();
        let made = gst_portal::services::gsp::keys::make_key_pair().unwrap();
        gst_portal::services::gsp::keys::rotate_key_pair(&mut conn, &made, app.clock.now()).unwrap()
    };
    assert_eq!(ended, 1);
    assert_eq!(
        gsp.data("/taxpayerapi/v1.0/profile").await.0.code(),
        "AUTH4033"
    );
    // The app key sealed with the old public key no longer opens.
    assert_eq!(gsp.otp_request().await.code(), "AUTH4036");
    let fresh = WireClient::new(&app, "Wire GSP 2").await;
    assert_eq!(fresh.otp_request().await.code(), "1");
}
