//! A paced flood of encrypted authenticate calls, for `bench/flood.sh`: each of
//! `connections` connections sends an OTPREQUEST with a random 256-byte app key
//! every `period_ms` (waiting for the answer first; after a late answer the next
//! call goes at once, without catching up), for `seconds`. wrk cannot pace its
//! requests, hence this.
//!
//! `flood <url> <clientid> <client-secret> <username> <state-cd> <connections>
//! <period_ms> <seconds>` prints `flood_sent N` and one `flood_<code> N` line per
//! answer code (`1` for success, `error` for calls that got no answer).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;

struct Flood {
    url: String,
    client_id: String,
    secret: String,
    username: String,
    state: String,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, client_id, secret, username, state, connections, period_ms, seconds] =
        args.as_slice()
    else {
        anyhow::bail!("usage: flood <url> <clientid> <client-secret> <username> <state-cd> <connections> <period_ms> <seconds>");
    };
    let connections: usize = connections.parse().context("connections")?;
    let period = Duration::from_millis(period_ms.parse().context("period_ms")?);
    let seconds = Duration::from_secs(seconds.parse().context("seconds")?);
    let flood = std::rc::Rc::new(Flood {
        url: format!(
            "{}/taxpayerapi/v1.0/authenticate",
            url.trim_end_matches('/')
        ),
        client_id: client_id.clone(),
        secret: secret.clone(),
        username: username.clone(),
        state: state.clone(),
    });
    let counts = actix_web::rt::System::new().block_on(async move {
        let tasks: Vec<_> = (0..connections)
            .map(|_| actix_web::rt::spawn(one_connection(flood.clone(), period, seconds)))
            .collect();
        let mut counts: HashMap<String, u64> = HashMap::new();
        for task in tasks {
            for (code, n) in task.await.unwrap_or_default() {
                *counts.entry(code).or_default() += n;
            }
        }
        counts
    });
    println!("flood_sent {}", counts.values().sum::<u64>());
    let mut codes: Vec<_> = counts.into_iter().collect();
    codes.sort();
    for (code, n) in codes {
        println!("flood_{code} {n}");
    }
    Ok(())
}

/// One keep-alive connection's calls, counted by answer code.
async fn one_connection(
    flood: std::rc::Rc<Flood>,
    period: Duration,
    seconds: Duration,
) -> HashMap<String, u64> {
    use actix_web::rt::time::{sleep_until, Instant};
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .connector(awc::Connector::new().limit(1))
        .finish();
    let mut counts = HashMap::new();
    let mut next = Instant::now();
    let until = next + seconds;
    while next < until {
        sleep_until(next).await;
        next = (next + period).max(Instant::now());
        let mut app_key = [0u8; 256];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut app_key);
        let body = serde_json::json!({
            "action": "OTPREQUEST",
            "username": flood.username,
            "app_key": base64::engine::general_purpose::STANDARD.encode(app_key),
        });
        let sent = client
            .post(&flood.url)
            .insert_header(("clientid", flood.client_id.as_str()))
            .insert_header(("client-secret", flood.secret.as_str()))
            .insert_header(("state-cd", flood.state.as_str()))
            .insert_header(("ip-usr", "203.0.113.7"))
            .insert_header(("txn", "flood"))
            .send_json(&body)
            .await;
        let code = match sent {
            Ok(mut res) => match res.json::<serde_json::Value>().await {
                Ok(json) if json["status_cd"] == "1" => "1".to_string(),
                Ok(json) => json["error"]["error_cd"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_string(),
                Err(_) => format!("http{}", res.status().as_u16()),
            },
            Err(_) => "error".to_string(),
        };
        *counts.entry(code).or_default() += 1;
    }
    counts
}
