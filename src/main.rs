//! The `gst-portal` command: serve the portal, or manage its database.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{NaiveDate, TimeDelta};
use clap::{Args, Parser, Subcommand};

use gst_portal::admin::{self, TaxpayerInput};
use gst_portal::clock::Clock;
use gst_portal::config::{defaults, Database, LockPolicy, Settings, TrustedProxies};
use gst_portal::startup::{Application, ShutdownSignals};
use gst_portal::{db, telemetry};

#[derive(Parser)]
#[command(
    name = "gst-portal",
    version,
    about = "A training copy of the GST Portal's Manage API Access"
)]
struct Cli {
    /// The SQLite database file (created and migrated when missing), or a PostgreSQL
    /// URL such as `postgres://user:password@host/dbname?sslmode=require` (builds with
    /// the `postgres` feature; the database must exist and is migrated at start).
    #[arg(
        long,
        global = true,
        env = "GST_PORTAL_DATABASE",
        default_value = "gst-portal.db"
    )]
    database: Database,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (what runs when no command is given).
    Serve(ServeArgs),
    /// Create the database or bring it up to date, then exit.
    Migrate,
    /// Add the demo taxpayers that are missing, then print the demo accounts.
    SeedDemo,
    /// Manage taxpayers.
    #[command(subcommand)]
    Taxpayer(TaxpayerCommand),
    /// Manage GSP/ASP clients of the API simulator.
    #[command(subcommand)]
    GspClient(GspClientCommand),
    /// The simulator's RSA key pair for the encrypted GSP protocol.
    #[command(subcommand)]
    GspKey(GspKeyCommand),
    /// Classroom mode: trainee taxpayers for a room (used by `demo`).
    #[command(subcommand)]
    Classroom(ClassroomCommand),
    /// The trainer console's login (demo mode).
    #[command(subcommand)]
    Trainer(TrainerCommand),
    /// Play GSP software against a running portal, printing every exchange.
    GspDemo {
        /// The portal's address.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long)]
        username: String,
        /// The taxpayer's GSTIN, sent with protected calls.
        #[arg(long)]
        gstin: String,
        /// The GSP client (default: the demo data's client of the chosen protocol).
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        client_secret: Option<String>,
        /// Speak the encrypted wire protocol, printing each exchange's wire form and
        /// what it decrypts to.
        #[arg(long)]
        encrypted: bool,
    },
    /// Whether, in demo mode, the API simulator also accepts the sandbox OTP 575757 from
    /// the demo data's taxpayers, and for trainees from the trainer's GSP player
    /// (seeding turns it on once; never for other taxpayers).
    SandboxOtp {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Subcommand)]
enum ClassroomCommand {
    /// Add trainee taxpayers and print their usernames and passwords.
    Add {
        /// How many (1 to 200 at once, 1,000 trainees in all).
        #[arg(long)]
        count: u32,
        /// Usernames are this prefix and a number.
        #[arg(long, default_value = gst_portal::demo::classroom::DEFAULT_PREFIX)]
        prefix: String,
    },
}

#[derive(Subcommand)]
enum TrainerCommand {
    /// End every lock of the trainer login, at every address, and forget its failed
    /// logins (for the console's owner when a lock keeps the trainer out).
    Unlock,
}

#[derive(Subcommand)]
enum GspClientCommand {
    /// Register a client; prints its id and secret (the secret is shown only now).
    Add {
        #[arg(long)]
        name: String,
        /// Speak the plain protocol (app key and OTP as they are, answers not
        /// encrypted: for curl and trainers) instead of the encrypted one.
        #[arg(long)]
        plain: bool,
    },
    /// List the registered clients.
    List,
    /// Revoke a client: its calls are refused from now on.
    Revoke {
        #[arg(long)]
        client_id: String,
    },
}

#[derive(Subcommand)]
enum GspKeyCommand {
    /// Print the public key as PEM (made first if there is none yet).
    Export {
        /// Print the self-signed X.509 certificate (.cer) instead.
        #[arg(long)]
        cert: bool,
    },
    /// Make a new key pair; the sessions of encrypted clients end.
    Rotate,
}

