//! Running the real `gridassist` binary from a test: a free port to serve on, and a command run
//! to the end with what it reads from standard input (a password is never an argument). Shared
//! by `tests/api` and `tests/crash` (included with `#[path]`).

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// A port on 127.0.0.1 nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Run `command` to the end with `stdin` as its input; its output and errors are captured.
pub fn output_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gridassist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("gridassist output")
}
