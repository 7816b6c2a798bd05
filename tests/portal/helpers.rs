//! A real portal on port 0 with a fresh database (a SQLite file, or a new database on
//! the PostgreSQL server named by `GST_PORTAL_TEST_POSTGRES_URL`), and a browser-like
//! client that keeps cookies and does not follow redirects.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use chrono::TimeDelta;
use diesel::prelude::*;

use gst_portal::admin::{self, TaxpayerInput};
use gst_portal::clock::Clock;
use gst_portal::config::Settings;
use gst_portal::db::models::taxpayer::TaxpayerId;
use gst_portal::db::{Database, Pool, Run};
use gst_portal::startup::Application;

pub const PASSWORD: &str = "Gst@2026a";
pub const USERNAME: &str = "asha.traders";
pub const GSTIN: &str = "33AAFPS4321K1ZQ";
pub const OTHER_USERNAME: &str = "ravi.services";
pub const OTHER_GSTIN: &str = "09AACTB2468H1ZO";

/// A database of one test's own: a SQLite file in the test's directory, or, when
/// `GST_PORTAL_TEST_POSTGRES_URL` names a PostgreSQL server, a new database there
/// that is dropped when the test ends.
pub struct TestDb {
    pub database: Database,
    /// How the command line's `--database` names it.
    arg: std::ffi::OsString,
    #[cfg(feature = "postgres")]
    _dropped_by: Option<PgDatabase>,
}

impl AsRef<std::ffi::OsStr> for TestDb {
    fn as_ref(&self) -> &std::ffi::OsStr {
        &self.arg
    }
}

/// The server every PostgreSQL test database is made on, if the tests run there.
pub fn postgres_server() -> Option<String> {
    std::env::var("GST_PORTAL_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A fresh database for one test; `name` is the SQLite file's name in `dir`.
pub fn fresh_db(dir: &std::path::Path, name: &str) -> TestDb {
    match postgres_server() {
        None => {
            let path = dir.join(name);
            TestDb {
                arg: path.clone().into_os_string(),
                database: Database::Sqlite(path),
                #[cfg(feature = "postgres")]
                _dropped_by: None,
            }
        }
        #[cfg(feature = "postgres")]
        Some(server) => {
            let made = PgDatabase::create(&server);
            TestDb {
                arg: made.url.clone().into(),
                database: made.url.as_str().into(),
                _dropped_by: Some(made),
            }
        }
        #[cfg(not(feature = "postgres"))]
        Some(_) => panic!(
            "GST_PORTAL_TEST_POSTGRES_URL is set but the tests were built without the \
             `postgres` feature"
        ),
    }
}

/// A database made on the test server for one test, dropped (with any connections
/// still open to it) at the end.
#[cfg(feature = "postgres")]
pub struct PgDatabase {
    server: String,
    name: String,
    pub url: String,
}

#[cfg(feature = "postgres")]
use diesel::connection::SimpleConnection;

#[cfg(feature = "postgres")]
impl PgDatabase {
    fn create(server: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static MADE: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "portal_test_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = diesel::PgConnection::establish(server).expect("the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a test database");
        let (base, query) = match server.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (server, String::new()),
        };
        let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
        PgDatabase {
            server: server.to_string(),
            url: format!("{root}/{name}{query}"),
            name,
        }
    }
}

#[cfg(feature = "postgres")]
impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.server) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub clock: Arc<Clock>,
    pub pool: Pool,
    pub settings: Settings,
    pub taxpayer: TaxpayerId,
    hasher: gst_portal::auth::password::Hasher,
    /// The threads that open app keys, whose queue tests fill.
    pub decrypter: gst_portal::services::gsp::keys::Decrypter,
    handle: ServerHandle,
    _db: Arc<TestDb>,
    _dir: Arc<tempfile::TempDir>,
}

fn taxpayer(username: &str, gstin: &str, legal: &str, trade: &str) -> TaxpayerInput {
    TaxpayerInput {
        username: username.to_string(),
        gstin: gstin.to_string(),
        legal_name: legal.to_string(),
        trade_name: Some(trade.to_string()),
        state: None,
        mobile: Some("9876543210".to_string()),
        email: None,
        constitution: "Partnership".to_string(),
        taxpayer_type: "Regular".to_string(),
        registration_date: chrono::NaiveDate::from_ymd_opt(2018, 4, 1),
        password: PASSWORD.to_string(),
    }
}

