//! `gst-portal gsp-demo` against a running portal.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::*;

/// Runs `gsp-demo` against `app` as `gsp`, typing `stdin`; off the test's event loop,
/// since the child process blocks.
async fn run_demo(app: &TestApp, gsp: &Gsp, stdin: &'static [u8]) -> Output {
    run_demo_with(app, gsp, stdin, &[]).await
}

async fn run_demo_with(
    app: &TestApp,
    gsp: &Gsp,
    stdin: &'static [u8],
    extra: &'static [&'static str],
) -> Output {
    let (base, id, secret) = (app.base.clone(), gsp.client_id.clone(), gsp.secret.clone());
    actix_web::rt::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gst-portal"))
            .args([
                "gsp-demo",
                "--url",
                &base,
                "--username",
                USERNAME,
                "--gstin",
                GSTIN,
            ])
            .args(["--client-id", &id, "--client-secret", &secret])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn the_demo_client_walks_the_whole_flow_and_prints_each_exchange() {
    // The sandbox OTP answers only for training taxpayers of a demo portal.
    let app = spawn_app_with(|s| s.demo = true).await;
    app.mark_training(app.taxpayer);
    let gsp = app.gsp("Demo GSP");
    app.sandbox_otp("on");
    app.logged_in().await.confirm("Y", Some("24")).await;
    let output = run_demo(&app, &gsp, b"575757\n").await;
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "== 1. Ask for an OTP",
        "\"action\": \"OTPREQUEST\"",
        "== 2. Trade the OTP for an auth token",
        "\"expiry\": 360",
        "== A protected call with the token",
        "\"legal_name\": \"Asha Traders Private Limited\"",
        "== 3. Refresh the token without a new OTP",
        "== 4. Log out",
        "Done.",
    ] {
        assert!(out.contains(expected), "{expected} missing in:\n{out}");
    }
    assert_eq!(out.matches("<- 201 Created").count(), 0, "{out}");
    assert_eq!(out.matches("<- 200 OK").count(), 6, "{out}");
}

#[actix_web::test]
async fn the_demo_explains_a_refusal_when_access_is_off() {
    let app = spawn_app().await;
    let gsp = app.gsp("Demo GSP");
    let output = run_demo(&app, &gsp, b"").await;
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        out.contains("AUTH4037") && out.contains("enable API access"),
        "{out}"
    );
}

#[actix_web::test]
async fn the_encrypted_demo_prints_the_wire_form_and_what_it_decrypts_to() {
    let app = spawn_app_with(|s| s.demo = true).await;
    app.mark_training(app.taxpayer);
    let gsp = app.gsp_speaking("Wire GSP", true);
    app.sandbox_otp("on");
    app.logged_in().await.confirm("Y", Some("24")).await;
    let output = run_demo_with(&app, &gsp, b"575757\n", &["--encrypted"]).await;
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "-----BEGIN PUBLIC KEY-----",
        "-> RSA PKCS#1 v1.5 under the portal's public key",
        "otp 575757 -> AES-256-ECB under the app key",
        "sek opens with the app key to the session key",
        "\"rek\":",
        "HMAC-SHA256 checks",
        "\"legal_name\": \"Asha Traders Private Limited\"",
        "new app key",
        "Done.",
    ] {
        assert!(out.contains(expected), "{expected} missing in:\n{out}");
    }
    assert_eq!(out.matches("HMAC-SHA256 checks").count(), 2, "{out}");
    assert_eq!(out.matches("<- 200 OK").count(), 6, "{out}");
}
