//! `tableau-conformance`: runs the conformance checks and prints a report.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use tableau_auth_core::ProcessEnv;
use tableau_conformance::{CheckContext, Flavor, Report, flavor_of_url, run_checks, select};

/// Checks Tableau REST API sign-in providers against the embedded mock server (default) or a
/// real Tableau Server / Cloud site.
#[derive(Debug, Parser)]
#[command(name = "tableau-conformance", version)]
struct Args {
    /// Run against this server instead of the embedded mock (wins over TABLEAU_SERVER_URL);
    /// credentials come from the TABLEAU_* variables.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Which flavour of mock the checks run against (default both: every check that applies
    /// runs against a Tableau Server mock and a Tableau Cloud mock). With --server, which kind
    /// that server is (default: cloud when the host is under online.tableau.com, else server).
    #[arg(long, value_enum)]
    flavor: Option<FlavorArg>,
    /// Run only the checks whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// List the checks and exit.
    #[arg(long)]
    list: bool,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write a JUnit XML report to PATH (its folder must exist).
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// With --server, allow plain http:// to a host that is not loopback (credentials and
    /// session tokens then cross the network unencrypted; for a mock server elsewhere).
    #[arg(long)]
    allow_http: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FlavorArg {
    Server,
    Cloud,
    Both,
}

impl FlavorArg {
    fn flavors(self) -> &'static [Flavor] {
        match self {
            FlavorArg::Server => &[Flavor::Server],
            FlavorArg::Cloud => &[Flavor::Cloud],
            FlavorArg::Both => &Flavor::ALL,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();

    let checks = select(args.filter.as_deref());
    if checks.is_empty() {
        // A CI job whose filter matches nothing would otherwise pass while proving nothing.
        eprintln!(
            "error: no check matches --filter `{}`; --list shows every check",
            args.filter.as_deref().unwrap_or_default()
        );
        return ExitCode::from(2);
    }
    if args.list {
        for check in &checks {
            print_line(&format!(
                "{:<40} {:<13} {:<7} {}",
                check.name,
                check.requirement.label(),
                check.applies.label(),
                check.proves
            ));
        }
        return ExitCode::SUCCESS;
    }
    if let Some(path) = &args.junit {
        // Judged before the run: a report that cannot be written after minutes of checks
        // would lose their verdicts.
        if let Err(message) = junit_path_problem(path) {
            eprintln!("error: --junit {}: {message}", path.display());
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let context = match args.server.as_deref() {
        None => {
            CheckContext::embedded().with_flavors(args.flavor.unwrap_or(FlavorArg::Both).flavors())
        }
        Some(_) if args.flavor == Some(FlavorArg::Both) => {
            eprintln!(
                "error: --flavor both is for the embedded mock; with --server, say which kind \
                 of server it is: --flavor server or --flavor cloud"
            );
            return ExitCode::from(2);
        }
        Some(url) => {
            match runtime.block_on(CheckContext::for_server(url, ProcessEnv, args.allow_http)) {
                Ok(context) => {
                    let flavor = args
                        .flavor
                        .map_or_else(|| vec![flavor_of_url(url)], |f| f.flavors().to_vec());
                    context.with_flavors(&flavor)
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let report = runtime.block_on(async { run_checks(&checks, &context).await });
    emit(&report, args.format, args.junit.as_deref())
}

/// Why a JUnit report could not be written at `path`: its folder does not exist (or is not a
/// folder), or `path` is a folder.
fn junit_path_problem(path: &std::path::Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("is a folder; give the path of the file to write".into());
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "the folder {} does not exist (create it first; nothing was run)",
            parent.display()
        ));
    }
    Ok(())
}

fn emit(report: &Report, format: Format, junit: Option<&std::path::Path>) -> ExitCode {
    match format {
        Format::Table => print_line(report.to_table().trim_end()),
        Format::Json => print_line(&report.to_json().to_string()),
    }
    if let Some(path) = junit {
        let written = report
            .to_junit()
            .map_err(|e| e.to_string())
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(err) = written {
            eprintln!(
                "error: cannot write the JUnit report to {}: {err}",
                path.display()
            );
            return ExitCode::from(2);
        }
    }
    ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1))
}

#[allow(clippy::print_stdout)] // stdout carries the report, by contract
fn print_line(text: &str) {
    println!("{text}");
}
