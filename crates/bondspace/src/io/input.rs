//! The single entry point for configuration files of any supported format: it picks the
//! reader by content and extension, applies the [`ReadOptions`] (frame, model, size column and
//! size convention, dimension) and builds the configuration.
//!
//! | format | detected by | reader |
//! |---|---|---|
//! | extended XYZ (bondspace, ASE, OVITO, …) | `.xyz`, `.extxyz`, or a first line that is an atom count | [`super::xyz`] |
//! | LAMMPS data (`atomic`, `sphere`, `charge` atom styles) | `.data`, `.lmp`, `data.*`, or an `atoms` header line | [`super::lammps`] |
//! | LAMMPS text dump (`ITEM:` sections) | `.dump`, `.lammpstrj`, or a first line `ITEM: …` | [`super::lammps`] |
//! | HOOMD GSD | its magic number (whatever the extension) | [`super::gsd`] |
//!
//! A file with NUL bytes or invalid UTF-8 that is not GSD is refused as binary, without
//! showing its bytes. Sizes: a configuration stores the model's own size (λ_i for IPL, the
//! radius for harmonic and soft spheres, see [`Model::size_per_radius`]); a file's column is
//! read as a [`SizeConvention`] — by default `size` is the model's size, `radius` a radius,
//! `diameter` a diameter, a LAMMPS `charge` or a user-named column the model's size — and
//! [`ReadOptions::size_convention`] overrides it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{AnyConfiguration, Configuration};
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::Model;

/// File formats of configurations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Extended XYZ (bondspace's own format; ASE, OVITO and most codes write it).
    Xyz,
    /// LAMMPS data file (`write_data`, ASE's `lammps-data`).
    LammpsData,
    /// LAMMPS text dump (`dump custom`, `ITEM:` sections).
    LammpsDump,
    /// HOOMD-blue GSD (binary).
    Gsd,
}

impl Format {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xyz => "extended XYZ",
            Format::LammpsData => "LAMMPS data",
            Format::LammpsDump => "LAMMPS dump",
            Format::Gsd => "GSD",
        }
    }
}

/// What the numbers of a size column are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeConvention {
    /// The model's own size (λ_i for IPL, the radius for harmonic and soft spheres).
    Model,
    /// Radii.
    Radius,
    /// Diameters.
    Diameter,
}

impl SizeConvention {
    /// The model's size per unit of this convention.
    pub fn factor(self, model: &Model) -> f64 {
        match self {
            SizeConvention::Model => 1.0,
            SizeConvention::Radius => model.size_per_radius(),
            SizeConvention::Diameter => 0.5 * model.size_per_radius(),
        }
    }

    /// The convention a column of this name implies (`radius`, `diameter`; anything else is
    /// the model's size).
    pub fn of_column(name: &str) -> SizeConvention {
        match name.to_ascii_lowercase().as_str() {
            "radius" | "radii" => SizeConvention::Radius,
            "diameter" | "diameters" => SizeConvention::Diameter,
            _ => SizeConvention::Model,
        }
    }
}

/// Options of [`read_configuration`]; the defaults read a bondspace file as written.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The format; `None` detects it from the content and the extension.
    pub format: Option<Format>,
    /// The frame of a multi-frame file, 0-based; negative counts from the end; `None` is the
    /// last frame.
    pub frame: Option<i64>,
    /// The pair model: used for files that name none and overrides the file's model.
    pub model: Option<Model>,
    /// The column (extended XYZ, LAMMPS dump), the per-atom field (LAMMPS data: `diameter`,
    /// `charge`) or the GSD chunk (e.g. `particles/charge`) holding the sizes.
    pub size_column: Option<String>,
    /// What the size numbers are; `None` takes the convention of the column's name.
    pub size_convention: Option<SizeConvention>,
    /// Sizes per particle type (type 1 first), for files without a size column (LAMMPS
    /// `atomic` data files); read in `size_convention` (the model's size by default).
    pub type_sizes: Vec<f64>,
    /// The dimension; `None` takes the file's (extended XYZ: `pbc`, GSD: `dimensions`,
    /// LAMMPS: 2 when every z is 0).
    pub dim: Option<usize>,
}

