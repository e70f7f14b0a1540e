//! `tableau-auth`: a Tableau REST API session token for shell scripts and curl, shared by every
//! process that uses the same credential and session store, plus `whoami`, `doctor` and
//! `sign-out`.
//!
//! ```text
//! tableau-auth token    [--format text|json]   # a session token for scripts and curl
//! tableau-auth whoami   [--format text|json]   # server, API version, site, user, role, credential kind, session source
//! tableau-auth doctor   [--format text|json]   # checks URL, TCP, TLS, serverinfo, version gates, sign-in, session, PAT expiry
//! tableau-auth sign-out                         # ends the shared session and removes it from the store
//! ```
//!
//! Configuration is the `TABLEAU_*` environment variables of the environment provider, plus
//! `TABLEAU_SESSION_STORE` (default `file`: the per-user cache directory), so that many
//! `tableau-auth token` calls, in parallel or in sequence, share one session instead of each
//! signing in (with a personal access token, each sign-in would end the previous session).
//! Stdout carries only the result; logs (`RUST_LOG`, default `warn`) and errors go to stderr.
//! Exit status: 0 success, 1 the server refused (the error and its hint on stderr), 2 usage or
//! configuration error (nothing sent). See `docs/cli.md`.

mod commands;
mod config;
mod doctor;
mod output;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// A Tableau REST API session token for scripts and curl, one session shared by every process.
#[derive(Debug, Parser)]
#[command(
    name = "tableau-auth",
    version,
    about,
    after_help = "Configuration: the TABLEAU_* variables (TABLEAU_SERVER_URL, TABLEAU_SITE, \
                  TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET, …) and TABLEAU_SESSION_STORE \
                  (none, file, file:PATH, redis://…; default file).\n\
                  Example: curl -H \"X-Tableau-Auth: $(tableau-auth token)\" \
                  \"$TABLEAU_SERVER_URL/api/3.27/sites\"\n\
                  Exit status: 0 success, 1 the server refused, 2 usage or configuration error."
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a session token (and a newline) for scripts and curl, sharing the stored session.
    Token {
        /// `text`: the token alone; `json`: {"token","site","siteId","userId","expiresAt"}.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the server, API version, site, user, role, credential kind and session source.
    Whoami {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check the URL, TCP, TLS, serverinfo, version gates, sign-in, session and PAT expiry,
    /// one line per step with what to fix.
    Doctor {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// End the shared session and remove it from the store.
    SignOut,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people (and, for `token`, for `$(…)`).
    Text,
    /// One JSON object.
    Json,
}

/// A command's failure: what to say on stderr and the exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    /// 1: the server refused or a call failed; 2: usage or configuration (nothing sent).
    pub(crate) status: u8,
    /// The message, ending with the hint when there is one.
    pub(crate) message: String,
}

impl Failure {
    /// A configuration error: exit status 2.
    pub(crate) fn configuration(message: impl Into<String>) -> Failure {
        Failure {
            status: 2,
            message: message.into(),
        }
    }

    /// An error of the library: configuration errors (found before anything is sent) exit
    /// with 2, everything else with 1.
    pub(crate) fn from_error(error: &tableau_auth::Error) -> Failure {
        use tableau_auth::Error;
        let before_sending = match error {
            Error::Configuration(_) | Error::InsecureUrl { .. } => true,
            Error::Provider(provider) => {
                !matches!(provider, tableau_auth::ProviderError::Failed { .. })
            }
            _ => false,
        };
        Failure {
            status: if before_sending { 2 } else { 1 },
            message: error.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
            // Usage errors exit with 2 (clap's convention and the contract); --help and
            // --version print to stdout and exit with 0.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tableau-auth: error: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        match args.command {
            Command::Token { format } => commands::token(format).await,
            Command::Whoami { format } => commands::whoami(format).await,
            Command::Doctor { format } => doctor::run(format).await,
            Command::SignOut => commands::sign_out().await,
        }
    });
    match outcome {
        Ok(status) => ExitCode::from(status),
        Err(failure) => {
            eprintln!("tableau-auth: error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

/// `tracing` to stderr; `RUST_LOG` sets the filter (default `warn`).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
