//! The requests GSP software sends to the taxpayer API, as data: built in one place,
//! shown as they go (`gst-portal gsp-demo` prints them, the trainer's GSP player puts
//! them on its page), then sent over HTTP like any GSP's.

use actix_web::http::StatusCode;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where the authentication actions go.
pub const AUTHENTICATE_PATH: &str = "/taxpayerapi/v1.0/authenticate";
/// The protected call both players make.
pub const PROFILE_PATH: &str = "/taxpayerapi/v1.0/profile";
/// The app key a plain client sends: the plain protocol does not open it.
pub const PLAIN_APP_KEY: &str = "gsp-demo-app-key";
/// How a header that holds a secret is shown.
const MASK: &str = "********";
/// The headers whose values are never shown.
const SECRET_HEADERS: [&str; 1] = ["client-secret"];

/// The GSP client a request is sent as.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

/// The HTTP methods the taxpayer API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request to the taxpayer API: what is sent, in the order it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRequest {
    pub method: Method,
    /// The path, with any query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl ApiRequest {
    fn new(method: Method, path: &str, caller: Caller<'_>) -> Self {
        ApiRequest {
            method,
            path: path.to_string(),
            headers: vec![
                ("clientid".to_string(), caller.client_id.to_string()),
                (
                    "client-secret".to_string(),
                    caller.client_secret.to_string(),
                ),
            ],
            body: None,
        }
    }

    /// `POST /taxpayerapi/v1.0/authenticate` with `body`.
    pub fn authenticate(caller: Caller<'_>, body: Value) -> Self {
        ApiRequest {
            body: Some(body),
            ..Self::new(Method::Post, AUTHENTICATE_PATH, caller)
        }
        .with_header("content-type", "application/json")
    }

    /// OTPREQUEST: text an OTP to the taxpayer.
    pub fn otp_request(caller: Caller<'_>, username: &str, app_key: &str) -> Self {
        Self::authenticate(
            caller,
            json!({"action": "OTPREQUEST", "username": username, "app_key": app_key}),
        )
    }

    /// AUTHTOKEN: trade the OTP for an auth token.
    pub fn auth_token(caller: Caller<'_>, username: &str, app_key: &str, otp: &str) -> Self {
        Self::authenticate(
            caller,
            json!({"action": "AUTHTOKEN", "username": username, "app_key": app_key, "otp": otp}),
        )
    }

    /// REFRESHTOKEN: a new token for a live one, without a new OTP.
    pub fn refresh_token(
        caller: Caller<'_>,
        username: &str,
        app_key: &str,
        auth_token: &str,
    ) -> Self {
        Self::authenticate(
            caller,
            json!({"action": "REFRESHTOKEN", "username": username, "app_key": app_key, "auth_token": auth_token}),
        )
    }

    /// LOGOUT: end the session of the token.
    pub fn logout(caller: Caller<'_>, username: &str, app_key: &str, auth_token: &str) -> Self {
        Self::authenticate(
            caller,
            json!({"action": "LOGOUT", "username": username, "app_key": app_key, "auth_token": auth_token}),
        )
    }

    /// `GET /taxpayerapi/v1.0/profile` with the session's token.
    pub fn profile(caller: Caller<'_>, username: &str, gstin: &str, auth_token: &str) -> Self {
        Self::new(Method::Get, PROFILE_PATH, caller)
            .with_header("auth-token", auth_token)
            .with_header("username", username)
            .with_header("gstin", gstin)
    }

    /// This request with one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// This request as it may be shown or kept: the client secret masked.
    pub fn masked(&self) -> Self {
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if SECRET_HEADERS.contains(&name.as_str()) {
                    MASK.to_string()
                } else {
                    value.clone()
                };
                (name.clone(), shown)
            })
            .collect();
        ApiRequest {
            headers,
            ..self.clone()
        }
    }

    /// Sends this request to the portal at `base` (such as `http://127.0.0.1:8080`) and
    /// reads its JSON answer.
    pub async fn send(&self, http: &awc::Client, base: &str) -> anyhow::Result<ApiReply> {
        let url = format!("{base}{}", self.path);
        let mut req = match self.method {
            Method::Get => http.get(&url),
            Method::Post => http.post(&url),
        };
        for (name, value) in &self.headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let sent = match &self.body {
            Some(body) => req.send_body(serde_json::to_vec(body)?).await,
            None => req.send().await,
        };
        let mut res = sent
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("could not reach {url}"))?;
        let status = res.status();
        let body = res.body().await.context("could not read the answer")?;
        let json = serde_json::from_slice(&body)
            .with_context(|| format!("the answer ({status}) is not JSON"))?;
        Ok(ApiReply { status, json })
    }
}

/// What the API answered.
#[derive(Debug, Clone)]
pub struct ApiReply {
    pub status: StatusCode,
    pub json: Value,
}

impl ApiReply {
    /// Whether the API let the call in (`status_cd` "1").
    pub fn succeeded(&self) -> bool {
        self.json["status_cd"] == "1"
    }

    /// "1" for a success, else the `error_cd` (or "?" when the answer has none).
    pub fn code(&self) -> &str {
        if self.succeeded() {
            return "1";
        }
        self.json["error"]["error_cd"].as_str().unwrap_or("?")
    }

    /// The text of a string field of the answer.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.json[field].as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: Caller<'static> = Caller {
        client_id: "gsp-1",
        client_secret: "s3cret",
    };

    #[test]
    fn authentication_requests_carry_the_action_and_the_client() {
        let r = ApiRequest::otp_request(CALLER, "asha", PLAIN_APP_KEY);
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, AUTHENTICATE_PATH)
        );
        assert_eq!(r.body.as_ref().unwrap()["action"], "OTPREQUEST");
        assert!(r.headers.contains(&("clientid".into(), "gsp-1".into())));
        assert!(r
            .headers
            .contains(&("content-type".into(), "application/json".into())));
        let r = ApiRequest::auth_token(CALLER, "asha", "k", "575757");
        assert_eq!(r.body.as_ref().unwrap()["otp"], "575757");
        let r = ApiRequest::logout(CALLER, "asha", "k", "tok");
        assert_eq!(r.body.as_ref().unwrap()["auth_token"], "tok");
    }

    #[test]
    fn a_shown_request_hides_the_client_secret_only() {
        let r = ApiRequest::profile(CALLER, "asha", "33AAFPS4321K1ZQ", "tok");
        let shown = r.masked();
        assert!(!format!("{shown:?}").contains("s3cret"));
        assert!(shown
            .headers
            .contains(&("client-secret".into(), MASK.into())));
        assert!(shown.headers.contains(&("auth-token".into(), "tok".into())));
        assert_eq!(shown.headers.len(), r.headers.len());
    }

    #[test]
    fn a_reply_names_its_code() {
        let ok = ApiReply {
            status: StatusCode::OK,
            json: json!({"status_cd": "1"}),
        };
        assert_eq!(ok.code(), "1");
        let refused = ApiReply {
            status: StatusCode::FORBIDDEN,
            json: json!({"status_cd": "0", "error": {"error_cd": "AUTH4037", "message": "off"}}),
        };
        assert!(!refused.succeeded());
        assert_eq!(refused.code(), "AUTH4037");
    }
}