/// One frame as a format reader found it, before the options are applied.
#[derive(Debug, Default)]
pub(crate) struct RawFrame {
    /// Dimension the file implies (2 or 3).
    pub dim: usize,
    /// Box lengths (the third one unused in 2D).
    pub lengths: [f64; 3],
    /// Positions relative to the box's lower corner (z = 0 in 2D).
    pub positions: Vec<[f64; 3]>,
    /// The size column, if the file has one.
    pub sizes: Option<RawSizes>,
    /// 1-based particle types, if the file has them (for [`ReadOptions::type_sizes`]).
    pub types: Option<Vec<usize>>,
    /// Species labels.
    pub species: Vec<String>,
    /// The model the file names, if any.
    pub model: Option<Model>,
    /// Extra metadata.
    pub info: BTreeMap<String, String>,
    /// The line of the frame's header (for problems of the whole frame; 0 for binary files).
    pub line: usize,
    /// What the file holds instead of sizes, for the message when there are none.
    pub columns: String,
}

/// A size column: positive values (checked by the reader) and their convention.
#[derive(Debug)]
pub(crate) struct RawSizes {
    /// The values, one per particle.
    pub values: Vec<f64>,
    /// The convention its name implies.
    pub convention: SizeConvention,
}

/// Reads one configuration from a file of any supported format (see the module docs).
pub fn read_configuration(path: &Path, opt: &ReadOptions) -> Result<AnyConfiguration> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let format = match opt.format {
        Some(f) => f,
        None => detect(path, &bytes)?,
    };
    let raw = match format {
        Format::Gsd => super::gsd::read_frame(&bytes, path, opt)?,
        text_format => {
            let text = as_text(&bytes, path, text_format)?;
            match text_format {
                Format::Xyz => super::xyz::read_frame(text, path, opt)?,
                Format::LammpsData => super::lammps::read_data(text, path, opt)?,
                _ => super::lammps::read_dump(text, path, opt)?,
            }
        }
    };
    finish(raw, path, opt)
}

/// The format of a file from its content (GSD's magic number, a binary file, the first text
/// line) and its extension.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format> {
    if super::gsd::is_gsd(bytes) {
        return Ok(Format::Gsd);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let by_ext = match ext {
        "xyz" | "extxyz" => Some(Format::Xyz),
        "data" | "lmp" | "lammps" => Some(Format::LammpsData),
        "dump" | "lammpstrj" => Some(Format::LammpsDump),
        "gsd" => Some(Format::Gsd),
        _ => None,
    };
    if let Some(Format::Gsd) = by_ext {
        return Err(Error::parse(
            path,
            0,
            "not a GSD file (the GSD magic number is missing); the file may be truncated or of another format",
        ));
    }
    if is_binary(bytes) {
        return Err(binary_error(path, by_ext));
    }
    if let Some(f) = by_ext {
        return Ok(f);
    }
    if name.starts_with("data.") {
        return Ok(Format::LammpsData);
    }
    if name.starts_with("dump.") {
        return Ok(Format::LammpsDump);
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let first = text.lines().next().unwrap_or("").trim();
    if first.starts_with("ITEM:") {
        return Ok(Format::LammpsDump);
    }
    if first.parse::<usize>().is_ok() {
        return Ok(Format::Xyz);
    }
    if text
        .lines()
        .take(30)
        .any(|l| l.split_whitespace().nth(1) == Some("atoms"))
    {
        return Ok(Format::LammpsData);
    }
    Err(Error::parse(
        path,
        1,
        "unknown configuration format: expected extended XYZ (.xyz), LAMMPS data (.data), LAMMPS dump (.dump) or GSD (.gsd)",
    ))
}

/// True for content that is not text: a NUL byte, or invalid UTF-8, in its first 64 KiB.
fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(65536)];
    if head.contains(&0) {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => false,
        // a multi-byte character cut at the 64 KiB boundary is still text
        Err(e) => e.error_len().is_some(),
    }
}

fn binary_error(path: &Path, expected: Option<Format>) -> Error {
    let what = match expected {
        Some(f) => format!("{} files must be text", f.name()),
        None => "expected a text configuration or GSD".to_string(),
    };
    Error::parse(
        path,
        0,
        format!(
            "binary content (not text, not GSD): {what} (a LAMMPS binary dump must be converted to text first)"
        ),
    )
}