/// A portal with two taxpayers, on a fresh database file.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temporary directory"));
    let db = Arc::new(fresh_db(dir.path(), "portal.db"));
    let mut settings = Settings::new("127.0.0.1:0", db.database.clone());
    tweak(&mut settings);
    let clock = Arc::new(Clock::system());
    let app = start(settings.clone(), clock.clone(), db, dir.clone()).await;
    let mut conn = app.pool.get().unwrap();
    let now = clock.now();
    let id = admin::add_taxpayer(
        &mut conn,
        &taxpayer(
            USERNAME,
            GSTIN,
            "Asha Traders Private Limited",
            "Asha Traders",
        ),
        now,
    )
    .unwrap();
    admin::add_taxpayer(
        &mut conn,
        &taxpayer(
            OTHER_USERNAME,
            OTHER_GSTIN,
            "Ravi Services LLP",
            "Ravi Services",
        ),
        now,
    )
    .unwrap();
    TestApp {
        taxpayer: id,
        ..app
    }
}

async fn start(
    settings: Settings,
    clock: Arc<Clock>,
    db: Arc<TestDb>,
    dir: Arc<tempfile::TempDir>,
) -> TestApp {
    let app = Application::build(settings.clone(), clock.clone())
        .await
        .expect("the portal starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    let handle = app.handle();
    let hasher = app.hasher().clone();
    let decrypter = app.decrypter().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base,
        clock,
        pool,
        settings,
        taxpayer: TaxpayerId(0),
        hasher,
        decrypter,
        handle,
        _db: db,
        _dir: dir,
    }
}

impl TestApp {
    /// Stops this server and starts a new one on the same database file and clock.
    pub async fn restart(self) -> TestApp {
        self.restart_with(|_| {}).await
    }

    /// Like `restart`, with the settings changed by `tweak` first.
    pub async fn restart_with(self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        self.handle.stop(true).await;
        let TestApp {
            mut settings,
            clock,
            _db,
            _dir,
            taxpayer,
            ..
        } = self;
        tweak(&mut settings);
        let app = start(settings, clock, _db, _dir).await;
        TestApp { taxpayer, ..app }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// A second portal on this one's database and settings, with its own pools,
    /// writer, clock and port: another instance behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        let app = start(
            self.settings.clone(),
            Arc::new(Clock::system()),
            self._db.clone(),
            self._dir.clone(),
        )
        .await;
        TestApp {
            taxpayer: self.taxpayer,
            ..app
        }
    }

    /// A browser logged in as the main test taxpayer.
    pub async fn logged_in(&self) -> Browser {
        let b = self.browser();
        let res = b.log_in(USERNAME, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        b
    }

    /// Adds a taxpayer with the test password; `n` picks a distinct valid GSTIN.
    pub fn add_taxpayer(&self, username: &str, n: u32) -> TaxpayerId {
        let first14 = format!("27AAACT{n:04}F1Z");
        let check = gst_portal::domain::gstin::check_character(first14.as_bytes()) as char;
        let mut conn = self.pool.get().unwrap();
        admin::add_taxpayer(
            &mut conn,
            &taxpayer(
                username,
                &format!("{first14}{check}"),
                "Test Taxpayer",
                "Test",
            ),
            self.clock.now(),
        )
        .unwrap()
    }

    /// Registers a plain-protocol GSP client and returns an API client using its
    /// credentials.
    pub fn gsp(&self, name: &str) -> Gsp {
        self.gsp_speaking(name, false)
    }

    /// Registers a GSP client of either protocol and returns its credentials.
    pub fn gsp_speaking(&self, name: &str, encrypted: bool) -> Gsp {
        let mut conn = self.pool.get().unwrap();
        let c = admin::add_gsp_client(&mut conn, name, encrypted, self.clock.now()).unwrap();
        Gsp {
            base: self.base.clone(),
            client_id: c.client_id,
            secret: c.client_secret,
        }
    }

    /// Sets `sandbox-otp` to "on" or "off", as the command line does.
    pub fn sandbox_otp(&self, state: &str) {
        use gst_portal::db::models::app_setting;
        let mut conn = self.pool.get().unwrap();
        app_setting::set(&mut conn, app_setting::SANDBOX_OTP, state).unwrap();
    }

    /// Marks `taxpayer` as training data (a demo taxpayer), as demo seeding does.
    pub fn mark_training(&self, taxpayer: TaxpayerId) {
        use gst_portal::db::models::demo_taxpayer;
        let mut conn = self.pool.get().unwrap();
        demo_taxpayer::mark(&mut conn, taxpayer, demo_taxpayer::DEMO).unwrap();
    }

    pub fn hasher_peak(&self) -> usize {
        self.hasher.peak_concurrency()
    }

    pub fn hashes_finished(&self) -> usize {
        self.hasher.finished()
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    /// Everything a user can see or change, to show that a bad request changed nothing.
    pub fn snapshot(&self) -> String {
        #[derive(QueryableByName, Debug)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text)]
            line: String,
        }
        let mut conn = self.pool.get().unwrap();
        let queries = [
            "SELECT 'access ' || taxpayer_id || ' ' || CAST(enabled AS TEXT) || ' ' || coalesce(CAST(duration_hours AS TEXT), '-') || ' ' || coalesce(CAST(expires_at AS TEXT), '-') || ' ' || CAST(updated_at AS TEXT) AS line FROM api_access ORDER BY taxpayer_id",
            "SELECT 'change ' || id || ' ' || taxpayer_id || ' ' || CAST(enabled AS TEXT) || ' ' || coalesce(CAST(duration_hours AS TEXT), '-') || ' ' || coalesce(CAST(expires_at AS TEXT), '-') AS line FROM api_access_changes ORDER BY id",
            "SELECT 'taxpayer ' || id || ' ' || username || ' ' || gstin || ' ' || legal_name || ' ' || password_hash AS line FROM taxpayers ORDER BY id",
        ];
        queries
            .iter()
            .flat_map(|q| diesel::sql_query(*q).fetch_all::<Line>(&mut conn).unwrap())
            .map(|l| l.line + "\n")
            .collect()
    }

    /// The characters of the captcha last drawn for `browser`, read from its
    /// encrypted cookie with the portal's cookie key (as only the server can).
    pub fn captcha_shown(&self, browser: &Browser) -> String {
        use actix_web::cookie::{Cookie, CookieJar, Key};
        let mut conn = self.pool.get().unwrap();
        let hex = gst_portal::db::models::app_setting::get(&mut conn, "session_cookie_key")
            .unwrap()
            .expect("a cookie key");
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let key = Key::from(&bytes);
        let name = self.settings.captcha_cookie_name();
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(
            name,
            browser.cookie(name).expect("a captcha cookie"),
        ));
        let opened = jar
            .private(&key)
            .get(name)
            .expect("a genuine captcha cookie");
        opened.value().split('|').nth(1).unwrap().to_string()
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().unwrap();
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .fetch_one::<Count>(&mut conn)
            .unwrap()
            .n
    }
}

