//! `gst-portal gsp-demo`: plays GSP software against a running portal and prints every
//! exchange, so a trainer can show the whole story on a projector: OTP, token, a
//! protected call, a refresh and a logout. With `--encrypted` it speaks the real wire
//! protocol and prints, for each exchange, the wire form and what it decrypts to.

use std::io::{BufRead, Write};

use anyhow::Context;
use serde_json::Value;

use crate::gsp::wire::{self, Key};
use crate::gsp_request::{ApiRequest, Caller, PLAIN_APP_KEY};

/// Who the demo acts as, and against which portal.
pub struct DemoSettings {
    pub url: String,
    pub username: String,
    pub gstin: String,
    pub client_id: String,
    pub client_secret: String,
    /// Speak the encrypted wire protocol (the client must be registered for it).
    pub encrypted: bool,
}

/// The keys an encrypted client holds: its app key and, once it has a token, the SEK.
struct Keys {
    public_pem: String,
    app_key: Key,
    sek: Option<Key>,
}

struct Step<'a> {
    out: &'a mut dyn Write,
    client: awc::Client,
    settings: &'a DemoSettings,
    keys: Option<Keys>,
}

impl Step<'_> {
    fn caller(&self) -> Caller<'_> {
        Caller {
            client_id: &self.settings.client_id,
            client_secret: &self.settings.client_secret,
        }
    }

    async fn post(&mut self, title: &str, request: ApiRequest) -> anyhow::Result<Value> {
        let url = format!("{}{}", self.settings.url, request.path);
        let body = request.body.clone().unwrap_or_default();
        writeln!(
            self.out,
            "\n== {title}\n-> POST {url}\n{}",
            serde_json::to_string_pretty(&body)?
        )?;
        self.send(request).await
    }

    async fn profile(&mut self, token: &str, gstin: &str) -> anyhow::Result<Value> {
        let request = ApiRequest::profile(self.caller(), &self.settings.username, gstin, token);
        writeln!(
            self.out,
            "\n== A protected call with the token\n-> GET {}{}",
            self.settings.url, request.path
        )?;
        let answer = self.send(request).await?;
        self.open_envelope(&answer)?;
        Ok(answer)
    }

    /// Sends `request` with the client's headers (for the encrypted protocol also
    /// state-cd, ip-usr, txn) and prints the answer.
    async fn send(&mut self, request: ApiRequest) -> anyhow::Result<Value> {
        let request = if self.keys.is_some() {
            let state: String = self.settings.gstin.chars().take(2).collect();
            request
                .with_header("state-cd", state)
                .with_header("ip-usr", "127.0.0.1")
                .with_header("txn", crate::auth::random_hex(16))
        } else {
            request
        };
        let reply = request.send(&self.client, &self.settings.url).await?;
        writeln!(
            self.out,
            "<- {}\n{}",
            reply.status,
            serde_json::to_string_pretty(&reply.json)?
        )?;
        Ok(reply.json)
    }

    /// The app key as this request sends it: sealed with the portal's RSA key.
    fn sealed_app_key(&mut self) -> anyhow::Result<String> {
        let Some(keys) = &self.keys else {
            return Ok(PLAIN_APP_KEY.to_string());
        };
        let sealed = wire::seal_app_key(&keys.public_pem, &keys.app_key)?;
        writeln!(
            self.out,
            "   app key {} -> RSA PKCS#1 v1.5 under the portal's public key, base64",
            wire::b64(&keys.app_key)
        )?;
        Ok(sealed)
    }

    /// The OTP as AUTHTOKEN sends it: sealed with AES under the app key.
    fn sealed_otp(&mut self, otp: &str) -> anyhow::Result<String> {
        let Some(keys) = &self.keys else {
            return Ok(otp.to_string());
        };
        let sealed = wire::seal(&keys.app_key, otp.as_bytes());
        writeln!(
            self.out,
            "   otp {otp} -> AES-256-ECB under the app key: {sealed}"
        )?;
        Ok(sealed)
    }

    /// REFRESHTOKEN's app key: a new one, sealed under the current SEK.
    fn new_app_key(&mut self) -> anyhow::Result<String> {
        let Some(keys) = &mut self.keys else {
            return Ok(PLAIN_APP_KEY.to_string());
        };
        let sek = keys.sek.context("no session key yet")?;
        keys.app_key = wire::random_key();
        let sealed = wire::seal(&sek, &keys.app_key);
        writeln!(
            self.out,
            "   new app key {} -> AES-256-ECB under the SEK: {sealed}",
            wire::b64(&keys.app_key)
        )?;
        Ok(sealed)
    }

    /// Opens the `sek` of a token answer with the app key.
    fn open_sek(&mut self, answer: &Value) -> anyhow::Result<()> {
        let (Some(keys), Some(sealed)) = (&mut self.keys, answer["sek"].as_str()) else {
            return Ok(());
        };
        let sek = wire::open_key(&keys.app_key, sealed).context("the sek does not open")?;
        keys.sek = Some(sek);
        writeln!(
            self.out,
            "   sek opens with the app key to the session key {}",
            wire::b64(&sek)
        )?;
        Ok(())
    }

    /// Opens a data answer: the REK with the SEK, the data with the REK, the HMAC.
    fn open_envelope(&mut self, answer: &Value) -> anyhow::Result<()> {
        let Some(Keys { sek: Some(sek), .. }) = &self.keys else {
            return Ok(());
        };
        let (Some(rek), Some(data), Some(hmac)) = (
            answer["rek"].as_str(),
            answer["data"].as_str(),
            answer["hmac"].as_str(),
        ) else {
            return Ok(());
        };
        let rek = wire::open_key(sek, rek).context("the rek does not open")?;
        let text = wire::open(&rek, data).context("the data does not open")?;
        let checks = wire::hmac_b64(&rek, &text) == hmac;
        let json: Value = serde_json::from_slice(&wire::unb64(&String::from_utf8_lossy(&text))?)?;
        writeln!(
            self.out,
            "   rek opens with the SEK to {}\n   data opens with the REK to base64 JSON; HMAC-SHA256 {}:\n{}",
            wire::b64(&rek),
            if checks { "checks" } else { "DOES NOT CHECK" },
            serde_json::to_string_pretty(&json)?
        )?;
        Ok(())
    }
}

