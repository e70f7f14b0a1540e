//! One PAT session for many processes: real `tableau-auth` processes against the mock binary,
//! sharing a file store or a real `redis-server`.

mod support;

use std::path::Path;

use support::{Mock, Redis, Watched, contains, run, tokens_at_once};
use tableau_mock_server::Fault;

/// Every token identical, valid on the server; returns it.
fn one_valid_token(mock: &Mock, tokens: &[String]) -> String {
    let first = tokens[0].clone();
    let body = first.strip_suffix('\n').expect("the token and a newline");
    assert!(
        !body.is_empty() && !body.contains(char::is_whitespace),
        "{first:?}"
    );
    for token in tokens {
        assert_eq!(token, &first, "every process printed the same token");
    }
    let token = first.trim_end().to_owned();
    for _ in tokens {
        assert_eq!(mock.check(&token), 200, "the printed token works");
    }
    token
}

/// The files of a store directory.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect()
}

#[test]
fn twenty_processes_one_sign_in_then_one_again_after_the_idle_limit() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("sessions");
    let env = mock.env(&format!("file:{}", store.display()));

    let tokens = tokens_at_once(20, &env);
    assert_eq!(mock.sign_ins(), 1, "one sign-in for twenty processes");
    let first = one_valid_token(&mock, &tokens);

    mock.pass_idle_limit();
    let tokens = tokens_at_once(20, &env);
    assert_eq!(
        mock.sign_ins(),
        2,
        "one more sign-in after the session died"
    );
    let second = one_valid_token(&mock, &tokens);
    assert_ne!(first, second);

    // The store: private, and nothing in it in plain text.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store), 0o700);
        let files = files(&store);
        assert_eq!(files.len(), 2, "one entry and one lock file: {files:?}");
        for file in &files {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
    }
    for file in files(&store) {
        let bytes = std::fs::read(&file).unwrap();
        for plain in [&second, &first, &mock.pat_secret, &mock.pat_name] {
            assert!(
                !contains(&bytes, plain.as_bytes()),
                "{} holds a secret",
                file.display()
            );
        }
    }
}

#[test]
fn a_corrupt_cache_file_is_ignored_and_replaced() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = mock.env(&format!("file:{}", dir.path().display()));
    assert!(run(&["token"], &env).status.success());
    let entry = files(dir.path())
        .into_iter()
        .find(|path| path.extension().is_some_and(|ext| ext == "session"))
        .unwrap();
    std::fs::write(&entry, b"\x00garbage, not a sealed session").unwrap();

    let output = run(&["token"], &env);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ignoring the stored session"), "{stderr}");
    let token = String::from_utf8(output.stdout).unwrap();
    assert_eq!(mock.check(token.trim_end()), 200);
    assert_eq!(mock.sign_ins(), 2);
    assert_ne!(
        std::fs::read(&entry).unwrap(),
        b"\x00garbage, not a sealed session"
    );
    // Replaced by an entry that opens: the next run takes it without a sign-in.
    let again = run(&["token"], &env);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), token);
    assert_eq!(mock.sign_ins(), 2);
}

#[test]
#[cfg(unix)]
fn a_process_killed_holding_the_file_lock_holds_up_no_one() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = mock.env(&format!("file:{}", dir.path().display()));
    // The first sign-in hangs (the mock answers it after ten minutes), so the first process
    // holds the lock while it waits.
    support::block_on(
        mock.control.inject_fault(
            Fault::new("/auth/signin")
                .status(503)
                .delay_ms(600_000)
                .times(1),
        ),
    )
    .unwrap();
    let mut holder = Watched::start(&["token"], &env);
    holder.wait_for("no live session in the store; signing in");
    let mut waiters: Vec<Watched> = (0..3).map(|_| Watched::start(&["token"], &env)).collect();
    for waiter in &mut waiters {
        waiter.wait_for("waiting for the session store lock");
    }

    holder.child.kill().unwrap(); // SIGKILL
    let status = holder.child.wait().unwrap();
    assert!(!status.success());

    let mut tokens = Vec::new();
    for waiter in waiters {
        let (status, stdout) = waiter.finish();
        assert!(status.success());
        tokens.push(stdout);
    }
    one_valid_token(&mock, &tokens);
    assert_eq!(mock.sign_ins(), 1);
}

