//! Advisory locks on directories that a run writes (an ensemble directory, a result
//! directory), so that two processes never write the same files.
//!
//! [`DirLock::acquire`] creates `DIR/.bondspace.lock`, takes the operating system's exclusive
//! advisory lock on it (`flock` on Linux, released by the kernel when the process ends, also
//! when it is killed) and writes its process id into it. A second process finds the lock taken
//! and gets [`Error::Busy`] naming the first one's PID. A lock file left by a killed run is not
//! locked any more and is simply taken over. On a file system without advisory locks (some
//! network file systems) the PID in the file decides: a live process other than this one holds
//! the directory, a dead one left a stale file that is taken over. The lock file stays in the
//! directory, emptied when the lock is released (removing it would let two later runs lock two
//! different files of the same name).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::resources::process_alive;

/// The lock file of a locked directory.
pub const LOCK_FILE: &str = ".bondspace.lock";

/// An advisory lock on a directory, held until it drops.
#[derive(Debug)]
pub struct DirLock {
    file: File,
    dir: PathBuf,
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

impl DirLock {
    /// Creates `dir` if needed and locks it; [`Error::Busy`] when another process holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let me = std::process::id();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Busy {
                    path: dir.to_path_buf(),
                    pid: read_pid(&mut file),
                });
            }
            // no advisory locks on this file system: the PID in the file decides
            Err(TryLockError::Error(_)) => {
                if let Some(pid) = read_pid(&mut file)
                    && pid != me
                    && process_alive(pid)
                {
                    return Err(Error::Busy {
                        path: dir.to_path_buf(),
                        pid: Some(pid),
                    });
                }
            }
        }
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.rewind()?;
            writeln!(file, "{me}")?;
            file.flush()
        };
        write(&mut file).map_err(|e| Error::io(&path, e))?;
        Ok(DirLock {
            file,
            dir: dir.to_path_buf(),
        })
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // empty the file (a finished run names no process); closing it releases the lock
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_a_stale_one_taken_over() {
        let dir = std::env::temp_dir().join(format!("bondspace-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = DirLock::acquire(&dir).unwrap();
        let text = std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        // another open file description of the same file cannot take the lock
        match DirLock::acquire(&dir) {
            Err(Error::Busy { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        assert_eq!(std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap(), "");
        // a file naming a dead process, not locked: taken over
        std::fs::write(dir.join(LOCK_FILE), "4294967294\n").unwrap();
        let again = DirLock::acquire(&dir).unwrap();
        assert_eq!(again.dir(), dir.as_path());
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
