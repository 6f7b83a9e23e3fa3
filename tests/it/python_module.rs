//! The Python drop-in module `state_signals_rs` (`state-signals-py/`), run
//! through its pytest suite (`state-signals-py/tests`) against real Redis
//! servers and the real `state-signals` 1.0.1 package.
//!
//! The module is built once, by cargo, in the suite's own target directory
//! (with the same features, so only the extension itself is compiled), and
//! imported from a staged copy of the Python package: no `maturin`, no
//! second dependency build, no `pip install` on every run.

use state_signals_test_support as common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `pytest` and `mypy` (the typing tests) in the venv, installed on first use.
fn pytest(venv: &Path) {
    let marker = venv.join(".python-module-tools-2");
    if marker.exists() {
        return;
    }
    let python = venv.join("bin").join("python");
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "pytest>=7", "mypy>=1.8"])
        .status()
        .unwrap_or_else(|e| panic!("cannot run pip ({e}): the module tests need python3 with pip"));
    assert!(
        status.success(),
        "`pip install pytest mypy` failed ({status}): the module tests need PyPI"
    );
    std::fs::write(marker, "").expect("write the tools marker");
}

/// Builds the extension with cargo (a no-op when it is up to date) and
/// stages the package — its Python sources and the extension as
/// `_native.abi3.so` — in `target/python-module`; returns that directory.
fn staged_module(root: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The same feature set as `cargo test --workspace --all-features`, so
    // that every dependency is the unit that run already built.
    let built = Command::new(&cargo)
        .args([
            "build",
            "--workspace",
            "--all-features",
            "--all-targets",
            "--message-format=short",
        ])
        .current_dir(root)
        .output()
        .expect("run cargo");
    assert!(
        built.status.success(),
        "building the Python module failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let library = target.join("debug").join("libstate_signals_rs.so");
    assert!(
        library.exists(),
        "cargo built no {} (the module is Linux-only in this suite)",
        library.display()
    );
    let stage = target.join("python-module");
    let package = stage.join("state_signals_rs");
    std::fs::create_dir_all(&package).expect("create the staging directory");
    let sources = root
        .join("state-signals-py")
        .join("python")
        .join("state_signals_rs");
    for entry in std::fs::read_dir(&sources).expect("read the package sources") {
        let path = entry.expect("a package file").path();
        // Sources only: an extension left there by a `maturin develop`
        // would shadow the one built here.
        let is_source = path
            .extension()
            .is_none_or(|e| e == "py" || e == "pyi" || e == "typed");
        if path.is_file() && is_source {
            std::fs::copy(&path, package.join(path.file_name().expect("a file name")))
                .expect("stage a package file");
        }
    }
    // Replaced, not overwritten: a running interpreter may map the old one.
    let native = package.join("_native.abi3.so");
    let fresh = package.join("_native.abi3.so.new");
    std::fs::copy(&library, &fresh).expect("stage the extension");
    std::fs::rename(&fresh, &native).expect("install the staged extension");
    stage
}

/// The drop-in module built and staged (see [`staged_module`]), for other
/// tests to import with `PYTHONPATH`: blocking, run it off the runtime.
pub(crate) fn staged() -> PathBuf {
    common::python();
    let root = common::workspace_root();
    let _lock = venv_lock(&root);
    staged_module(&root)
}

/// One build and staging at a time (another test or test run may share them).
fn venv_lock(root: &Path) -> std::fs::File {
    let lock = std::fs::File::create(root.join(".venv.lock")).expect("create the venv lock");
    lock.lock().expect("lock the venv");
    lock
}

#[test]
fn the_python_module_passes_its_pytest_suite() {
    let python = common::python();
    let root = common::workspace_root();
    let lock = venv_lock(&root);
    pytest(&root.join(".venv"));
    let stage = staged_module(&root);
    drop(lock);
    let crate_dir = root.join("state-signals-py");
    // A hang (a wait that kept the GIL, say) ends after 10 minutes.
    let tests = Command::new("timeout")
        .arg("600")
        .arg(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(&crate_dir)
        .env("PYTHONPATH", &stage)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run pytest under `timeout` (coreutils)");
    assert_ne!(
        tests.status.code(),
        Some(124),
        "the module's pytest suite hung for 10 minutes:\n{}",
        String::from_utf8_lossy(&tests.stdout)
    );
    assert!(
        tests.status.success(),
        "the module's pytest suite failed:\n{}{}",
        String::from_utf8_lossy(&tests.stdout),
        String::from_utf8_lossy(&tests.stderr)
    );
}
