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

    // rustdoc compiles a fenced block without a language as Rust: say so plainly, rather than
    // leave a reader to decode "expected one of `!` or `::`" about a block of shell output.
    let untagged: Vec<String> = documents
        .iter()
        .flat_map(|path| untagged_blocks(path))
        .collect();
    assert!(
        untagged.is_empty(),
        "\n\nthese code blocks have no language, so rustdoc compiles them as Rust; tag them \
         (```text, ```sh, ```toml, …) or, if they are Rust, ```rust:\n  {}\n",
        untagged.join("\n  ")
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

/// `path:line` of every fenced block of `path` whose opening fence names no language.
fn untagged_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("a readable document");
    let mut open: Option<&str> = None; // the fence of the block we are in
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start();
        let fence_len = line.len() - line.trim_start_matches(['`', '~']).len();
        if fence_len < 3 {
            continue;
        }
        let fence = &line[..fence_len];
        match open {
            None => {
                if line[fence_len..].trim().is_empty() {
                    found.push(format!("{}:{}", path.display(), index + 1));
                }
                open = Some(fence);
            }
            Some(opening) if line.trim_end() == opening => open = None,
            Some(_) => {}
        }
    }
    found
}
