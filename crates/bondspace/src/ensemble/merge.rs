//! Merging ensemble shards: the sample directories (and chain states) of several ensemble
//! directories with the same specification, copied into one and pooled.

use std::path::{Path, PathBuf};

use super::batch::copy_dir;
use super::{PooledSummary, chain_file, init_dir, pool, read_spec, sample_dir};
use crate::error::{Error, Result};
use crate::results::files;

/// Merges the sample directories of the ensemble directories `inputs` (same specification)
/// into `out` and pools it. A sample present in several inputs must be identical in all.
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<Vec<PooledSummary>> {
    let first = inputs
        .first()
        .ok_or_else(|| Error::Invalid("merge needs at least one input directory".into()))?;
    let spec = read_spec(first)?;
    spec.check()?;
    let _lock = crate::io::lock::DirLock::acquire(out)?;
    init_dir(out, &spec)?;
    crate::io::remove_stale_temps(out)?;
    for g in &spec.groups {
        crate::io::remove_stale_temps(&out.join(g.name()))?;
    }
    for input in inputs {
        if read_spec(input)? != spec {
            return Err(Error::Invalid(format!(
                "{} holds a different ensemble than {}",
                input.display(),
                first.display()
            )));
        }
        for (g, group) in spec.groups.iter().enumerate() {
            for k in 0..spec.samples {
                let src = sample_dir(input, group, k);
                let dst = sample_dir(out, group, k);
                if !src.exists() || src == dst {
                    continue;
                }
                if dst.exists() {
                    if !same_files(&src, &dst)? {
                        return Err(Error::Invalid(format!(
                            "{} and {} differ",
                            src.display(),
                            dst.display()
                        )));
                    }
                    continue;
                }
                copy_dir(&src, &dst)?;
            }
            // the chains' states, so that the merged directory resumes (or extends) them
            let chains = spec.chains_of(g).map_or(0, |c| c.chains);
            for c in 0..chains {
                let (src, dst) = (chain_file(input, group, c), chain_file(out, group, c));
                if src.exists() && !dst.exists() && src != dst {
                    let bytes = std::fs::read(&src).map_err(|e| Error::io(&src, e))?;
                    crate::io::write_atomic(&dst, &bytes)?;
                }
            }
        }
    }
    pool(out)
}

/// Whether two sample directories hold the same files, byte for byte (summary.json's wall
/// time excepted).
fn same_files(a: &Path, b: &Path) -> Result<bool> {
    let names = |d: &Path| -> Result<Vec<String>> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map_err(|e| Error::io(d, e))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        v.sort();
        Ok(v)
    };
    let (na, nb) = (names(a)?, names(b)?);
    if na != nb {
        return Ok(false);
    }
    for n in &na {
        if n == files::SUMMARY || n == files::MC {
            continue;
        }
        let (pa, pb) = (a.join(n), b.join(n));
        let x = std::fs::read(&pa).map_err(|e| Error::io(&pa, e))?;
        let y = std::fs::read(&pb).map_err(|e| Error::io(&pb, e))?;
        if x != y {
            return Ok(false);
        }
    }
    Ok(true)
}
