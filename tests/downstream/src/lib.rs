//! The Rust blocks of the README and of every `docs/*.md`, as doctests of a crate outside the
//! workspace: each block compiles (and, unless marked `no_run`, runs, against the in-process
//! mock server where it needs a server) exactly as it would pasted into a crate that depends
//! on `tableau-auth`. `build.rs` finds the documents, so a new one is checked without a change
//! here.
//!
//! Run it with `just docs-downstream`. A failure names the document and the block's first line
//! in it: `/…/tests/downstream/../../docs/client.md - Client (line 60) ... FAILED`.
//!
//! A fenced block with no language, or `rust`, is Rust to rustdoc: tag the others (`text`,
//! `sh`, `toml`, `console`). Mark `no_run` a block that needs a real server, `test_harness` a
//! block of `#[tokio::test]` functions (it is compiled as a test crate and its tests run;
//! without it they would not even be compiled), and `ignore` only a block that cannot be
//! compiled here. The build script fails, naming file and line, on a block without a language
//! and on test functions without `test_harness`.

#[cfg(doctest)]
mod documents {
    include!(concat!(env!("OUT_DIR"), "/documents.rs"));
}
