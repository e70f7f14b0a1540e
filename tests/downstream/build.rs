//! Writes one doctest item per document — the README and every `docs/*.md`, found here so that
//! a new document is checked without anyone remembering to add it — to `$OUT_DIR/documents.rs`,
//! which `src/lib.rs` includes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../..");
    // Relative to this package, so that another checkout sharing the target directory (whose
    // build of this crate has the same hash) is looked at in its own folder. (Its list of
    // documents can still be the other checkout's until a document changes here: `touch
    // tests/downstream/build.rs` then. The documents' text is always this checkout's.)
    println!("cargo::rerun-if-changed=../../docs");
    println!("cargo::rerun-if-changed=../../README.md");

    let mut documents = vec!["README.md".to_owned()];
    let mut names: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("the docs folder")
        .map(|entry| entry.expect("a docs entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    names.sort();
    documents.extend(names);

    // Blocks rustdoc would get wrong without a word: say so plainly, naming file and line.
    let problems: Vec<String> = documents
        .iter()
        .flat_map(|document| block_problems(&root, document))
        .collect();
    assert!(
        problems.is_empty(),
        "\n\ncode blocks the doctests would not check as written:\n  {}\n",
        problems.join("\n  ")
    );

    let mut out = String::new();
    for document in documents {
        let stem = Path::new(&document)
            .file_stem()
            .expect("a file name")
            .to_string_lossy();
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
        // The text is read from this checkout when the doctests are compiled.
        writeln!(
            out,
            "#[doc = include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../{document}\"))]\n\
             pub struct {item};\n"
        )
        .expect("writing to a String");
    }
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("documents.rs");
    std::fs::write(target, out).expect("writing documents.rs");
}

/// `document:line: what is wrong` for each fenced block of `document` that rustdoc would misread: one
/// without a language (rustdoc compiles it as Rust: a parse error about shell output), and a
/// Rust block of `#[test]`/`#[tokio::test]` functions without `test_harness` (rustdoc compiles
/// it without `--test`, which drops test functions: it would pass without even being
/// type-checked).
fn block_problems(root: &Path, document: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root.join(document)).expect("a readable document");
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
                let at = format!("{document}:{first}");
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
