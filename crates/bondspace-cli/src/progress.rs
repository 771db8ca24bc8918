//! Terminal progress bars (indicatif) behind the library's `Progress` trait, drawn on stderr
//! only when it is a terminal and `--quiet` was not given.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences every bar created afterwards (`--quiet`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn enabled() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// A terminal bar or spinner; hidden when progress is disabled.
pub struct Bar(pub ProgressBar);

impl Bar {
    /// Clears the bar from the terminal.
    pub fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl bondspace::progress::Progress for Bar {
    fn set_length(&self, len: u64) {
        self.0.set_length(len);
    }
    fn inc(&self, delta: u64) {
        self.0.inc(delta);
    }
    fn set_position(&self, pos: u64) {
        self.0.set_position(pos);
    }
    fn set_message(&self, msg: &str) {
        self.0.set_message(msg.to_string());
    }
}

/// A bar of `len` steps with a message.
pub fn bar(len: u64, msg: impl Into<String>) -> Bar {
    if !enabled() {
        return Bar(ProgressBar::hidden());
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} ({eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(msg.into());
    Bar(pb)
}

/// A spinner for jobs of unknown length (iterations of a minimiser), ticking on its own.
pub fn spinner(msg: impl Into<String>) -> Bar {
    if !enabled() {
        return Bar(ProgressBar::hidden());
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {pos}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.into());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    Bar(pb)
}
