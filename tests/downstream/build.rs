//! Writes one doctest item per document — the README and every `docs/*.md`, found here so that
//! a new document is checked without anyone remembering to add it — to `$OUT_DIR/documents.rs`,
//! which `src/lib.rs` includes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../..");
    let root = root.canonicalize().expect("the repository root");
    let docs = root.join("docs");
    println!("cargo::rerun-if-changed={}", docs.display());
    println!(
        "cargo::rerun-if-changed={}",
        root.join("README.md").display()
    );

    let mut documents = vec![root.join("README.md")];
    let mut names: Vec<_> = std::fs::read_dir(&docs)
        .expect("the docs folder")
        .map(|entry| entry.expect("a docs entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    names.sort();
    documents.extend(names);

    // Blocks rustdoc would get wrong without a word: say so plainly, naming file and line.
    let problems: Vec<String> = documents
        .iter()
        .flat_map(|path| block_problems(path))
        .collect();
    assert!(
        problems.is_empty(),
        "\n\ncode blocks the doctests would not check as written:\n  {}\n",
        problems.join("\n  ")
    );

    let mut out = String::new();
    for path in documents {
        let stem = path.file_stem().expect("a file name").to_string_lossy();
        // docs/mock-server.md -> MockServer; README.md -> Readme
        let item: String = stem
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|part| !part.is_empty())
            .map(|part| {
                let lower = part.to_ascii_lowercase();
                let mut chars = lower.chars();
                let first = chars.next().expect("a non-empty part").to_ascii_uppercase();
                std::iter::once(first).chain(chars).collect::<String>()
            })
            .collect();
        writeln!(
            out,
            "#[doc = include_str!({:?})]\npub struct {item};\n",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("documents.rs");
    std::fs::write(target, out).expect("writing documents.rs");
}

/// `path:line: what is wrong` for each fenced block of `path` that rustdoc would misread: one
/// without a language (rustdoc compiles it as Rust: a parse error about shell output), and a
/// Rust block of `#[test]`/`#[tokio::test]` functions without `test_harness` (rustdoc compiles
/// it without `--test`, which drops test functions: it would pass without even being
/// type-checked).
fn block_problems(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("a readable document");
    // The block we are in: its fence, its info string, its first line, and whether it holds a
    // test attribute.
    let mut open: Option<(&str, &str, usize, bool)> = None;
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let fence_len = trimmed.len() - trimmed.trim_start_matches(['`', '~']).len();
        if fence_len < 3 {
            if let Some((_, _, _, tests)) = &mut open {
                let code = trimmed.trim_start_matches("# ");
                *tests |= code.starts_with("#[test]") || code.starts_with("#[tokio::test");
            }
            continue;
        }
        let fence = &trimmed[..fence_len];
        match open {
            None => open = Some((fence, trimmed[fence_len..].trim(), index + 1, false)),
            Some((opening, info, first, tests)) if trimmed.trim_end() == opening => {
                let at = format!("{}:{first}", path.display());
                let attributes: Vec<&str> = info.split(',').map(str::trim).collect();
                if info.is_empty() {
                    found.push(format!(
                        "{at}: no language, so rustdoc compiles it as Rust; tag it (```text, \
                         ```sh, ```toml, …) or, if it is Rust, ```rust"
                    ));
                } else if attributes[0] == "rust"
                    && tests
                    && !attributes.contains(&"test_harness")
                    && !attributes.contains(&"ignore")
                {
                    found.push(format!(
                        "{at}: test functions in a block without test_harness are dropped \
                         unchecked; make it ```rust,test_harness (they then run)"
                    ));
                }
                open = None;
            }
            Some(_) => {}
        }
    }
    found
}
