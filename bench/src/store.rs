//! The session store rows: `token()` of a new manager (what every process that starts pays)
//! with a warm file store and a warm Redis store, against the same with no store, and the wall
//! time of 20 `tableau-auth token` processes started at once against the release mock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tableau_auth::{
    Client, FileStore, PersonalAccessTokenProvider, RedisStore, SessionManager, SessionStore,
};
use tableau_mock_server::MockServer;

use crate::process::Server;
use crate::report::{Row, Verdict, seconds};

/// Settings of the store rows.
#[derive(Debug, Clone)]
pub struct StoreBench {
    /// New managers timed per store.
    pub managers: usize,
    /// The release `tableau-auth` binary.
    pub cli_bin: PathBuf,
    /// The release mock binary.
    pub mock_bin: PathBuf,
    /// Processes started at once.
    pub processes: usize,
}

/// Median and 99th percentile of `values`.
fn median_p99(values: &mut [Duration]) -> (Duration, Duration) {
    values.sort();
    let at = |q: f64| {
        let index = ((values.len() as f64 - 1.0) * q).round() as usize;
        values.get(index).copied().unwrap_or_default()
    };
    (at(0.5), at(0.99))
}

fn median_p99_text(values: &mut [Duration]) -> String {
    let (median, p99) = median_p99(values);
    format!(
        "median {}, p99 {}",
        seconds(median.as_secs_f64()),
        seconds(p99.as_secs_f64())
    )
}

/// `token()` of `count` new managers sharing `client` and `store` (after one that fills the
/// store): each reads the entry, opens it and checks it with `GET sessions/current`.
async fn new_manager_tokens(
    client: &Client,
    provider: &Arc<PersonalAccessTokenProvider>,
    store: Option<Arc<dyn SessionStore>>,
    count: usize,
) -> Result<Vec<Duration>, String> {
    let build = || {
        let mut builder = SessionManager::builder(client.clone(), provider.clone());
        if let Some(store) = &store {
            builder = builder.session_store(Arc::clone(store));
        }
        builder.build()
    };
    // Warm: the store holds a live session, the client knows the API version.
    build()
        .token()
        .await
        .map_err(|e| format!("the first token() failed: {e}"))?;
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let manager = build();
        let started = Instant::now();
        let token = manager
            .token()
            .await
            .map_err(|e| format!("token() failed: {e}"))?;
        times.push(started.elapsed());
        std::hint::black_box(token);
    }
    Ok(times)
}

/// The in-process rows.
pub async fn token_rows(bench: &StoreBench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let provider = Arc::new(
        PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)
            .map_err(|e| format!("no PAT provider: {e}"))?,
    );
    let client = Client::builder()
        .server_url(&mock.uri())
        .build()
        .map_err(|e| format!("cannot build a client: {e}"))?;

    let sign_ins = || async {
        mock.requests()
            .await
            .iter()
            .filter(|r| r.path.ends_with("/auth/signin"))
            .count()
    };

    let mut none = new_manager_tokens(&client, &provider, None, bench.managers).await?;
    rows.push(Row::info(
        format!(
            "token() of a new manager, no store: a PAT sign-in each ({} managers)",
            none.len()
        ),
        median_p99_text(&mut none),
    ));

    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let file: Arc<dyn SessionStore> = Arc::new(
        FileStore::open(dir.path().join("sessions")).map_err(|e| format!("no file store: {e}"))?,
    );
    let before = sign_ins().await;
    let mut from_file = new_manager_tokens(&client, &provider, Some(file), bench.managers).await?;
    let signed_in = sign_ins().await - before;
    rows.push(Row::new(
        format!(
            "token() of a new manager, warm file store: read, open, check ({} managers)",
            from_file.len()
        ),
        format!("{} ({signed_in} sign-in)", median_p99_text(&mut from_file)),
        "1 sign-in",
        Verdict::from_bool(signed_in == 1),
    ));

    match Redis::start()? {
        Some(redis) => {
            let store: Arc<dyn SessionStore> = Arc::new(
                RedisStore::open(&redis.url()).map_err(|e| format!("no Redis store: {e}"))?,
            );
            let before = sign_ins().await;
            let mut from_redis =
                new_manager_tokens(&client, &provider, Some(store), bench.managers).await?;
            let signed_in = sign_ins().await - before;
            rows.push(Row::new(
                format!(
                    "token() of a new manager, warm Redis store on loopback ({} managers)",
                    from_redis.len()
                ),
                format!("{} ({signed_in} sign-in)", median_p99_text(&mut from_redis)),
                "1 sign-in",
                Verdict::from_bool(signed_in == 1),
            ));
        }
        None => rows.push(Row::info(
            "token() of a new manager, warm Redis store",
            "not measured: redis-server is not installed",
        )),
    }
    Ok(rows)
}