#[test]
fn two_hosts_share_one_session_through_redis() {
    let Some(redis) = Redis::start("two_hosts_share_one_session_through_redis") else {
        return;
    };
    let mock = Mock::start();
    let hosts = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    // Each "host" has its own home and cache directory; only Redis is shared.
    let env_of = |home: &Path| {
        let mut env = mock.env(&redis.url());
        env.push(("HOME".into(), home.display().to_string()));
        env.push((
            "XDG_CACHE_HOME".into(),
            home.join("cache").display().to_string(),
        ));
        env
    };
    let run_both = || {
        let children: Vec<_> = hosts
            .iter()
            .map(|home| {
                let env = env_of(home.path());
                std::thread::spawn(move || tokens_at_once(10, &env))
            })
            .collect();
        children
            .into_iter()
            .flat_map(|child| child.join().unwrap())
            .collect::<Vec<_>>()
    };

    let tokens = run_both();
    assert_eq!(tokens.len(), 20);
    assert_eq!(mock.sign_ins(), 1, "one sign-in for two hosts");
    let first = one_valid_token(&mock, &tokens);

    mock.pass_idle_limit();
    let tokens = run_both();
    assert_eq!(
        mock.sign_ins(),
        2,
        "one more sign-in after the session died"
    );
    let second = one_valid_token(&mock, &tokens);
    assert_ne!(first, second);

    for home in &hosts {
        assert!(
            !home.path().join("cache").exists(),
            "no file store was used"
        );
    }
    // Redis holds one sealed entry (the lock is released): no token, no secret in plain text.
    let dump = redis.dump();
    assert_eq!(
        dump.len(),
        1,
        "{:?}",
        dump.iter().map(|(key, _)| key).collect::<Vec<_>>()
    );
    let (key, value) = &dump[0];
    assert!(key.starts_with("tableau-auth:session:"), "{key}");
    for plain in [&second, &first, &mock.pat_secret, &mock.pat_name] {
        assert!(
            !contains(value, plain.as_bytes()),
            "the Redis value holds a secret"
        );
        assert!(
            !key.contains(plain.as_str()),
            "the Redis key names a secret"
        );
    }
}

#[test]
fn a_redis_value_sealed_under_another_secret_is_ignored_and_replaced() {
    let Some(redis) =
        Redis::start("a_redis_value_sealed_under_another_secret_is_ignored_and_replaced")
    else {
        return;
    };
    let mock = Mock::start();
    let env = mock.env(&redis.url());
    assert!(run(&["token"], &env).status.success());
    let before = redis.dump();

    // The PAT is rotated: same name, site and server (so the same key), a new secret.
    support::block_on(mock.control.revoke_pat("", "admin", &mock.pat_name)).unwrap();
    let rotated = support::block_on(mock.control.create_pat("", "admin", &mock.pat_name)).unwrap();
    let mut env = mock.env(&redis.url());
    env.retain(|(name, _)| name != "TABLEAU_PAT_SECRET");
    env.push(("TABLEAU_PAT_SECRET".into(), rotated.secret.clone()));

    let output = run(&["token"], &env);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ignoring the stored session"), "{stderr}");
    assert!(!stderr.contains(&rotated.secret));
    let token = String::from_utf8(output.stdout).unwrap();
    assert_eq!(mock.check(token.trim_end()), 200);
    assert_eq!(mock.sign_ins(), 2);
    let after = redis.dump();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].0, before[0].0, "the same key");
    assert_ne!(after[0].1, before[0].1, "replaced");
    assert!(!contains(&after[0].1, token.trim_end().as_bytes()));
}

#[test]
#[cfg(unix)]
fn a_process_killed_holding_the_redis_lock_holds_up_the_others_until_it_expires() {
    let Some(redis) = Redis::start(
        "a_process_killed_holding_the_redis_lock_holds_up_the_others_until_it_expires",
    ) else {
        return;
    };
    let mock = Mock::start();
    // A short lock expiry, so the test does not wait the default 30 seconds.
    let env = mock.env(&format!("{}?lock_expiry_ms=2000", redis.url()));
    support::block_on(
        mock.control.inject_fault(
            Fault::new("/auth/signin")
                .status(503)
                .delay_ms(600_000)
                .times(1),
        ),
    )
    .unwrap();
    let mut holder = Watched::start(&["token"], &env);
    holder.wait_for("no live session in the store; signing in");
    let mut waiters: Vec<Watched> = (0..3).map(|_| Watched::start(&["token"], &env)).collect();
    for waiter in &mut waiters {
        waiter.wait_for("waiting for the session store lock");
    }

    holder.child.kill().unwrap(); // SIGKILL: the lock stays in Redis until it expires
    assert!(!holder.child.wait().unwrap().success());

    let mut tokens = Vec::new();
    for waiter in waiters {
        let (status, stdout) = waiter.finish();
        assert!(status.success());
        tokens.push(stdout);
    }
    one_valid_token(&mock, &tokens);
    assert_eq!(mock.sign_ins(), 1);
    assert_eq!(redis.dump().len(), 1, "the dead holder's lock expired");
}
