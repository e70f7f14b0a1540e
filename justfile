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

# Exactly what CI runs.
ci: lint doc deny test
    cargo run --release -p tableau-conformance -- --junit target/conformance-junit.xml

# Long-running fuzz and soak tests (ignored by `cargo test`).
soak:
    cargo test --workspace --release -- --ignored --nocapture
