//! `tableau-mock-server`: the mock Tableau REST API authentication surface as a binary.
//!
//! The first line on stdout is `tableau-mock-server listening on http://HOST:PORT`; with
//! `--front-door`, the second is `tableau-mock-server front door on http://HOST:PORT`; the
//! default credentials follow; logs go to stderr. SIGINT/SIGTERM shut it down within 5 seconds.
//! Built with the `cli` feature: `cargo build --release -p tableau-mock-server --features cli`.
//! It uses only the library's public API.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use tableau_mock_server::{Flavor, MockServer};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FlavorArg {
    /// Tableau Server.
    Server,
    /// Tableau Cloud.
    Cloud,
}

impl From<FlavorArg> for Flavor {
    fn from(flavor: FlavorArg) -> Self {
        match flavor {
            FlavorArg::Server => Flavor::Server,
            FlavorArg::Cloud => Flavor::Cloud,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// A stateful mock of the Tableau REST API authentication surface.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Listen address; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// TOML file with sites, users, tokens and connected apps (default: the embedded data set).
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Newest REST API version the server speaks.
    #[arg(long, default_value = "3.27")]
    api_version: String,
    /// Idle lifetime of a session token, in minutes (sliding); default 240 on Server, 120 on
    /// Cloud.
    #[arg(long)]
    session_idle_minutes: Option<u64>,
    /// Behave as Tableau Server or as Tableau Cloud (no password sign-in, no switch site, no
    /// Default site, 120-minute sessions, …).
    #[arg(long, value_enum, default_value = "server")]
    flavor: FlavorArg,
    /// Also listen on ADDR as a front door that redirects (301) every request to the same
    /// path and query on the main address, as Tableau Cloud's front door sends clients to
    /// their pod.
    #[arg(long, value_name = "ADDR")]
    front_door: Option<SocketAddr>,
    /// When set, every /_mock/* call but /_mock/health needs `X-Mock-Control: TOKEN`.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    control_token: Option<String>,
    /// How many recent requests the log keeps (0 turns it off).
    #[arg(long, default_value_t = 10_000)]
    request_log: usize,
    /// Live sessions kept; past it the least recently used is evicted.
    #[arg(long, default_value_t = 1_000_000)]
    max_sessions: usize,
    /// Format of the logs on stderr.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Registers the SIGINT/SIGTERM handlers now (before the readiness line is printed), and
/// returns a future that resolves on the first of them.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logs(args.log_format);
    let mut builder = MockServer::builder()
        .flavor(args.flavor.into())
        .bind(args.bind)
        .api_version(&args.api_version)
        .request_log(args.request_log)
        .max_sessions(args.max_sessions);
    if let Some(minutes) = args.session_idle_minutes {
        builder = builder.session_idle(Duration::from_secs(minutes.saturating_mul(60)));
    }
    if let Some(front_door) = args.front_door {
        builder = builder.front_door(front_door);
    }
    if let Some(token) = &args.control_token {
        builder = builder.control_token(token.clone());
    }
    if let Some(seed) = &args.seed {
        builder = builder.seed_file(seed.clone());
    }
    let server = match builder.try_start().await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("tableau-mock-server: {error}");
            return ExitCode::from(2);
        }
    };
    let shutdown = match shutdown_signal() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("tableau-mock-server: cannot install signal handlers: {error}");
            return ExitCode::from(2);
        }
    };
    let creds = server.default_credentials();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "tableau-mock-server listening on {}", server.uri());
    if let Some(front_door) = server.front_door_uri() {
        let _ = writeln!(out, "tableau-mock-server front door on {front_door}");
    }
    let _ = writeln!(out, "default credentials:");
    let _ = writeln!(out, "  site (contentUrl): {:?}", creds.site_content_url);
    let _ = writeln!(out, "  user name:         {}", creds.username);
    if !creds.password.is_empty() {
        let _ = writeln!(out, "  password:          {}", creds.password);
    }
    let _ = writeln!(out, "  PAT name:          {}", creds.pat_name);
    let _ = writeln!(out, "  PAT secret:        {}", creds.pat_secret);
    let _ = out.flush();
    drop(out);
    shutdown.await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_control_token_is_a_usage_error() {
        let err = Args::try_parse_from(["tableau-mock-server", "--control-token", ""]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let args = Args::try_parse_from(["tableau-mock-server", "--control-token", "s3"]).unwrap();
        assert_eq!(args.control_token.as_deref(), Some("s3"));
    }

    #[test]
    fn flavor_and_front_door_flags() {
        let args = Args::try_parse_from(["tableau-mock-server"]).unwrap();
        assert_eq!(Flavor::from(args.flavor), Flavor::Server);
        assert!(args.front_door.is_none() && args.session_idle_minutes.is_none());
        let args = Args::try_parse_from([
            "tableau-mock-server",
            "--flavor",
            "cloud",
            "--front-door",
            "127.0.0.1:0",
        ])
        .unwrap();
        assert_eq!(Flavor::from(args.flavor), Flavor::Cloud);
        assert_eq!(args.front_door, Some("127.0.0.1:0".parse().unwrap()));
        let err = Args::try_parse_from(["tableau-mock-server", "--flavor", "online"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
