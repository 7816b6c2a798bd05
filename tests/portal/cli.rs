//! The `gst-portal` command line.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use gst_portal::db::Database;

use crate::helpers::{fresh_db, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_gst-portal");

fn run(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn add(db: &TestDb, username: &str, gstin: &str, password: &str) -> Output {
    run(
        db,
        &[
            "taxpayer",
            "add",
            "--username",
            username,
            "--gstin",
            gstin,
            "--legal-name",
            "Test Traders",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn taxpayer_add_stores_a_taxpayer_and_refuses_bad_ones_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "cli.db");
    let ok = add(&db, "Test.User", "27AAPFU0939F1ZV", "Gst@2026a");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Added taxpayer test.user"));

    let cases = [
        (
            "test.user",
            "36AAGCN9336F1Z9",
            "Gst@2026a",
            "error: the username test.user is already taken",
        ),
        (
            "other.user",
            "27AAPFU0939F1ZV",
            "Gst@2026a",
            "error: a taxpayer with GSTIN 27AAPFU0939F1ZV already exists",
        ),
        (
            "other.user",
            "27AAPFU0939F1ZW",
            "Gst@2026a",
            "error: invalid GSTIN: The GSTIN's last character does not match its check character.",
        ),
        (
            "other.user",
            "36AAGCN9336F1Z9",
            "weakpass",
            "error: weak password: The password needs at least one upper-case letter (A-Z).",
        ),
        (
            "x",
            "36AAGCN9336F1Z9",
            "Gst@2026a",
            "error: invalid username",
        ),
    ];
    for (username, gstin, password, message) in cases {
        let out = add(&db, username, gstin, password);
        assert!(!out.status.success(), "{username} {gstin}");
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(lines[0].starts_with(message), "{err}");
    }
}

#[test]
fn seed_demo_adds_the_demo_taxpayers_once_and_prints_their_logins() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "seed.db");
    let first = run(&db, &["seed-demo"], "");
    assert!(first.status.success(), "{}", stderr(&first));
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(out.contains("Added 5 demo taxpayer(s)."), "{out}");
    assert!(
        out.contains("demo.enabled")
            && out.contains("Demo@2026")
            && out.contains("gsp-demo-client"),
        "{out}"
    );
    let second = run(&db, &["seed-demo"], "");
    assert!(String::from_utf8_lossy(&second.stdout).contains("Added 0 demo taxpayer(s)."));
}

#[test]
fn migrate_creates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "new.db");
    let out = run(&db, &["migrate"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date"));
    if let Database::Sqlite(path) = &db.database {
        assert!(path.exists());
    }
    // Again: nothing left to apply, and no error.
    let again = run(&db, &["migrate"], "");
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn a_database_server_that_cannot_be_reached_is_one_line_and_a_failure_exit() {
    // Port 1 on loopback: nothing listens there. The password must not be printed.
    let out = Command::new(BIN)
        .args([
            "--database",
            "postgres://portal:Db-Secret-9@127.0.0.1:1/portal",
            "migrate",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = stderr(&out);
    assert_eq!(said.trim_end().lines().count(), 1, "{said}");
    assert!(
        said.starts_with("error: could not open the database"),
        "{said}"
    );
    assert!(
        said.contains("postgres://portal:***@127.0.0.1:1/portal"),
        "{said}"
    );
    assert!(!said.contains("Db-Secret-9"), "{said}");
}

#[test]
fn a_bad_option_value_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "x.db");
    let out = run(&db, &["serve", "--idle-timeout-minutes", "0"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--idle-timeout-minutes"));
}

#[test]
fn gsp_clients_are_added_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "gsp.db");
    let out = run(&db, &["gsp-client", "add", "--name", "Sahaj Returns"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let id = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("clientid:"))
        .unwrap()
        .trim()
        .to_string();
    let secret = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("client-secret:"))
        .unwrap()
        .trim()
        .to_string();
    assert!(id.starts_with("gsp-") && secret.len() == 64, "{text}");

    let list = String::from_utf8_lossy(&run(&db, &["gsp-client", "list"], "").stdout).into_owned();
    assert!(list.contains(&id) && list.contains("active") && list.contains("Sahaj Returns"));
    assert!(!list.contains(&secret), "the secret is never shown again");

    let revoked = run(&db, &["gsp-client", "revoke", "--client-id", &id], "");
    assert!(revoked.status.success());
    let list = String::from_utf8_lossy(&run(&db, &["gsp-client", "list"], "").stdout).into_owned();
    assert!(list.contains("revoked"));
    let again = run(&db, &["gsp-client", "revoke", "--client-id", &id], "");
    assert!(!again.status.success());
    assert!(stderr(&again).contains("error: no active GSP client has the id"));
    let empty = run(&db, &["gsp-client", "add", "--name", "  "], "");
    assert!(!empty.status.success());
    assert!(stderr(&empty).starts_with("error: invalid client name"));
    assert!(
        text.contains("(encrypted protocol)"),
        "encrypted by default: {text}"
    );
    let plain = run(&db, &["gsp-client", "add", "--name", "Curl", "--plain"], "");
    assert!(String::from_utf8_lossy(&plain.stdout).contains("(plain protocol)"));
    let list = String::from_utf8_lossy(&run(&db, &["gsp-client", "list"], "").stdout).into_owned();
    assert!(
        list.lines()
            .any(|l| l.contains("plain") && l.contains("Curl")),
        "{list}"
    );
}

#[test]
fn gsp_key_export_prints_one_kept_key_and_rotate_makes_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "key.db");
    let stdout = |args: &[&str]| {
        let out = run(&db, args, "");
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let pem = stdout(&["gsp-key", "export"]);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    assert_eq!(stdout(&["gsp-key", "export"]), pem, "the key is kept");
    let cert = stdout(&["gsp-key", "export", "--cert"]);
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
    let rotated = stdout(&["gsp-key", "rotate"]);
    assert!(
        rotated.contains("0 session(s) of encrypted GSP clients ended"),
        "{rotated}"
    );
    assert_ne!(stdout(&["gsp-key", "export"]), pem);
}

/// Starts the binary with `args`, reads its standard output until it listens, then
/// stops it; returns what it printed.
fn start_and_stop(db: &TestDb, args: &[&str]) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(db)
        .args(args)
        .env("GST_PORTAL_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("listening on") {
            break;
        }
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    printed
}

