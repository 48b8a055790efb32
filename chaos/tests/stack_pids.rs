//! How `scripts/stack` tells its own processes from strangers by their pid files
//! (`pid_alive` in scripts/stack.d/common.sh). A start is judged by it every half second, so
//! a process caught between fork and exec, whose command line is still the script's, must
//! count as alive; a pid file whose number now belongs to some other program must not.

use std::path::Path;
use std::process::Command;

/// Runs `body` in bash with common.sh sourced on a stack home of its own; returns its stdout.
fn with_common(home: &Path, body: &str) -> String {
    let common = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/stack.d/common.sh");
    let script = format!(
        "set -euo pipefail\nsource '{}'\nmkdir -p \"$RUN_DIR\"\n{body}",
        common.display()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("SAGA_STACK_HOME", home)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A fresh directory of this test run's own.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("stack-pids-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// A program that takes the Toxiproxy marker only after a while: what `spawn`'s child looks
/// like before it has exec'd the server.
fn late_exec(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("late-exec.sh");
    // The marker is assembled at run time, so this file's own command line never holds it.
    std::fs::write(
        &path,
        "sleep 0.3\nexec -a \"$(printf '%s-%s' toxiproxy server)\" sleep 30\n",
    )
    .expect("script written");
    path
}

#[test]
fn a_process_that_has_not_yet_exec_d_its_server_counts_as_alive() {
    let dir = scratch("late-exec");
    let program = late_exec(&dir);
    let verdict = with_common(
        &dir,
        &format!(
            "bash '{}' & pid=$!\necho \"$pid\" >\"$RUN_DIR/toxiproxy.pid\"\n\
             if pid_alive \"$RUN_DIR/toxiproxy.pid\"; then echo alive; else echo dead; fi\n\
             kill \"$pid\"",
            program.display()
        ),
    );
    assert_eq!(verdict, "alive");
}

#[test]
fn a_pid_file_naming_some_other_program_is_not_ours() {
    let dir = scratch("stranger");
    let verdict = with_common(
        &dir,
        "sleep 30 & pid=$!\necho \"$pid\" >\"$RUN_DIR/toxiproxy.pid\"\n\
         if pid_alive \"$RUN_DIR/toxiproxy.pid\"; then echo alive; else echo dead; fi\n\
         kill \"$pid\"",
    );
    assert_eq!(verdict, "dead");
}