/// `Parser` as well as `Args`, so the same settings (from the environment) apply
/// when no command is given.
#[derive(Parser)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GST_PORTAL_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Mark cookies Secure and send HSTS: for a portal served over https.
    #[arg(long, env = "GST_PORTAL_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Key for the session cookie, 128 or more hex digits (default: generated once and
    /// kept in the database).
    #[arg(long, env = "GST_PORTAL_SESSION_SECRET", hide_env_values = true)]
    session_secret: Option<String>,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "GST_PORTAL_IDLE_TIMEOUT_MINUTES", default_value_t = defaults::IDLE_TIMEOUT_MINUTES, value_parser = clap::value_parser!(u32).range(1..=1440))]
    idle_timeout_minutes: u32,
    /// Hours after login at which a session ends however active.
    #[arg(long, env = "GST_PORTAL_SESSION_LIFETIME_HOURS", default_value_t = defaults::SESSION_LIFETIME_HOURS, value_parser = clap::value_parser!(u32).range(1..=168))]
    session_lifetime_hours: u32,
    /// Failed logins in a row that lock a username.
    #[arg(long, env = "GST_PORTAL_LOCKOUT_THRESHOLD", default_value_t = defaults::LOCKOUT_THRESHOLD, value_parser = clap::value_parser!(u32).range(1..=100))]
    lockout_threshold: u32,
    /// Minutes a locked username stays locked.
    #[arg(long, env = "GST_PORTAL_LOCKOUT_MINUTES", default_value_t = defaults::LOCKOUT_MINUTES, value_parser = clap::value_parser!(u32).range(1..=1440))]
    lockout_minutes: u32,
    /// Login attempts one client address may make per minute.
    #[arg(long, env = "GST_PORTAL_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = defaults::LOGIN_ATTEMPTS_PER_MINUTE, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    login_attempts_per_minute: u64,
    /// Live API sessions one GSP client may hold for one taxpayer.
    #[arg(long, env = "GST_PORTAL_GSP_SESSIONS_PER_CLIENT", default_value_t = defaults::GSP_SESSIONS_PER_CLIENT, value_parser = clap::value_parser!(i64).range(1..=1000))]
    gsp_sessions_per_client: i64,
    /// OTPs one GSP client may ask for one taxpayer within an hour.
    #[arg(long, env = "GST_PORTAL_OTP_REQUESTS_PER_HOUR", default_value_t = defaults::OTP_REQUESTS_PER_HOUR, value_parser = clap::value_parser!(u32).range(1..=1000))]
    otp_requests_per_hour: u32,
    /// Calls of one GSP client that the trainer's feed lists per minute; beyond that,
    /// and for the demo clients, calls are only counted.
    #[arg(long, env = "GST_PORTAL_GSP_CALLS_LISTED_PER_MINUTE", default_value_t = defaults::GSP_CALLS_LISTED_PER_MINUTE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    gsp_calls_listed_per_minute: u32,
    /// Authenticate calls of the GSP API one network address may make a minute.
    #[arg(long, env = "GST_PORTAL_API_CALLS_PER_MINUTE_PER_ADDRESS", default_value_t = defaults::API_CALLS_PER_MINUTE_PER_ADDRESS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    api_calls_per_minute_per_address: u32,
    /// Authenticate calls of the GSP API one GSP client may make a minute.
    #[arg(long, env = "GST_PORTAL_API_CALLS_PER_MINUTE_PER_CLIENT", default_value_t = defaults::API_CALLS_PER_MINUTE_PER_CLIENT, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    api_calls_per_minute_per_client: u32,
    /// Demo mode for trainers: a banner, demo data, the trainer console and its time
    /// machine (on when no command is given).
    #[arg(long, env = "GST_PORTAL_DEMO")]
    demo: bool,
    /// No captcha on the login form (in demo mode it is on by default). For
    /// accessibility and automation.
    #[arg(long, env = "GST_PORTAL_NO_CAPTCHA")]
    no_captcha: bool,
    /// The trainer console's password (default: a new one, printed at start).
    #[arg(long, env = "GST_PORTAL_TRAINER_PASSWORD", hide_env_values = true)]
    trainer_password: Option<String>,
    /// Reverse proxies whose Forwarded / X-Forwarded-For headers name the client:
    /// addresses or CIDR blocks, comma-separated (default: none, headers ignored).
    #[arg(long, env = "GST_PORTAL_TRUSTED_PROXIES", value_parser = TrustedProxies::parse, default_value = "")]
    trusted_proxies: TrustedProxies,
    /// Seconds a client may take to send a request's head, and then its body.
    #[arg(long, env = "GST_PORTAL_REQUEST_TIMEOUT_SECONDS", default_value_t = defaults::REQUEST_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout_seconds: u64,
    /// Open connections each worker thread (one per core) accepts.
    #[arg(long, env = "GST_PORTAL_MAX_CONNECTIONS_PER_WORKER", default_value_t = defaults::MAX_CONNECTIONS_PER_WORKER)]
    max_connections_per_worker: usize,
}