#[test]
fn plain_serve_seeds_nothing_and_no_command_runs_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "plain.db");
    let plain = start_and_stop(&db, &["serve"]);
    assert!(!plain.contains("Demo"), "{plain}");
    assert!(!plain.contains("demo.enabled"), "{plain}");

    // No command at all: what `cargo run --release` does.
    let demo = start_and_stop(&db, &[]);
    for expected in [
        "Demo mode",
        "demo.enabled",
        "demo.locked",
        "Demo@2026",
        "gsp-demo-client",
        "Trainer console: /trainer   password ",
    ] {
        assert!(demo.contains(expected), "{expected} missing in:\n{demo}");
    }
    let with_no_captcha = start_and_stop(
        &db,
        &[
            "serve",
            "--demo",
            "--no-captcha",
            "--trainer-password",
            "Trainer@2026",
        ],
    );
    assert!(
        with_no_captcha.contains("The login captcha is off"),
        "{with_no_captcha}"
    );
    assert!(
        with_no_captcha.contains("password Trainer@2026"),
        "{with_no_captcha}"
    );
}

#[test]
fn classroom_add_prints_trainees_that_meet_the_rules_and_refuses_too_many() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "portal.db");
    let out = run(
        &db,
        &["classroom", "add", "--count", "2", "--prefix", "room"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Added 2 trainee(s)"), "{text}");
    for line in text.lines().filter(|l| l.trim_start().starts_with("room")) {
        let password = line.split_whitespace().nth(2).unwrap();
        assert!(
            gst_portal::domain::password_rule::check(password).is_ok(),
            "{line}"
        );
    }
    let out = run(&db, &["classroom", "add", "--count", "201"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("from 1 to 200"));
}
