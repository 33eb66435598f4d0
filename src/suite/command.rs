//! Running one system command: a subprocess with a timeout, its stdout and stderr in log
//! files, the tail of its stderr kept for the manifest.
//!
//! On Unix the command gets its own process group, and the whole group is killed (with
//! `kill -KILL -- -PGID`, since the crate forbids the `unsafe` a direct `kill(2)` would
//! need) when the command times out, when it exits (background children it left behind do
//! not outlive it, nor write after it), and when ieval receives SIGTERM or SIGINT while
//! commands run ([`guard_signals`]: every live group is killed, then ieval ends as the
//! signal would have ended it).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::store::Status;

/// How much of stderr the manifest keeps.
const TAIL_BYTES: u64 = 4096;
const TAIL_LINES: usize = 30;

/// One command to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub argv: Vec<String>,
    pub workdir: PathBuf,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// A file given on stdin (`None`: no stdin).
    pub stdin: Option<PathBuf>,
    /// Where stdout goes.
    pub stdout: PathBuf,
    /// Where stderr goes.
    pub stderr: PathBuf,
}

/// What came of it: `Ok`, `Failed` (could not start, non-zero exit, killed by a signal)
/// or `Timeout`.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub message: Option<String>,
    pub stderr_tail: Option<String>,
    pub seconds: f64,
}

/// The process groups of the commands running now (their leaders' pids); `None` once a
/// signal has ended the run (no command starts after that).
static LIVE: Mutex<Option<Vec<u32>>> = Mutex::new(Some(Vec::new()));

fn live() -> std::sync::MutexGuard<'static, Option<Vec<u32>>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// On SIGTERM and SIGINT, kill the process groups of all running commands, then end ieval
/// as the signal would have (its default action). Call once before commands run; later
/// calls do nothing. Unix only (elsewhere nothing is installed).
pub fn guard_signals() {
    #[cfg(unix)]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, OnceLock};
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            let got = Arc::new(AtomicUsize::new(0));
            let seen = Arc::clone(&got);
            // The watcher first: a signal caught with nobody to act on it would be lost.
            let spawned = std::thread::Builder::new().name("ieval-signals".into()).spawn(move || {
                let got = seen;
                loop {
                    let sig = got.load(Ordering::SeqCst);
                    if sig != 0 {
                        let mut g = live();
                        for pgid in g.take().unwrap_or_default() {
                            kill_group(pgid);
                        }
                        // The lock stays held: no command starts before ieval ends.
                        let _ = signal_hook::low_level::emulate_default_handler(sig as i32);
                        std::process::exit(128 + sig as i32);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
            if spawned.is_ok() {
                for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
                    let _ = signal_hook::flag::register_usize(sig, Arc::clone(&got), sig as usize);
                }
            }
        });
    }
}

/// `kill -KILL -- -PGID`: every process of the group.
fn kill_group(pgid: u32) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = pgid;
}

