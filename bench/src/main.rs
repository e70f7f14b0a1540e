//! `tableau-bench`: measures the mock server and the session manager on this machine and
//! prints one table (also written as Markdown with `--markdown PATH`).
//!
//! The mock rows run the release `tableau-mock-server` binary (by default the one next to
//! this binary) and load it with `wrk`; the baseline is `tableau-bench bare-server`, a bare
//! axum handler answering the same routes with a fixed body of the same size. The client rows
//! use an in-process mock. Everything stays on loopback and every loop is bounded.

mod bare;
mod client;
mod mock;
mod process;
mod read;
mod report;
mod store;
mod stubs;
mod wrk;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Benchmarks of the mock server and the session manager.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Option<Commands>,
    /// Which rows to measure.
    #[arg(long, value_enum, default_value = "all")]
    only: Only,
    /// Also write the table as Markdown to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// The release mock binary (default: `tableau-mock-server` next to this binary).
    #[arg(long)]
    mock_bin: Option<PathBuf>,
    /// Extra flag for the mock binary (repeatable), for experiments; the table's targets are
    /// for the default flags.
    #[arg(long = "mock-arg", allow_hyphen_values = true)]
    mock_args: Vec<String>,
    /// Length of each measured wrk run, in seconds.
    #[arg(long, default_value_t = 5)]
    duration: u32,
    /// Length of the discarded wrk warm-up before each run, in seconds.
    #[arg(long, default_value_t = 1)]
    warmup: u32,
    /// wrk connections.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Password sign-ins for the memory row.
    #[arg(long, default_value_t = 100_000)]
    sessions: usize,
    /// Start-up runs (the median is reported).
    #[arg(long, default_value_t = 20)]
    startup_runs: usize,
    /// Authenticated calls each way for the manager overhead row.
    #[arg(long, default_value_t = 10_000)]
    calls: usize,
    /// Concurrent callers for the single-flight row.
    #[arg(long, default_value_t = 1_000)]
    callers: usize,
    /// New managers timed per session store (and without one) for the store rows.
    #[arg(long, default_value_t = 1_000)]
    managers: usize,
    /// `tableau-auth token` processes started at once for the store rows.
    #[arg(long, default_value_t = 20)]
    processes: usize,
    /// The release `tableau-auth` binary (default: the one next to this binary).
    #[arg(long)]
    cli_bin: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Only {
    /// Every row.
    All,
    /// The mock server's rows (throughput, memory, start-up).
    Mock,
    /// The session manager's rows.
    Client,
    /// The session store rows (file, Redis, 20 processes).
    Store,
    /// The read side's rows only (listing 100 workbooks, 100,000 seeded workbooks); also part
    /// of `mock`.
    Read,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Serve the bare baseline handler until killed (used by the benchmark itself).
    BareServer {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// Size of the GET answer.
        #[arg(long)]
        get_bytes: usize,
        /// Size of the POST answer.
        #[arg(long)]
        post_bytes: usize,
        /// Content type of both answers.
        #[arg(long, default_value = "application/xml;charset=utf-8")]
        content_type: String,
        /// Size of the answer to any other GET (the stubbed-GET row).
        #[arg(long)]
        other_get_bytes: Option<usize>,
    },
    /// Serve wiremock-rs with the stub set of the stubs row until killed (used by the
    /// benchmark itself).
    WiremockServer {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// The site LUID in the stubbed paths.
        #[arg(long)]
        site: String,
        /// How many mocks (the wanted one is registered last).
        #[arg(long, default_value_t = stubs::STUBS)]
        stubs: usize,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Some(Commands::BareServer {
            bind,
            get_bytes,
            post_bytes,
            content_type,
            other_get_bytes,
        }) => bare::serve(bare::BareConfig {
            bind,
            get_bytes,
            post_bytes,
            content_type,
            other_get_bytes,
        }),
        Some(Commands::WiremockServer { bind, site, stubs }) => {
            stubs::serve_wiremock(bind, &site, stubs)
        }
        None => run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tableau-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let mut rows = Vec::new();
    if matches!(args.only, Only::All | Only::Mock | Only::Read) {
        let self_bin =
            std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mock_bin = args.mock_bin.clone().unwrap_or_else(process::sibling_mock);
        if !mock_bin.is_file() {
            return Err(format!(
                "no mock binary at {} (build it with `cargo build --release -p tableau-mock-server --features cli`)",
                mock_bin.display()
            ));
        }
        let bench = mock::MockBench {
            mock_bin,
            mock_args: args.mock_args.clone(),
            self_bin,
            load: wrk::Load {
                threads: 1,
                connections: args.connections,
                seconds: args.duration,
                warmup_seconds: args.warmup,
            },
            sessions: args.sessions,
            concurrency: 32,
            startup_runs: args.startup_runs,
        };
        let scratch = std::env::temp_dir().join(format!("tableau-bench-{}", std::process::id()));
        std::fs::create_dir_all(&scratch)
            .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
        eprintln!(
            "mock throughput (wrk -t1 -c{} -d{}s after {}s warm-up)…",
            args.connections, args.duration, args.warmup
        );
        let only_read = args.only == Only::Read;
        let throughput = (|| {
            let mut found = Vec::new();
            if !only_read {
                found.extend(mock::throughput(&bench, &runtime, &scratch)?);
                eprintln!("mock sign-in with a full session tableâ¦");
                found.extend(mock::at_cap(&bench, &scratch)?);
                eprintln!(
                    "stubs: {} registered, against bare axum and wiremock-rsâ¦",
                    stubs::STUBS
                );
                found.extend(stubs::rows(&bench, &runtime, &scratch)?);
            }
            eprintln!("mock read side: listing 100 workbooksâ¦");
            found.extend(read::listing(&bench, &runtime, &scratch)?);
            eprintln!("mock read side: 100,000 seeded workbooksâ¦");
            found.extend(read::memory(&bench, &runtime, &scratch)?);
            Ok::<_, String>(found)
        })();
        let _ = std::fs::remove_dir_all(&scratch);
        rows.extend(throughput?);
        if !only_read {
            eprintln!("mock memory ({} sign-ins)…", args.sessions);
            rows.extend(mock::memory(&bench, &runtime)?);
            eprintln!("mock start-up ({} runs)…", args.startup_runs);
            rows.extend(mock::startup(&bench)?);
        }
    }
    if matches!(args.only, Only::All | Only::Client) {
        eprintln!("session manager…");
        rows.extend(runtime.block_on(client::rows(client::ClientBench {
            token_calls: 1_000_000,
            calls: args.calls,
            block: 500,
            callers: args.callers,
        }))?);
    }
    if matches!(args.only, Only::All | Only::Store) {
        let bench = store::StoreBench {
            managers: args.managers,
            cli_bin: args.cli_bin.clone().unwrap_or_else(store::sibling_cli),
            mock_bin: args.mock_bin.clone().unwrap_or_else(process::sibling_mock),
            processes: args.processes,
        };
        for (what, path) in [("tableau-auth", &bench.cli_bin), ("mock", &bench.mock_bin)] {
            if !path.is_file() {
                return Err(format!(
                    "no {what} binary at {} (build both with `cargo build --release -p \
                     tableau-auth-cli -p tableau-mock-server --features tableau-mock-server/cli`)",
                    path.display()
                ));
            }
        }
        eprintln!("session stores ({} new managers each)…", bench.managers);
        rows.extend(runtime.block_on(store::token_rows(&bench))?);
        eprintln!("{} tableau-auth processes at once…", bench.processes);
        rows.extend(store::process_rows(&bench)?);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(report::text(&rows).as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the table: {e}"))?;
    if let Some(path) = &args.markdown {
        std::fs::write(path, report::markdown(&rows))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
