//! Batches of independent samples, the machinery shared by ensembles and by SWAP batches of
//! glasses: the samples run in parallel (rayon), each with its own random streams and every
//! dense kernel sequential inside it ([`SequentialKernels`]), so that the results do not depend
//! on the thread count; each finished sample is written atomically, through a hidden
//! temporary directory or file renamed into place, so a killed batch resumes where it stopped.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::progress::Progress;

/// Every dense kernel of faer sequential while this guard lives (samples run in parallel
/// instead); the previous setting is restored when it drops, also on a panic.
pub struct SequentialKernels {
    previous: faer::Par,
}

impl SequentialKernels {
    /// Switches faer's global parallelism off until the guard drops.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let previous = faer::get_global_parallelism();
        faer::set_global_parallelism(faer::Par::Seq);
        Self { previous }
    }
}

impl Drop for SequentialKernels {
    fn drop(&mut self) {
        faer::set_global_parallelism(self.previous);
    }
}

/// Runs `f` on every item in parallel with sequential dense kernels, returning the results in
/// item order; `per_item`, when given, is advanced by one as each item finishes.
pub fn run_parallel<I: Sync, T: Send>(
    items: &[I],
    per_item: Option<&dyn Progress>,
    f: impl Fn(&I) -> T + Sync,
) -> Vec<T> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let _seq = SequentialKernels::new();
    // a shared queue taken in list order: each free worker takes the next item, so items
    // listed first (the longest, e.g. the chains of the lowest Tp) start first and the
    // workers finish together; which worker runs an item does not change its result
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let workers = rayon::current_num_threads().clamp(1, items.len().max(1));
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    if let Some(p) = per_item {
                        p.inc(1);
                    }
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item ran")
        })
        .collect()
}

/// A new empty hidden directory beside `done` ([`crate::io::temp_path`]: named after this
/// process, so no other writer shares it), to be renamed to `done` when complete.
pub fn fresh_tmp_dir(done: &Path) -> Result<PathBuf> {
    let tmp = crate::io::temp_path(done)?;
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    Ok(tmp)
}

/// Renames a completed temporary directory into place.
pub fn commit_dir(tmp: &Path, done: &Path) -> Result<()> {
    std::fs::rename(tmp, done).map_err(|e| Error::io(done, e))
}

/// Fills a fresh temporary directory with `fill` and renames it to `done`; on any failure the
/// temporary directory is removed, so a failed sample leaves nothing behind.
pub fn write_dir(done: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let tmp = fresh_tmp_dir(done)?;
    let r = fill(&tmp).and_then(|()| commit_dir(&tmp, done));
    if r.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    r
}

/// Copies a sample directory through a temporary name (never a half-copied sample).
pub fn copy_dir(src: &Path, dst: &Path) -> Result<()> {
    write_dir(dst, |tmp| {
        for entry in std::fs::read_dir(src).map_err(|e| Error::io(src, e))? {
            let entry = entry.map_err(|e| Error::io(src, e))?;
            let to = tmp.join(entry.file_name());
            std::fs::copy(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
        }
        Ok(())
    })
}
