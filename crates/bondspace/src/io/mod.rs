//! Files: configurations (extended XYZ, which bondspace writes and ASE and OVITO read; LAMMPS
//! data and dump files; HOOMD GSD) behind one entry point, [`read_configuration`], that picks
//! the reader by content and extension (module [`input`]); npy/npz; atomic writes.
//!
//! Every writer goes through [`write_atomic`]: the content goes to a temporary file in the
//! same directory that is renamed over the target, so a crash never leaves a half-written file.
//! Temporary names ([`temp_path`]) hold the writer's process id and a per-process counter, so
//! two writers never share one; a failed write removes its temporary file, and
//! [`remove_stale_temps`] removes those of processes that are gone (a killed run). Directories
//! that a run writes are locked with [`lock::DirLock`].

pub mod gsd;
pub mod input;
pub mod json;
pub mod lammps;
pub mod lock;
pub mod npy;
pub mod xyz;

pub use input::{Format, ReadOptions, SizeConvention, read_configuration};

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The marker between a file's name and the writer's process id in a temporary name.
const TMP_MARK: &str = ".tmp";

/// A fresh temporary name beside `path`: `.NAME.tmpPID-SEQ` (hidden; PID is this process,
/// SEQ counts this process's temporary names, so no two writers share one).
pub fn temp_path(path: &Path) -> Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{} is not a file path", path.display())))?;
    Ok(path.with_file_name(format!(
        ".{}{TMP_MARK}{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )))
}

/// The process that made a temporary name of [`temp_path`] (`Some(None)` for a temporary name
/// without a process id, as older versions wrote them); `None` when `name` is not temporary.
fn temp_owner(name: &str) -> Option<Option<u32>> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, tail) = name.rsplit_once(TMP_MARK)?;
    let pid = tail.split('-').next().unwrap_or("");
    Some(pid.parse().ok())
}

/// Removes the temporary files and directories in `dir` (not below it) whose writer is no
/// longer running, as a killed run leaves them; returns how many were removed.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = temp_owner(&name) else {
            continue;
        };
        if owner.is_some_and(crate::resources::process_alive) {
            continue;
        }
        let p = entry.path();
        let r = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|e| Error::io(&p, e))?;
        removed += 1;
    }
    Ok(removed)
}

/// Writes `bytes` to `path` via a temporary file and a rename; the temporary file is removed
/// when the write fails (a full disk, say).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = temp_path(path)?;
    let write = || -> Result<()> {
        let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    };
    let r = write();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_unique_and_stale_ones_removed() {
        let dir = std::env::temp_dir().join(format!("bondspace-tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.npz");
        let (t1, t2) = (temp_path(&target).unwrap(), temp_path(&target).unwrap());
        assert_ne!(t1, t2);
        let n1 = t1.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(temp_owner(&n1), Some(Some(std::process::id())));
        assert_eq!(temp_owner("a.npz"), None);
        assert_eq!(temp_owner(".bondspace.lock"), None);
        // ours (running) stays; a dead writer's file and directory and an old-style name go
        std::fs::write(&t1, b"x").unwrap();
        std::fs::write(dir.join(".b.npz.tmp4294967294-0"), b"x").unwrap();
        std::fs::create_dir_all(dir.join(".sample-0001.tmp4294967294-3")).unwrap();
        std::fs::create_dir_all(dir.join(".sample-0002.tmp")).unwrap();
        assert_eq!(remove_stale_temps(&dir).unwrap(), 3);
        assert!(t1.exists());
        // a write into a directory that cannot take it leaves no temporary file
        write_atomic(&target, b"data").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"data");
        std::fs::create_dir_all(dir.join("d")).unwrap();
        assert!(write_atomic(&dir.join("d"), b"x").is_err()); // rename over a directory
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp") && !n.starts_with(&n1))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