/// Run a job to completion or timeout.
pub fn run(job: &Job) -> Outcome {
    let start = Instant::now();
    let fail = |msg: String, start: Instant| Outcome {
        status: Status::Failed,
        message: Some(msg),
        stderr_tail: None,
        seconds: start.elapsed().as_secs_f64(),
    };
    let Some(program) = job.argv.first() else {
        return fail("empty command".into(), start);
    };
    for p in [&job.stdout, &job.stderr] {
        if let Some(dir) = p.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return fail(format!("cannot create {}: {e}", dir.display()), start);
        }
    }
    let open = |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    let (stdout, stderr) = match (open(&job.stdout), open(&job.stderr)) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(m), _) | (_, Err(m)) => return fail(m, start),
    };
    let stdin = match &job.stdin {
        None => Stdio::null(),
        Some(p) => match File::open(p) {
            Ok(f) => Stdio::from(f),
            Err(e) => return fail(format!("cannot open {}: {e}", p.display()), start),
        },
    };
    let mut cmd = Command::new(program);
    cmd.args(&job.argv[1..])
        .current_dir(&job.workdir)
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .stdin(stdin)
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    // Started and registered under the lock, so that a signal cannot come between.
    let mut child = {
        let mut g = live();
        let Some(groups) = g.as_mut() else {
            return fail("not started: ieval is being stopped by a signal".into(), start);
        };
        match cmd.spawn() {
            Ok(c) => {
                groups.push(c.id());
                c
            }
            Err(e) => {
                return fail(format!("cannot start {program:?} (in {}): {e}", job.workdir.display()), start);
            }
        }
    };
    let deadline = start + job.timeout;
    let mut pause = Duration::from_millis(5);
    let status = loop {
        // Reaped under the lock, and its group killed before the lock is let go: no command
        // can start in between and be given the freed pid (its group id) to be killed by it.
        let polled = {
            let mut g = live();
            let r = child.try_wait();
            if let Ok(Some(_)) = r {
                // The command is done: what it left running in its group (background
                // children) goes too.
                kill_group(child.id());
                if let Some(groups) = g.as_mut() {
                    groups.retain(|&p| p != child.id());
                }
            }
            r
        };
        match polled {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(e) => {
                kill(&mut child);
                return Outcome {
                    stderr_tail: tail(&job.stderr),
                    ..fail(format!("cannot wait for {program:?}: {e}"), start)
                };
            }
        }
        let now = Instant::now();
        if now >= deadline {
            kill(&mut child);
            break None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(100));
    };
    let seconds = start.elapsed().as_secs_f64();
    let stderr_tail = tail(&job.stderr);
    match status {
        None => Outcome {
            status: Status::Timeout,
            message: Some(format!("killed after the timeout of {} s", fmt_secs(job.timeout.as_secs_f64()))),
            stderr_tail,
            seconds,
        },
        Some(s) if s.success() => Outcome { status: Status::Ok, message: None, stderr_tail, seconds },
        Some(s) => {
            let what = match s.code() {
                Some(c) => format!("exit status {c}"),
                None => signal_of(&s),
            };
            let last = stderr_tail.as_deref().and_then(|t| t.lines().rev().find(|l| !l.trim().is_empty()));
            let message = match last {
                Some(l) => format!("the command failed ({what}): {}", l.trim()),
                None => format!("the command failed ({what})"),
            };
            Outcome { status: Status::Failed, message: Some(message), stderr_tail, seconds }
        }
    }
}

fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}

#[cfg(unix)]
fn signal_of(s: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match s.signal() {
        Some(sig) => format!("killed by signal {sig}"),
        None => "no exit status".to_string(),
    }
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> String {
    "no exit status".to_string()
}

/// Kill the command's process group (the command and everything it started), reap the
/// command, and forget the group.
fn kill(child: &mut std::process::Child) {
    let mut g = live();
    kill_group(child.id());
    let _ = child.kill();
    let _ = child.wait();
    if let Some(groups) = g.as_mut() {
        groups.retain(|&p| p != child.id());
    }
}

/// The last lines of a log file (at most [`TAIL_LINES`] lines, [`TAIL_BYTES`] bytes).
fn tail(path: &Path) -> Option<String> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let from = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if from > 0 && !lines.is_empty() {
        lines.remove(0); // cut mid-line
    }
    let keep = lines.len().saturating_sub(TAIL_LINES);
    let t = lines[keep..].join("\n");
    if t.trim().is_empty() { None } else { Some(t) }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn job(dir: &Path, script: &str, timeout_ms: u64) -> Job {
        Job {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            workdir: dir.to_path_buf(),
            env: vec![("X_TEST".into(), "42".into())],
            timeout: Duration::from_millis(timeout_ms),
            stdin: None,
            stdout: dir.join("out.log"),
            stderr: dir.join("err.log"),
        }
    }

    #[test]
    fn ok_failed_and_timeout() {
        let d = tempfile::tempdir().expect("tempdir");
        let o = run(&job(d.path(), "echo $X_TEST; echo warn >&2", 10_000));
        assert_eq!(o.status, Status::Ok, "{o:?}");
        assert_eq!(std::fs::read_to_string(d.path().join("out.log")).expect("out"), "42\n");
        assert_eq!(o.stderr_tail.as_deref(), Some("warn"));

        let o = run(&job(d.path(), "echo boom >&2; exit 3", 10_000));
        assert_eq!(o.status, Status::Failed);
        assert_eq!(o.message.as_deref(), Some("the command failed (exit status 3): boom"));

        let t = Instant::now();
        let o = run(&job(d.path(), "sleep 30 & sleep 30", 300));
        assert_eq!(o.status, Status::Timeout, "{o:?}");
        assert!(t.elapsed() < Duration::from_secs(10), "the timeout kills the process group");

        let mut j = job(d.path(), "", 1000);
        j.argv = vec!["/no/such/program".into()];
        let o = run(&j);
        assert_eq!(o.status, Status::Failed);
        assert!(o.message.as_deref().is_some_and(|m| m.contains("cannot start")), "{o:?}");
    }
}
