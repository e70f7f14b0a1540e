# Recipes for people and CI. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

export INSTA_UPDATE := "no"

# List the recipes.
default:
    @just --list

# Run every test in the workspace (the README's test command).
test:
    cargo test --workspace

# Formatting and lints, warnings are errors.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Build the API docs; a warning fails.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The main job: the conformance suite against the embedded mock server.
conformance *ARGS:
    cargo run --release -p tableau-conformance -- {{ARGS}}

# Supply chain: permissive licences, crates.io only, one major of tokio/hyper/rustls, no OpenSSL.
deny:
    cargo deny check licenses bans sources

# The client crate builds, lint-clean, with no provider and with each one alone (and with the
# optional `middleware` and `redis` features, documented); the mock server's library with none
# of its features (what a crate that dev-depends on it compiles) and with each one alone.
features:
    cargo clippy -p tableau-auth --no-default-features -- -D warnings
    for f in password pat jwt env uat middleware redis; do cargo clippy -p tableau-auth --no-default-features --features "$f" -- -D warnings; done
    RUSTDOCFLAGS="-D warnings" cargo doc -p tableau-auth --no-deps --features middleware,redis
    cargo clippy -p tableau-auth-cli --no-default-features -- -D warnings
    cargo clippy -p tableau-mock-server -- -D warnings
    for f in toml control-client cli; do cargo clippy -p tableau-mock-server --features "$f" -- -D warnings; done

# Every Rust block of README.md and docs/*.md compiled and run from a crate outside the
# workspace, and its tests. tests/downstream depends on tableau-auth by path, as a user's crate
# does; it shares the workspace's target directory, where most of its dependencies are built.
docs-downstream:
    cargo fmt --manifest-path tests/downstream/Cargo.toml -- --check
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-{{justfile_directory()}}/target}" cargo test --manifest-path tests/downstream/Cargo.toml

# Exactly what CI runs. Its `test` step also runs the short load mix (50 connections, 3 s) and
# a few thousand fuzz cases per parser; `just soak` runs the long ones. The conformance suite
# and the official clients then run on the debug binaries that `cargo test --workspace` built
# (`--no-run` only makes sure they are there), not on a release build of their own: two
# release builds of the dependency tree (the mock's `cli` features rebuild tokio and all above
# it) cost more than the rest of CI on the 2-core machine (docs/performance.md, "CI").
# The README's main job stays `cargo run --release -p tableau-conformance` (`just conformance`).
ci: lint doc deny features test docs-downstream && _official-clients-debug
    cargo test --workspace --no-run --quiet
    "${CARGO_TARGET_DIR:-target}/debug/tableau-conformance" --junit "${CARGO_TARGET_DIR:-target}/conformance-junit.xml"

# Tableau's own clients (tableauserverclient 0.42 and tabcmd 2.0.21, from PyPI) against the mock binary;
# then the Python stubs example (pytest) and schemathesis against /_mock/openapi.json.
official-clients:
    cargo build --release -p tableau-mock-server --features cli
    bash mock-server/official-clients/run.sh "${CARGO_TARGET_DIR:-target}"
    bash mock-server/official-clients/stubs.sh "${CARGO_TARGET_DIR:-target}"

# Tableau's own clients against the debug mock binary that `cargo test --workspace` built (CI).
_official-clients-debug:
    cargo test --workspace --no-run --quiet
    bash mock-server/official-clients/run.sh "${CARGO_TARGET_DIR:-target}" debug
    bash mock-server/official-clients/stubs.sh "${CARGO_TARGET_DIR:-target}" debug

# The session store rows only: token() with a warm file and Redis store, 20 processes at once.
bench-store:
    cargo build --release -p tableau-mock-server -p tableau-bench -p tableau-auth-cli --features tableau-mock-server/cli
    "${CARGO_TARGET_DIR:-target}/release/tableau-bench" --only store

# Long-running fuzz and soak tests (ignored by `cargo test`): 200 connections for 30 s
# (SOAK_SECONDS), 100,000 fuzz cases per parser, slow clients in real time.
soak:
    cargo test --workspace --release -- --ignored --nocapture

# The mock server's benchmarks: wrk against a bare axum handler (sessions/current, sign-in, a
# page of 100 workbooks), RSS of 100,000 sessions and of 100,000 seeded workbooks, start-up.
bench-mock: _wrk
    cargo build --release -p tableau-mock-server -p tableau-bench --features tableau-mock-server/cli
    "${CARGO_TARGET_DIR:-target}/release/tableau-bench" --only mock

# Every benchmark (the table of docs/performance.md), then the criterion micro-benchmarks.
bench: _wrk
    cargo build --release -p tableau-mock-server -p tableau-bench -p tableau-auth-cli --features tableau-mock-server/cli
    "${CARGO_TARGET_DIR:-target}/release/tableau-bench" --markdown "${CARGO_TARGET_DIR:-target}/bench-results.md"
    cargo bench -p tableau-auth-core --bench wire
    cargo bench -p tableau-auth --bench token

# Installs wrk (a Debian package) when it is missing.
_wrk:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null && exit 0
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