fn succeeded(v: &Value) -> bool {
    v["status_cd"] == "1"
}

/// The keys an encrypted client starts with: the portal's public key, fetched from
/// the portal at `url` and printed, and a fresh app key.
async fn fetch_keys(client: &awc::Client, url: &str, out: &mut dyn Write) -> anyhow::Result<Keys> {
    let url = format!("{url}/taxpayerapi/public-key.pem");
    let mut res = client
        .get(&url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("could not reach {url}"))?;
    let pem = String::from_utf8(res.body().await?.to_vec())?;
    writeln!(out, "== 0. The portal's public key ({url})\n{pem}")?;
    Ok(Keys {
        public_pem: pem,
        app_key: wire::random_key(),
        sek: None,
    })
}

/// Walks OTPREQUEST, AUTHTOKEN (the OTP read from `input`), profile, REFRESHTOKEN and
/// LOGOUT, printing each exchange to `out`. Stops at the first refusal, explained.
pub async fn run(
    settings: &DemoSettings,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    let keys = if settings.encrypted {
        Some(fetch_keys(&client, &settings.url, out).await?)
    } else {
        None
    };
    let mut step = Step {
        out,
        client,
        settings,
        keys,
    };
    let user = settings.username.as_str();
    let app_key = step.sealed_app_key()?;
    let ask = step
        .post(
            "1. Ask for an OTP",
            ApiRequest::otp_request(step.caller(), user, &app_key),
        )
        .await?;
    if !succeeded(&ask) {
        writeln!(step.out, "\nThe GSP is refused: the taxpayer has to enable API access on the portal (My Profile > Manage API Access > Yes, a duration, Confirm).")?;
        return Ok(());
    }
    write!(
        step.out,
        "\nThe OTP went to the taxpayer's Messages on the portal. Type it here: "
    )?;
    step.out.flush()?;
    let mut otp = String::new();
    input
        .read_line(&mut otp)
        .context("could not read the OTP")?;
    let (app_key, otp) = (step.sealed_app_key()?, step.sealed_otp(otp.trim())?);
    let token = step
        .post(
            "2. Trade the OTP for an auth token",
            ApiRequest::auth_token(step.caller(), user, &app_key, &otp),
        )
        .await?;
    if !succeeded(&token) {
        writeln!(step.out, "\nNo token: the OTP was not accepted.")?;
        return Ok(());
    }
    step.open_sek(&token)?;
    let auth_token = token["auth_token"].as_str().unwrap_or_default().to_string();
    step.profile(&auth_token, &settings.gstin).await?;
    let app_key = step.new_app_key()?;
    let refreshed = step
        .post(
            "3. Refresh the token without a new OTP",
            ApiRequest::refresh_token(step.caller(), user, &app_key, &auth_token),
        )
        .await?;
    step.open_sek(&refreshed)?;
    let current = refreshed["auth_token"]
        .as_str()
        .map_or(auth_token, str::to_string);
    step.profile(&current, &settings.gstin).await?;
    let app_key = step.sealed_app_key()?;
    step.post(
        "4. Log out",
        ApiRequest::logout(step.caller(), user, &app_key, &current),
    )
    .await?;
    writeln!(step.out, "\nDone. Try it again after choosing No on the portal: the first step is refused with AUTH4037.")?;
    Ok(())
}