/// The newest OTP in the taxpayer's Messages page, read as the taxpayer would.
pub async fn otp_from_messages(b: &Browser) -> String {
    let page = b.get("/messages").await;
    assert_eq!(page.status, StatusCode::OK);
    let list = page.text_of("message-list").expect("a message");
    let otp: String = list
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .expect("an OTP in the newest message")
        .to_string();
    otp
}

/// The trainer password of the demo portals the tests start.
pub const TRAINER_PASSWORD: &str = "Trainer@2026";

/// A portal in demo mode, with the trainer password known to the tests.
pub async fn spawn_demo() -> TestApp {
    spawn_demo_with(|_| {}).await
}

/// Like `spawn_demo`, with the settings changed by `tweak` too.
pub async fn spawn_demo_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.demo = true;
        s.trainer_password = Some(TRAINER_PASSWORD.into());
        tweak(s);
    })
    .await
}

/// One post of the trainer login form with `password`.
pub async fn trainer_attempt(b: &Browser, password: &str) -> Page {
    b.submit(
        "/trainer/login",
        "/trainer/login",
        &[("password", password)],
    )
    .await
}

/// A browser logged in to the trainer console.
pub async fn trainer(app: &TestApp) -> Browser {
    let b = app.browser();
    let res = trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/trainer"));
    b
}