/// 20 `tableau-auth token` processes at once against the release mock: cold store (one
/// sign-in), warm store, and after the mock's clock passed the idle limit (one sign-in).
pub fn process_rows(bench: &StoreBench) -> Result<Vec<Row>, String> {
    let mock = Server::start(
        &bench.mock_bin,
        &["--bind", "127.0.0.1:0"],
        "tableau-mock-server listening on ",
        6,
    )?;
    let pat_name = mock.field("PAT name").ok_or("no PAT name from the mock")?;
    let pat_secret = mock
        .field("PAT secret")
        .ok_or("no PAT secret from the mock")?;
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let store = format!("file:{}", dir.path().join("sessions").display());
    let env = [
        ("TABLEAU_SERVER_URL", mock.url.as_str()),
        ("TABLEAU_PAT_NAME", pat_name.as_str()),
        ("TABLEAU_PAT_SECRET", pat_secret.as_str()),
        ("TABLEAU_SESSION_STORE", store.as_str()),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let control = tableau_mock_server::ControlClient::new(&mock.url);
    let sign_ins = || -> Result<usize, String> {
        let requests = runtime
            .block_on(control.requests())
            .map_err(|e| format!("no request log: {e}"))?;
        Ok(requests
            .iter()
            .filter(|r| r.path.ends_with("/auth/signin") && r.status == Some(200))
            .count())
    };
    let mut rows = Vec::new();
    let mut round = |label: &str, expected_sign_ins: usize| -> Result<(), String> {
        let before = sign_ins()?;
        let (wall, tokens) = processes_at_once(&bench.cli_bin, &env, bench.processes)?;
        let signed_in = sign_ins()? - before;
        let identical = tokens.windows(2).all(|pair| pair[0] == pair[1]);
        rows.push(Row::new(
            format!(
                "{} `tableau-auth token` processes at once, {label}: wall time",
                bench.processes
            ),
            format!(
                "{} ({signed_in} sign-in; tokens identical: {})",
                seconds(wall.as_secs_f64()),
                if identical { "yes" } else { "no" }
            ),
            format!("{expected_sign_ins} sign-in"),
            Verdict::from_bool(signed_in == expected_sign_ins && identical),
        ));
        Ok(())
    };
    round("cold file store", 1)?;
    round("warm file store", 0)?;
    runtime
        .block_on(control.advance_clock(Duration::from_secs(241 * 60)))
        .map_err(|e| format!("cannot move the clock: {e}"))?;
    round("session past the idle limit", 1)?;
    Ok(rows)
}

/// Starts `count` processes, waits for all: the wall time and their outputs.
fn processes_at_once(
    bin: &Path,
    env: &[(&str, &str)],
    count: usize,
) -> Result<(Duration, Vec<String>), String> {
    let started = Instant::now();
    let children: Vec<Child> = (0..count)
        .map(|_| {
            Command::new(bin)
                .arg("token")
                .env_clear()
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", bin.display()))
        })
        .collect::<Result<_, _>>()?;
    let mut tokens = Vec::with_capacity(count);
    for child in children {
        let output = child
            .wait_with_output()
            .map_err(|e| format!("cannot wait for tableau-auth: {e}"))?;
        if !output.status.success() {
            return Err(format!("tableau-auth token failed: {}", output.status));
        }
        tokens.push(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Ok((started.elapsed(), tokens))
}

/// `redis-server` on a free loopback port, stopped when dropped.
struct Redis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// `None` when redis-server is not installed.
    fn start() -> Result<Option<Redis>, String> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            return Ok(None);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("Ready to accept connections"));
        if !ready {
            let _ = child.kill();
            let _ = child.wait();
            return Err("redis-server did not start".into());
        }
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Some(Redis {
            child,
            port,
            _dir: dir,
        }))
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release `tableau-auth` next to this binary.
pub fn sibling_cli() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("tableau-auth")))
        .unwrap_or_else(|| PathBuf::from("target/release/tableau-auth"))
}
