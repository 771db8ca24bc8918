//! Files: configurations (extended XYZ, which bondspace writes and ASE and OVITO read; LAMMPS
//! data and dump files; HOOMD GSD) behind one entry point, [`read_configuration`], that picks
//! the reader by content and extension (module [`input`]); npy/npz; atomic writes.
//!
//! Every writer goes through [`write_atomic`]: the content goes to a temporary file in the
//! same directory that is renamed over the target, so a crash never leaves a half-written file.

pub mod gsd;
pub mod input;
pub mod json;
pub mod lammps;
pub mod npy;
pub mod xyz;

pub use input::{Format, ReadOptions, SizeConvention, read_configuration};

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` via a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{} is not a file path", path.display())))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
