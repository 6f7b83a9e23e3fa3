//! The Python drop-in module `state_signals_rs` (`state-signals-py/`):
//! built into the interop venv with `maturin develop` and run through its
//! pytest suite (`state-signals-py/tests`), against real Redis servers and
//! the real `state-signals` 1.0.1 package.

use state_signals_test_support as common;

use std::path::Path;
use std::process::Command;

/// `maturin` and `pytest` in the venv, installed on first use.
fn tools(venv: &Path) {
    let marker = venv.join(".python-module-tools");
    if marker.exists() {
        return;
    }
    let python = venv.join("bin").join("python");
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "maturin>=1.7,<2",
            "pytest>=7",
        ])
        .status()
        .unwrap_or_else(|e| panic!("cannot run pip ({e}): the module tests need python3 with pip"));
    assert!(
        status.success(),
        "`pip install maturin pytest` failed ({status}): the module tests need PyPI"
    );
    std::fs::write(marker, "").expect("write the tools marker");
}

#[test]
fn the_python_module_passes_its_pytest_suite() {
    let python = common::python();
    let root = common::workspace_root();
    let venv = root.join(".venv");
    // One build at a time (another test run may share the venv).
    let lock = std::fs::File::create(root.join(".venv.lock")).expect("create the venv lock");
    lock.lock().expect("lock the venv");
    tools(&venv);
    let crate_dir = root.join("state-signals-py");
    // Its own target directory: the running `cargo test` holds the main one.
    let built = Command::new(venv.join("bin").join("maturin"))
        .args(["develop", "--quiet"])
        .current_dir(&crate_dir)
        .env("VIRTUAL_ENV", &venv)
        .env("CARGO_TARGET_DIR", root.join("target").join("python"))
        .output()
        .expect("run maturin");
    assert!(
        built.status.success(),
        "`maturin develop` failed:\n{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    drop(lock);
    // A hang (a wait that kept the GIL, say) ends after 10 minutes.
    let tests = Command::new("timeout")
        .arg("600")
        .arg(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(&crate_dir)
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