/// Moves the demo clock from the trainer console.
/// One trainee added from the classroom page by the trainer `t`, with usernames made
/// of `prefix`: (username, password) as the printable sheet shows them.
pub async fn add_one_trainee(t: &Browser, prefix: &str) -> (String, String) {
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/trainees",
            &[("count", "1"), ("prefix", prefix)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sheet = t.get("/trainer/classroom/sheet").await;
    (
        sheet.texts(".card__username").remove(0),
        sheet.texts(".card__password").remove(0),
    )
}

pub async fn shift(b: &Browser, value: &str) -> Page {
    b.submit("/trainer", "/trainer/clock", &[("shift", value)])
        .await
}

/// GSP software calling the API simulator.
pub struct Gsp {
    pub base: String,
    pub client_id: String,
    pub secret: String,
}

/// An API answer: the HTTP status and the JSON body.
#[derive(Debug)]
pub struct ApiAnswer {
    pub status: StatusCode,
    pub json: serde_json::Value,
}

impl ApiAnswer {
    /// The `error_cd`, or "1" for a success.
    pub fn code(&self) -> String {
        match self.json["status_cd"].as_str() {
            Some("1") => "1".to_string(),
            _ => self.json["error"]["error_cd"]
                .as_str()
                .unwrap_or("?")
                .to_string(),
        }
    }

    pub fn token(&self) -> String {
        self.json["auth_token"]
            .as_str()
            .expect("an auth token")
            .to_string()
    }
}

impl Gsp {
    /// The same GSP software, pointed at `app` (after a restart, say).
    pub fn at(self, app: &TestApp) -> Gsp {
        Gsp {
            base: app.base.clone(),
            ..self
        }
    }

    fn client(&self) -> awc::Client {
        awc::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .finish()
    }

    /// Sends `body` as it is to the authenticate call, with this client's headers.
    pub async fn raw(&self, content_type: &str, body: Vec<u8>) -> ApiAnswer {
        let mut res = self
            .client()
            .post(format!("{}/taxpayerapi/v1.0/authenticate", self.base))
            .insert_header(("clientid", self.client_id.as_str()))
            .insert_header(("client-secret", self.secret.as_str()))
            .insert_header(("content-type", content_type))
            .send_body(body)
            .await
            .unwrap();
        let body = res.body().await.unwrap();
        ApiAnswer {
            status: res.status(),
            json: serde_json::from_slice(&body).unwrap_or_else(|_| {
                panic!(
                    "not JSON ({}): {}",
                    res.status(),
                    String::from_utf8_lossy(&body)
                )
            }),
        }
    }

    pub async fn call(&self, body: serde_json::Value) -> ApiAnswer {
        self.raw("application/json", body.to_string().into_bytes())
            .await
    }

    pub async fn otp_request(&self, username: &str) -> ApiAnswer {
        self.call(serde_json::json!({"action": "OTPREQUEST", "username": username, "app_key": "k"}))
            .await
    }

    pub async fn auth_token(&self, username: &str, otp: &str) -> ApiAnswer {
        self.call(serde_json::json!({"action": "AUTHTOKEN", "username": username, "app_key": "k", "otp": otp}))
            .await
    }

    pub async fn refresh(&self, username: &str, token: &str) -> ApiAnswer {
        self.call(serde_json::json!({"action": "REFRESHTOKEN", "username": username, "app_key": "k", "auth_token": token}))
            .await
    }

    pub async fn logout(&self, username: &str, token: &str) -> ApiAnswer {
        self.call(serde_json::json!({"action": "LOGOUT", "username": username, "app_key": "k", "auth_token": token}))
            .await
    }

    pub async fn profile(&self, token: &str, username: &str, gstin: &str) -> ApiAnswer {
        let mut res = self
            .client()
            .get(format!("{}/taxpayerapi/v1.0/profile", self.base))
            .insert_header(("clientid", self.client_id.as_str()))
            .insert_header(("client-secret", self.secret.as_str()))
            .insert_header(("auth-token", token))
            .insert_header(("username", username))
            .insert_header(("gstin", gstin))
            .send()
            .await
            .unwrap();
        let body = res.body().await.unwrap();
        ApiAnswer {
            status: res.status(),
            json: serde_json::from_slice(&body).unwrap(),
        }
    }
}

/// What came back from the portal.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The texts of the elements `css` selects, whitespace collapsed, entities read.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("a valid selector");
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The value of `attr` on the first element `css` selects.
    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let selector = scraper::Selector::parse(css).expect("a valid selector");
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr(attr).map(str::to_string))
    }

    /// The value of the hidden anti-forgery field.
    pub fn csrf_token(&self) -> String {
        self.attr(r#"input[name="csrf_token"]"#, "value")
            .expect("the page has a csrf_token field")
    }

    /// The text of the element with `id`, tags removed.
    pub fn text_of(&self, id: &str) -> Option<String> {
        self.texts(&format!("#{id}")).into_iter().next()
    }

    /// The cells of each body row of the table (or the table inside the element)
    /// with `id`.
    pub fn rows(&self, id: &str) -> Vec<Vec<String>> {
        let html = self.html();
        let rows = scraper::Selector::parse(&format!("#{id} tbody tr")).unwrap();
        let cells = scraper::Selector::parse("td").unwrap();
        html.select(&rows)
            .map(|row| {
                row.select(&cells)
                    .map(|c| {
                        c.text()
                            .collect::<String>()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect()
            })
            .collect()
    }

    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} in the page ({}):\n{}",
            self.status,
            self.body
        );
    }
}