/// The file as text, or the binary-file error.
fn as_text<'a>(bytes: &'a [u8], path: &Path, format: Format) -> Result<&'a str> {
    if is_binary(bytes) {
        return Err(binary_error(path, Some(format)));
    }
    std::str::from_utf8(bytes).map_err(|_| binary_error(path, Some(format)))
}

/// The 0-based index of the frame `frame` (None: last, negative from the end) among `count`.
pub(crate) fn pick_frame(
    count: usize,
    frame: Option<i64>,
    file: &Path,
    line: usize,
) -> Result<usize> {
    let k = frame.unwrap_or(-1);
    let idx = if k < 0 { count as i64 + k } else { k };
    if count == 0 || idx < 0 || idx >= count as i64 {
        return Err(Error::parse(
            file,
            line,
            format!(
                "frame {k} does not exist: the file has {count} frame{} (0 to {})",
                if count == 1 { "" } else { "s" },
                count.saturating_sub(1)
            ),
        ));
    }
    Ok(idx as usize)
}

/// Applies the options to a frame and builds the configuration.
pub(crate) fn finish(raw: RawFrame, file: &Path, opt: &ReadOptions) -> Result<AnyConfiguration> {
    let at = |problem: String| Error::parse(PathBuf::from(file), raw.line, problem);
    let model = match (&opt.model, &raw.model) {
        (Some(m), _) | (None, Some(m)) => m.clone(),
        (None, None) => {
            return Err(Error::NoModel {
                file: file.to_path_buf(),
                line: raw.line,
            });
        }
    };
    let n = raw.positions.len();
    let (values, convention) = if let Some(s) = raw.sizes {
        (s.values, opt.size_convention.unwrap_or(s.convention))
    } else if !opt.type_sizes.is_empty() {
        let types = raw.types.as_ref().ok_or_else(|| {
            at("the file has no particle types, so sizes per type cannot be applied".into())
        })?;
        let mut v = Vec::with_capacity(n);
        for &t in types {
            let s = *opt.type_sizes.get(t.wrapping_sub(1)).ok_or_else(|| {
                at(format!(
                    "particle type {t} has no size ({} sizes per type given)",
                    opt.type_sizes.len()
                ))
            })?;
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::Invalid(format!(
                    "the size of particle type {t} must be positive, got {s}"
                )));
            }
            v.push(s);
        }
        (v, opt.size_convention.unwrap_or(SizeConvention::Model))
    } else {
        return Err(Error::NoSizes {
            file: file.to_path_buf(),
            line: raw.line,
            detail: raw.columns,
        });
    };
    let factor = convention.factor(&model);
    let sizes: Vec<f64> = values.iter().map(|v| v * factor).collect();
    let mut dim = raw.dim;
    if let Some(d) = opt.dim {
        if d != 2 && d != 3 {
            return Err(Error::Invalid(format!(
                "dimension {d}: only 2 and 3 are supported"
            )));
        }
        if d == 3 && dim == 2 {
            return Err(at("read as 3D, but the file is 2D".into()));
        }
        if d == 2
            && dim == 3
            && let Some(z) = raw.positions.iter().find(|p| p[2] != raw.positions[0][2])
        {
            return Err(at(format!(
                "read as 2D, but the z coordinates differ ({} and {})",
                raw.positions[0][2], z[2]
            )));
        }
        dim = d;
    }
    if dim == 3 && raw.lengths[2] <= 0.0 {
        return Err(at(format!(
            "box length Lz = {} must be positive in 3D",
            raw.lengths[2]
        )));
    }
    fn build<const D: usize>(
        raw_lengths: [f64; 3],
        positions: Vec<[f64; 3]>,
        sizes: Vec<f64>,
        species: Vec<String>,
        model: Model,
        info: BTreeMap<String, String>,
    ) -> Configuration<D> {
        Configuration {
            simbox: SimBox {
                lengths: std::array::from_fn(|k| raw_lengths[k]),
            },
            positions: positions
                .into_iter()
                .map(|p| std::array::from_fn(|k| p[k]))
                .collect(),
            sizes,
            species,
            model,
            info,
        }
    }
    let species = if raw.species.len() == n {
        raw.species
    } else {
        vec!["A".to_string(); n]
    };
    Ok(if dim == 2 {
        build::<2>(raw.lengths, raw.positions, sizes, species, model, raw.info).into()
    } else {
        build::<3>(raw.lengths, raw.positions, sizes, species, model, raw.info).into()
    })
}