#[derive(Subcommand)]
enum TaxpayerCommand {
    /// Add a taxpayer; the password is read from standard input.
    Add(AddArgs),
}

#[derive(Args)]
struct AddArgs {
    #[arg(long)]
    username: String,
    #[arg(long)]
    gstin: String,
    #[arg(long)]
    legal_name: String,
    #[arg(long)]
    trade_name: Option<String>,
    /// State name (default: from the GSTIN's state code).
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    mobile: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long, default_value = "Proprietorship")]
    constitution: String,
    #[arg(long, default_value = "Regular")]
    taxpayer_type: String,
    /// Date of registration as YYYY-MM-DD (default: today).
    #[arg(long)]
    registration_date: Option<NaiveDate>,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
}

fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the cause's own text (libpq's span several).
            let said = format!("{e:#}");
            let said: Vec<&str> = said.split_whitespace().collect();
            eprintln!("error: {}", said.join(" "));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let database = cli.database;
    match cli.command {
        None => {
            let mut args = ServeArgs::try_parse_from(["serve"])?;
            args.demo = true;
            serve(database, args)
        }
        Some(Command::Serve(args)) => serve(database, args),
        Some(Command::Migrate) => {
            db::open(&database)?;
            println!("The database {database} is up to date.");
            Ok(())
        }
        Some(Command::SeedDemo) => {
            let pool = db::open(&database)?;
            let mut conn = pool.get()?;
            let added = gst_portal::demo::seed(&mut conn, &Clock::system())?;
            println!("Added {added} demo taxpayer(s).");
            print_demo_accounts(&mut conn)
        }
        Some(Command::Taxpayer(TaxpayerCommand::Add(args))) => add_taxpayer(database, args),
        Some(Command::GspClient(command)) => gsp_client(database, command),
        Some(Command::GspKey(command)) => gsp_key(database, command),
        Some(Command::Classroom(ClassroomCommand::Add { count, prefix })) => {
            let pool = db::open(&database)?;
            let mut conn = pool.get()?;
            let clock = Clock::system();
            let made = gst_portal::demo::classroom::add(
                &mut conn,
                count,
                &prefix.trim().to_lowercase(),
                clock.now(),
                &command_line_act(&clock),
            )?;
            println!("Added {} trainee(s):", made.len());
            for t in &made {
                println!(
                    "  {}  password {}  {}",
                    t.username, t.password, t.trade_name
                );
            }
            println!("The printable sheet is on the trainer console (Classroom).");
            Ok(())
        }
        Some(Command::Trainer(TrainerCommand::Unlock)) => {
            let pool = db::open(&database)?;
            let mut conn = pool.get()?;
            let clock = Clock::system();
            let ended = gst_portal::demo::trainer::end_trainer_locks(
                &mut conn,
                clock.security_now(),
                &command_line_act(&clock),
            )?;
            println!(
                "Ended {ended} lock(s) of the trainer login; its failed logins are forgotten."
            );
            Ok(())
        }
        Some(Command::GspDemo {
            url,
            username,
            gstin,
            client_id,
            client_secret,
            encrypted,
        }) => {
            use gst_portal::demo;
            let (default_id, default_secret) = if encrypted {
                (
                    demo::DEMO_ENCRYPTED_CLIENT_ID,
                    demo::DEMO_ENCRYPTED_CLIENT_SECRET,
                )
            } else {
                (demo::DEMO_GSP_CLIENT_ID, demo::DEMO_GSP_CLIENT_SECRET)
            };
            let settings = gst_portal::gsp_demo::DemoSettings {
                url: url.trim_end_matches('/').to_string(),
                username,
                gstin,
                client_id: client_id.unwrap_or_else(|| default_id.to_string()),
                client_secret: client_secret.unwrap_or_else(|| default_secret.to_string()),
                encrypted,
            };
            actix_web::rt::System::new().block_on(async {
                let stdin = std::io::stdin();
                gst_portal::gsp_demo::run(&settings, &mut stdin.lock(), &mut std::io::stdout())
                    .await
            })
        }
        Some(Command::SandboxOtp { state }) => {
            let pool = db::open(&database)?;
            let mut conn = pool.get()?;
            gst_portal::db::models::app_setting::set(
                &mut conn,
                gst_portal::db::models::app_setting::SANDBOX_OTP,
                &state,
            )?;
            println!("The sandbox OTP 575757 is now {state}.");
            Ok(())
        }
    }
}

