//! `gst-portal gsp-demo`: plays GSP software against a running portal and prints every
//! exchange, so a trainer can show the whole story on a projector: OTP, token, a
//! protected call, a refresh and a logout.

use std::io::{BufRead, Write};

use anyhow::Context;
use serde_json::{json, Value};

/// Who the demo acts as, and against which portal.
pub struct DemoSettings {
    pub url: String,
    pub username: String,
    pub gstin: String,
    pub client_id: String,
    pub client_secret: String,
}

struct Step<'a> {
    out: &'a mut dyn Write,
    client: awc::Client,
    settings: &'a DemoSettings,
}

impl Step<'_> {
    async fn post(&mut self, title: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}/taxpayerapi/v1.0/authenticate", self.settings.url);
        writeln!(
            self.out,
            "\n== {title}\n-> POST {url}\n{}",
            serde_json::to_string_pretty(&body)?
        )?;
        let mut res = self
            .client
            .post(&url)
            .insert_header(("clientid", self.settings.client_id.as_str()))
            .insert_header(("client-secret", self.settings.client_secret.as_str()))
            .send_json(&body)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("could not reach {url}"))?;
        self.answer(&mut res).await
    }

    async fn profile(&mut self, token: &str, gstin: &str) -> anyhow::Result<Value> {
        let url = format!("{}/taxpayerapi/v1.0/profile", self.settings.url);
        writeln!(
            self.out,
            "\n== A protected call with the token\n-> GET {url}"
        )?;
        let mut res = self
            .client
            .get(&url)
            .insert_header(("clientid", self.settings.client_id.as_str()))
            .insert_header(("client-secret", self.settings.client_secret.as_str()))
            .insert_header(("auth-token", token))
            .insert_header(("username", self.settings.username.as_str()))
            .insert_header(("gstin", gstin))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("could not reach {url}"))?;
        self.answer(&mut res).await
    }

    async fn answer<S>(&mut self, res: &mut awc::ClientResponse<S>) -> anyhow::Result<Value>
    where
        S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        let status = res.status();
        let body = res.body().await.context("could not read the answer")?;
        let value: Value = serde_json::from_slice(&body).context("the answer is not JSON")?;
        writeln!(
            self.out,
            "<- {status}\n{}",
            serde_json::to_string_pretty(&value)?
        )?;
        Ok(value)
    }
}

fn succeeded(v: &Value) -> bool {
    v["status_cd"] == "1"
}

/// Walks OTPREQUEST, AUTHTOKEN (the OTP read from `input`), profile, REFRESHTOKEN and
/// LOGOUT, printing each exchange to `out`. Stops at the first refusal, explained.
pub async fn run(
    settings: &DemoSettings,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut step = Step {
        out,
        client: awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish(),
        settings,
    };
    let user = settings.username.as_str();
    let app_key = "gsp-demo-app-key";
    let ask = step
        .post(
            "1. Ask for an OTP",
            json!({"action": "OTPREQUEST", "username": user, "app_key": app_key}),
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
    let token = step
        .post(
            "2. Trade the OTP for an auth token",
            json!({"action": "AUTHTOKEN", "username": user, "app_key": app_key, "otp": otp.trim()}),
        )
        .await?;
    if !succeeded(&token) {
        writeln!(step.out, "\nNo token: the OTP was not accepted.")?;
        return Ok(());
    }
    let auth_token = token["auth_token"].as_str().unwrap_or_default().to_string();
    step.profile(&auth_token, &settings.gstin).await?;
    let refreshed = step
        .post(
            "3. Refresh the token without a new OTP",
            json!({"action": "REFRESHTOKEN", "username": user, "app_key": app_key, "auth_token": auth_token}),
        )
        .await?;
    let current = refreshed["auth_token"]
        .as_str()
        .map_or(auth_token, str::to_string);
    step.profile(&current, &settings.gstin).await?;
    step.post(
        "4. Log out",
        json!({"action": "LOGOUT", "username": user, "app_key": app_key, "auth_token": current}),
    )
    .await?;
    writeln!(step.out, "\nDone. Try it again after choosing No on the portal: the first step is refused with AUTH4037.")?;
    Ok(())
}
