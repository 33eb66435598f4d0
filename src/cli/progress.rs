//! Progress on stderr for long commands (`score`, `compare`, `run`), drawn by indicatif.
//!
//! Shown only when stderr is a terminal and `--quiet` is not given, and only once the work
//! has taken more than a second: short runs, pipes, files and CI logs see nothing. The
//! line is cleared when the work ends, so what the command prints stays as it was.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Global;

/// How long work runs before its progress is shown: one second, or
/// `IEVAL_PROGRESS_DELAY_MS` (the tests set 0, so that a terminal test does not depend on
/// how fast the machine is).
fn delay() -> Duration {
    std::env::var("IEVAL_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

/// A progress line: a counter (`total` unknown) or a bar (`total` known).
pub struct Progress {
    bar: ProgressBar,
}

/// True when progress may be drawn: stderr is a terminal and `--quiet` is not given.
pub fn wanted(g: &Global) -> bool {
    !g.quiet && std::io::stderr().is_terminal()
}

impl Progress {
    /// A progress line that `prefix` names (`ieval score`), counting `unit`s.
    pub fn new(g: &Global, prefix: &str, unit: &str, total: Option<u64>) -> Self {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let template = match total {
            Some(_) => format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{elapsed}} {{wide_msg}}"),
            None => format!("{{spinner}} {{prefix}} {{pos}} {unit} {{elapsed}} {{wide_msg}}"),
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(prefix.to_string());
        if wanted(g) {
            let b = bar.clone();
            let delay = delay();
            // Revealed after the delay unless finished by then; the thread ends either way.
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                if !b.is_finished() {
                    b.set_draw_target(ProgressDrawTarget::stderr());
                    b.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
        Progress { bar }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn set_length(&self, n: u64) {
        self.bar.set_length(n);
    }

    pub fn set_message(&self, m: impl Into<String>) {
        self.bar.set_message(m.into());
    }

    /// Stop and clear the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

impl ieval::score::run::Tick for Progress {
    fn tick(&self) {
        self.inc(1);
    }

    fn phase(&self, what: &str) {
        self.set_message(what);
    }
}

/// A detail sink that counts the documents scored on a [`Progress`] and passes everything
/// on to its inner sink.
pub use ieval::score::run::Ticking as Counting;