/// A trainer's action taken on the command line, as its security event records it.
fn command_line_act(clock: &Clock) -> gst_portal::db::models::security_event::TrainerAct {
    use gst_portal::db::models::security_event::{EventTime, TrainerAct};
    TrainerAct {
        at: EventTime::now(clock),
        origin: gst_portal::db::models::Origin {
            client_ip: None,
            user_agent: Some("command line".to_string()),
        },
    }
}

fn gsp_client(database: Database, command: GspClientCommand) -> anyhow::Result<()> {
    let pool = db::open(&database)?;
    let mut conn = pool.get()?;
    let now = Clock::system().now();
    match command {
        GspClientCommand::Add { name, plain } => {
            let c = admin::add_gsp_client(&mut conn, &name, !plain, now)?;
            let protocol = if plain { "plain" } else { "encrypted" };
            println!(
                "Registered GSP client {:?} ({protocol} protocol).",
                name.trim()
            );
            println!("  clientid:      {}", c.client_id);
            println!("  client-secret: {}", c.client_secret);
            println!("Keep the secret now: only its hash is stored.");
        }
        GspClientCommand::List => {
            for c in gst_portal::db::models::gsp_client::all(&mut conn)? {
                let status = if c.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let protocol = if c.encrypted { "encrypted" } else { "plain" };
                println!(
                    "{:<24} {:<8} {:<10} {}",
                    c.client_id, status, protocol, c.name
                );
            }
        }
        GspClientCommand::Revoke { client_id } => {
            let Some(ended) =
                gst_portal::db::models::gsp_client::revoke(&mut conn, &client_id, now)?
            else {
                anyhow::bail!("no active GSP client has the id {client_id}");
            };
            println!("Revoked GSP client {client_id}; {ended} GSP session(s) of it ended.");
        }
    }
    Ok(())
}

fn gsp_key(database: Database, command: GspKeyCommand) -> anyhow::Result<()> {
    let pool = db::open(&database)?;
    let mut conn = pool.get()?;
    let now = Clock::system().now();
    match command {
        GspKeyCommand::Export { cert } => {
            let stored = gst_portal::services::gsp::keys::key_pair(&mut conn, now)?;
            if cert {
                print!("{}", stored.certificate_pem);
            } else {
                print!(
                    "{}",
                    gst_portal::services::gsp::keys::public_key_pem(&stored)?
                );
            }
        }
        GspKeyCommand::Rotate => {
            let made = gst_portal::services::gsp::keys::make_key_pair()?;
            let ended = gst_portal::services::gsp::keys::rotate_key_pair(&mut conn, &made, now)?;
            println!("Made a new GSP key pair; the old one is retired.");
            println!(
                "{ended} session(s) of encrypted GSP clients ended: they must ask for a new OTP, sealing their app key with the new public key (gst-portal gsp-key export)."
            );
        }
    }
    Ok(())
}

fn add_taxpayer(database: Database, args: AddArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("could not read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let input = TaxpayerInput {
        username: args.username,
        gstin: args.gstin,
        legal_name: args.legal_name,
        trade_name: args.trade_name,
        state: args.state,
        mobile: args.mobile,
        email: args.email,
        constitution: args.constitution,
        taxpayer_type: args.taxpayer_type,
        registration_date: args.registration_date,
        password,
    };
    let pool = db::open(&database)?;
    let mut conn = pool.get()?;
    let id = admin::add_taxpayer(&mut conn, &input, Clock::system().now())?;
    println!(
        "Added taxpayer {} (id {}).",
        input.username.trim().to_lowercase(),
        id.0
    );
    Ok(())
}