/// A client that keeps cookies like a browser (`cookie_store`: expiry, removal and
/// paths as RFC 6265 says) and never follows redirects.
pub struct Browser {
    base: String,
    client: awc::Client,
    cookies: RefCell<cookie_store::CookieStore>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::with_headers(base, &[])
    }

    /// A browser whose every request carries `headers` too (as a proxy would add).
    pub fn with_headers(base: &str, headers: &[(&str, &str)]) -> Self {
        let mut client = awc::Client::builder()
            .disable_redirects()
            .add_default_header(("User-Agent", "gst-portal-tests"))
            .timeout(std::time::Duration::from_secs(60));
        for &(name, value) in headers {
            client = client.add_default_header((name.to_string(), value.to_string()));
        }
        Browser {
            base: base.to_string(),
            client: client.finish(),
            cookies: RefCell::new(cookie_store::CookieStore::default()),
        }
    }

    fn url(&self) -> url::Url {
        url::Url::parse(&format!("{}/", self.base)).unwrap()
    }

    /// The current value of the cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.url();
        self.cookies
            .borrow()
            .get(url.host_str().unwrap(), "/", name)
            .map(|c| c.value().to_string())
    }

    /// Sets a cookie by hand, as an attacker planting one would.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let cookie = cookie_store::RawCookie::new(name.to_string(), value.to_string());
        self.cookies
            .borrow_mut()
            .insert_raw(&cookie, &self.url())
            .unwrap();
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .borrow()
            .get_request_values(&self.url())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish<S>(&self, mut res: awc::ClientResponse<S>) -> Page
    where
        S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        let url = self.url();
        let set: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        self.cookies.borrow_mut().store_response_cookies(
            set.iter()
                .filter_map(|c| cookie_store::RawCookie::parse(c.clone()).ok()),
            &url,
        );
        let body = res.body().limit(4 * 1024 * 1024).await.unwrap();
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .insert_header(("Cookie", self.cookie_header()))
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// Posts a form as a browser would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.try_post(path, content_type, body, None).await.unwrap()
    }

    /// Posts a form, telling the server `user_agent`; `None` when no response came.
    pub async fn try_post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        user_agent: Option<&str>,
    ) -> Option<Page> {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(("Content-Type", content_type));
        if let Some(ua) = user_agent {
            req = req.insert_header(("User-Agent", ua));
        }
        let res = req.send_body(body).await.ok()?;
        Some(self.finish(res).await)
    }

    /// Opens `form_page`, then posts `fields` with the page's anti-forgery token.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        assert_eq!(page.status, StatusCode::OK, "{form_page}: {}", page.body);
        let token = page.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Posts the login form with a token taken earlier.
    pub async fn post_login(&self, token: &str, username: &str, password: &str) -> Page {
        self.post_login_with(token, username, password, &[]).await
    }

    /// Posts the login form with a token taken earlier and any of its other fields
    /// (`next`, `captcha`).
    pub async fn post_login_with(
        &self,
        token: &str,
        username: &str,
        password: &str,
        more: &[(&str, &str)],
    ) -> Page {
        let mut fields = vec![
            ("csrf_token", token),
            ("username", username),
            ("password", password),
        ];
        fields.extend_from_slice(more);
        self.post("/login", &fields).await
    }

    pub async fn log_in(&self, username: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Confirms a choice on Manage API Access; `duration` in hours.
    pub async fn confirm(&self, enable: &str, duration: Option<&str>) -> Page {
        let mut fields = vec![("enable_api", enable)];
        if let Some(d) = duration {
            fields.push(("duration", d));
        }
        self.submit("/profile/api-access", "/profile/api-access", &fields)
            .await
    }
}

/// A portal process of the real binary, on a free port.
pub struct Process {
    pub child: Child,
    pub base: String,
}

/// The durations of the drop-down, in hours.
pub const DURATIONS: [&str; 7] = ["6", "12", "24", "48", "168", "360", "720"];

pub fn start_process(db: &TestDb) -> Process {
    spawn_process(
        Command::new(env!("CARGO_BIN_EXE_gst-portal"))
            .arg("--database")
            .arg(db)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--login-attempts-per-minute",
                "1000",
            ])
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null()),
    )
}

/// Starts the portal `command` describes (a `serve`), its standard output piped, and
/// waits until it says where it listens.
pub fn spawn_process(command: &mut Command) -> Process {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the portal prints its address")
            .unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
    };
    // Keep draining stdout so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Process { child, base }
}

pub fn add_taxpayer_cli(db: &TestDb) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gst-portal"))
        .arg("--database")
        .arg(db)
        .args([
            "taxpayer",
            "add",
            "--username",
            USERNAME,
            "--gstin",
            GSTIN,
            "--legal-name",
            "Asha Traders",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success());
}

pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
