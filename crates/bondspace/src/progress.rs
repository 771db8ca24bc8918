//! Progress bars for long jobs (indicatif), drawn on stderr only when it is a terminal and
//! the user did not ask for quiet output.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

pub use indicatif::ProgressBar;

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences every progress bar created afterwards (`--quiet`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// True when bars are drawn (stderr is a terminal and not quiet).
pub fn enabled() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// A bar of `len` steps with a message; hidden when progress is disabled.
pub fn bar(len: u64, msg: impl Into<String>) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>12} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} ({eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb.set_message(msg.into());
    pb
}

/// A spinner for jobs of unknown length (iterations of a minimiser); hidden when disabled.
pub fn spinner(msg: impl Into<String>) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {pos}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.into());
    pb
}
