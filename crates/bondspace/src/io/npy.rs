//! NumPy `.npy` and `.npz` files (float64 / int64, little-endian) that `numpy.load` reads,
//! written atomically, and readers for the ones this crate writes.

use std::io::Cursor;
use std::path::Path;

use npyz::WriterBuilder;
use npyz::npz::NpzWriter;

use crate::error::{Error, Result};

fn npy_err(path: &Path, e: std::io::Error) -> Error {
    Error::io(path, e)
}

/// Writes `data` (row-major, `shape`) to an `.npy` file.
pub fn write_npy<T: npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) -> Result<()> {
    let mut buf = Vec::new();
    {
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut buf)
            .begin_nd()
            .map_err(|e| npy_err(path, e))?;
        w.extend(data.iter().copied())
            .map_err(|e| npy_err(path, e))?;
        w.finish().map_err(|e| npy_err(path, e))?;
    }
    super::write_atomic(path, &buf)
}

/// Reads a float64 `.npy` file (any shape, flattened).
pub fn read_npy_f64(path: &Path) -> Result<Vec<f64>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let f = npyz::NpyFile::new(&bytes[..]).map_err(|e| npy_err(path, e))?;
    f.into_vec::<f64>().map_err(|e| npy_err(path, e))
}

/// Reads array `name` of an `.npz` archive as float64 (int64 arrays are converted); None when
/// the archive has no such array.
pub fn read_npz_f64(path: &Path, name: &str) -> Result<Option<Vec<f64>>> {
    let mut z = npyz::npz::NpzArchive::open(path).map_err(|e| npy_err(path, e))?;
    let Some(a) = z.by_name(name).map_err(|e| npy_err(path, e))? else {
        return Ok(None);
    };
    let int = matches!(a.dtype(), npyz::DType::Plain(t) if t.to_string() == "<i8");
    let v = if int {
        a.into_vec::<i64>()
            .map_err(|e| npy_err(path, e))?
            .into_iter()
            .map(|x| x as f64)
            .collect()
    } else {
        a.into_vec::<f64>().map_err(|e| npy_err(path, e))?
    };
    Ok(Some(v))
}

/// Zip entry options with a fixed modification time (the default is the current time), so
/// that the same arrays always give the same bytes: reruns, shards and resumed runs of an
/// ensemble are then byte-for-byte comparable.
fn entry_options() -> npyz::zip::write::FileOptions {
    npyz::zip::write::FileOptions::default().last_modified_time(npyz::zip::DateTime::default())
}

/// An `.npz` archive built in memory and written atomically by [`Npz::write`].
pub struct Npz {
    w: NpzWriter<Cursor<Vec<u8>>>,
}

impl Default for Npz {
    fn default() -> Self {
        Self::new()
    }
}

impl Npz {
    /// An empty archive.
    pub fn new() -> Self {
        Self {
            w: NpzWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Adds array `name` with `shape` (row-major data).
    pub fn add<T: npyz::AutoSerialize + Copy>(
        &mut self,
        name: &str,
        shape: &[u64],
        data: &[T],
    ) -> Result<()> {
        let e = |e: std::io::Error| Error::Numerical(format!("npz array {name}: {e}"));
        let mut w = self
            .w
            .array::<T>(name, entry_options())
            .map_err(e)?
            .default_dtype()
            .shape(shape)
            .begin_nd()
            .map_err(e)?;
        w.extend(data.iter().copied()).map_err(e)?;
        w.finish().map_err(e)
    }

    /// Adds a text note as a 0-d unicode array (`str(numpy.load(f)[name])` reads it).
    pub fn add_text(&mut self, name: &str, text: &str) -> Result<()> {
        let e = |e: std::io::Error| Error::Numerical(format!("npz array {name}: {e}"));
        let len = text.chars().count().max(1);
        let ts: npyz::TypeStr = format!("<U{len}")
            .parse()
            .map_err(|_| Error::Numerical(format!("npz array {name}: bad dtype")))?;
        let mut w = self
            .w
            .array::<str>(name, entry_options())
            .map_err(e)?
            .dtype(npyz::DType::Plain(ts))
            .shape(&[])
            .begin_nd()
            .map_err(e)?;
        w.push(text).map_err(e)?;
        w.finish().map_err(e)
    }

    /// Finishes the archive and writes it to `path`.
    pub fn write(self, path: &Path) -> Result<()> {
        let mut w = self.w;
        let cursor = w
            .zip_writer()
            .finish()
            .map_err(|e| Error::Numerical(format!("npz archive: {e}")))?;
        super::write_atomic(path, &cursor.into_inner())
    }
}