fn print_demo_accounts(conn: &mut db::Conn) -> anyhow::Result<()> {
    let accounts = gst_portal::demo::accounts(conn)?;
    if let Some(c) = gst_portal::demo::gsp_client(conn)? {
        println!(
            "Demo GSP client, plain protocol ({}):",
            gst_portal::demo::DEMO_GSP_CLIENT_NAME
        );
        println!(
            "  clientid {}   client-secret {}",
            c.client_id, c.client_secret
        );
    }
    if let Some(c) = gst_portal::demo::encrypted_gsp_client(conn)? {
        println!(
            "Demo GSP client, encrypted protocol ({}):",
            gst_portal::demo::DEMO_ENCRYPTED_CLIENT_NAME
        );
        println!(
            "  clientid {}   client-secret {}",
            c.client_id, c.client_secret
        );
    }
    if accounts.is_empty() {
        return Ok(());
    }
    println!("Demo accounts (fictitious data):");
    for a in accounts {
        println!(
            "  username {:<15} password {:<11} GSTIN {}  {}",
            a.username,
            a.password.unwrap_or("(changed)"),
            a.gstin,
            a.case
        );
    }
    Ok(())
}

#[actix_web::main]
async fn serve(database: Database, args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = Settings::new(args.bind, database);
    settings.secure_cookies = args.secure_cookies;
    settings.session_secret = args.session_secret.map(Into::into);
    settings.idle_timeout = TimeDelta::minutes(args.idle_timeout_minutes.into());
    settings.session_lifetime = TimeDelta::hours(args.session_lifetime_hours.into());
    settings.lockout = LockPolicy {
        threshold: args.lockout_threshold,
        duration: TimeDelta::minutes(args.lockout_minutes.into()),
    };
    settings.login_attempts_per_minute = args.login_attempts_per_minute;
    settings.gsp_sessions_per_client = args.gsp_sessions_per_client;
    settings.otp_requests_per_hour = args.otp_requests_per_hour;
    settings.gsp_calls_listed_per_minute = args.gsp_calls_listed_per_minute;
    settings.api_calls_per_minute_per_address = args.api_calls_per_minute_per_address;
    settings.api_calls_per_minute_per_client = args.api_calls_per_minute_per_client;
    settings.demo = args.demo;
    settings.captcha = args.demo && !args.no_captcha;
    settings.trainer_password = args.trainer_password.map(Into::into);
    settings.trusted_proxies = args.trusted_proxies;
    settings.request_timeout = std::time::Duration::from_secs(args.request_timeout_seconds);
    settings.max_connections_per_worker = args.max_connections_per_worker.max(1);

    let signals = ShutdownSignals::install()?;
    let clock = Arc::new(Clock::system());
    let app = Application::build(settings.clone(), clock.clone()).await?;
    {
        // The GSP key pair is made at the first start, beside it (it takes a moment),
        // so neither the start nor the first encrypted client waits for it. A client
        // that comes first makes it itself; the first pair stored is the one kept.
        let pool = app.pool().clone();
        let now = clock.now();
        std::thread::Builder::new()
            .name("gsp-key".to_string())
            .spawn(move || {
                let made = pool
                    .get()
                    .map_err(anyhow::Error::from)
                    .and_then(|mut conn| gst_portal::services::gsp::keys::key_pair(&mut conn, now));
                if let Err(e) = made {
                    tracing::error!(error = ?e, "could not make the GSP key pair; the first encrypted call will try again");
                }
            })
            .context("could not start making the GSP key pair")?;
    }
    if settings.demo {
        println!("Demo mode: a training portal with fictitious data, not the GST Portal.");
        let mut conn = app.pool().get()?;
        print_demo_accounts(&mut conn)?;
        if let Some(password) = app.trainer_password() {
            println!("Trainer console: /trainer   password {password}");
        }
        if !settings.captcha {
            println!("The login captcha is off (--no-captcha).");
        }
    }
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(h, _)| h);
    println!(
        "GST Portal training copy listening on http://{}:{}/ (database {})",
        host,
        app.port(),
        settings.database
    );
    app.run_until_signalled(signals).await?;
    tracing::info!("stopped");
    Ok(())
}
