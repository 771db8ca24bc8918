//! Progress reporting of long jobs, as a small trait that front ends implement.
//!
//! The library never draws anything: a long routine takes a `&dyn Progress` and tells it the
//! number of steps, the steps done and what it is doing. [`NoProgress`] ignores everything (the
//! default for library callers and tests); the command-line tool implements the trait with
//! terminal bars, a Python front end may forward it to a callback. Calls are cheap and happen
//! at most once per outer iteration (a minimiser step, a Monte Carlo sweep, a sample), never in
//! an inner loop.
//!
//! A front end can also ask a job to stop ([`Progress::cancelled`], e.g. on Ctrl-C in Python):
//! the Monte Carlo sweeps, the minimisers and the sample loop of an ensemble check it at the
//! same points where they report progress and return [`Error::Interrupted`](crate::Error);
//! a dense eigensolver, once started, runs to its end.

/// Receives the progress of a long job. Every method has a no-op default.
pub trait Progress: Sync {
    /// The job has `len` steps (0: unknown).
    fn set_length(&self, _len: u64) {}
    /// `delta` more steps are done.
    fn inc(&self, _delta: u64) {}
    /// `pos` steps are done (iterative methods of unknown length).
    fn set_position(&self, _pos: u64) {}
    /// What the job is doing now.
    fn set_message(&self, _msg: &str) {}
    /// True when the front end asks the job to stop (checked once per outer iteration).
    fn cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A `&'static` [`NoProgress`], for calls that want no progress reports.
pub const SILENT: &NoProgress = &NoProgress;
