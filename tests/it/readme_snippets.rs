//! Every Rust snippet of the README and the guides builds in a fresh
//! crate (edition 2024) whose dependencies are exactly the README's Install
//! block: the Install section cannot drift from what the snippets need.
//! (Rustdoc compiles the same snippets as doctests, but with the library's
//! own dev-dependencies.)

use state_signals_test_support as common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::workspace_root;

/// The files whose Rust snippets a user copies.
const DOCUMENTS: [&str; 4] = [
    "README.md",
    "state-signals/docs/api.md",
    "state-signals/docs/connections.md",
    "state-signals/docs/guarantees.md",
];

/// The fenced code blocks of `markdown`: (info string, first line number, code).
fn blocks(markdown: &str) -> Vec<(String, usize, String)> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((info.trim().to_owned(), n + 2, String::new()));
                }
            }
            Some((info, start, mut code)) => {
                if trimmed.starts_with("```") {
                    found.push((info, start, code));
                } else {
                    code.push_str(line);
                    code.push('\n');
                    open = Some((info, start, code));
                }
            }
        }
    }
    found
}

/// Whether rustdoc would compile a block with this info string: no
/// language or `rust`, with any attributes but those that skip compiling.
fn is_compiled_rust(info: &str) -> bool {
    let mut tags = info.split(',').map(str::trim);
    matches!(tags.next(), Some("" | "rust" | "no_run" | "should_panic"))
        && !tags.any(|t| matches!(t, "ignore" | "compile_fail"))
}

/// A snippet as rustdoc compiles it: hidden `# ` lines shown, and wrapped
/// in a `main` unless it has one.
fn program(code: &str) -> String {
    let lines: Vec<String> = code
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t == "#" {
                String::new()
            } else if let Some(rest) = t.strip_prefix("# ") {
                rest.to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect();
    let body = lines.join("\n");
    if body.contains("fn main(") {
        return body;
    }
    // The body's last expression (`Ok::<(), E>(())` when it uses `?`) is
    // the closure's value, as in rustdoc's wrapper.
    format!("#![allow(unused)]\nfn main() {{\n    let _ = (move || {{\n{body}\n    }})();\n}}\n")
}

/// The README's Install block, with the library's path made absolute.
fn install_manifest(readme: &str, root: &Path) -> String {
    let install = &readme[readme.find("## Install").expect("an Install section")..];
    let (_, _, toml) = blocks(install)
        .into_iter()
        .find(|(info, _, _)| info == "toml")
        .expect("a toml block in the Install section");
    let library = root.join("state-signals");
    toml.replace(
        "\"../state-signals/state-signals\"",
        &format!("{:?}", library.display().to_string()),
    )
}

#[test]
fn every_snippet_builds_with_the_readme_install_dependencies() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let app = target.join("readme-snippets");
    let examples = app.join("examples");
    let _ = std::fs::remove_dir_all(&examples);
    std::fs::create_dir_all(app.join("src")).expect("create the snippet crate");
    std::fs::create_dir_all(&examples).expect("create its examples");
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-snippets\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n{}",
            install_manifest(&readme, &root)
        ),
    )
    .expect("write its manifest");
    std::fs::write(app.join("src").join("lib.rs"), "").expect("write its lib");
    // The workspace's versions, so that the check needs no index update.
    std::fs::copy(root.join("Cargo.lock"), app.join("Cargo.lock")).expect("copy Cargo.lock");
    let mut origin = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root.join(document)).expect("a document");
        for (info, line, code) in blocks(&text) {
            if !is_compiled_rust(&info) {
                continue;
            }
            let name = format!("snippet_{}", origin.len());
            std::fs::write(examples.join(format!("{name}.rs")), program(&code))
                .expect("write a snippet");
            origin.push(format!("{name}: {document}:{line}"));
        }
    }
    assert!(origin.len() >= 5, "found only {} snippets", origin.len());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let checked = Command::new(cargo)
        .args(["check", "--examples", "--quiet", "--message-format=short"])
        .arg("--target-dir")
        .arg(target.join("readme-snippets-target"))
        .current_dir(&app)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        checked.status.success(),
        "a snippet does not build with exactly the README's Install dependencies:\n{}\nsnippets:\n{}",
        String::from_utf8_lossy(&checked.stderr),
        origin.join("\n")
    );
}
