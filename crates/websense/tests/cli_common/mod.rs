//! Running the real `websense` binary from the tests: from the repository root, with input on
//! stdin, collecting the exit code and both outputs.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary, started in the repository root (so `lexicons`, `config/...` resolve).
pub fn websense() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_websense"));
    cmd.current_dir(repo_root());
    cmd
}

/// `websense ARGS` with `stdin` as its input: (exit code, stdout, stderr).
pub fn run_with_stdin(args: &[&str], stdin: impl AsRef<[u8]>) -> (i32, String, String) {
    let mut child = websense()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_ref())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
