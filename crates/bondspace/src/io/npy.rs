//! NumPy `.npy` and `.npz` output (float64 / int64, little-endian) that `numpy.load` reads,
//! written atomically.

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
            .array::<T>(name, Default::default())
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
            .array::<str>(name, Default::default())
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
