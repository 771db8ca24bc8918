//! HOOMD-blue GSD files (binary), read following the GSD file-layer specification (versions
//! 1 and 2: a 256-byte header, an index of 32-byte chunk entries, a name list) and the HOOMD
//! schema (`configuration/box`, `configuration/dimensions`, `particles/N`,
//! `particles/position`, `particles/diameter`, `particles/typeid`, `particles/types`). No
//! maintained Rust GSD reader was found on crates.io, so this module implements the format.
//!
//! As the schema says, a chunk absent from frame k takes its value from frame 0, else its
//! default (box 1 × 1 × 1, dimensions 3, diameter 1, type `A`). Positions, centred on the
//! origin in HOOMD, are shifted by half the box. The sizes are `particles/diameter`
//! (diameters) unless another chunk is named (`particles/charge`, or just `charge`); problems
//! name the frame and the chunk (line 0: a binary file has no lines).

use std::path::Path;

use super::input::{RawFrame, RawSizes, ReadOptions, SizeConvention, pick_frame};
use crate::error::{Error, Result};

const MAGIC: u64 = 0x65DF_65DF_65DF_65DF;
const NAME_SIZE: usize = 64;

/// True when `bytes` start with the GSD magic number.
pub fn is_gsd(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8])) == MAGIC
}

/// One index entry: a chunk of frame `frame`, an N × M array of `kind` at `location`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    frame: u64,
    n: u64,
    location: u64,
    m: u32,
    id: u16,
    kind: u8,
}

struct Gsd<'a> {
    bytes: &'a [u8],
    names: Vec<String>,
    entries: Vec<Entry>,
    file: &'a Path,
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Size in bytes of GSD type `kind` (1 = uint8 … 10 = double, 11 = character).
fn type_size(kind: u8) -> Option<usize> {
    Some(match kind {
        1 | 5 | 11 => 1,
        2 | 6 => 2,
        3 | 7 | 9 => 4,
        4 | 8 | 10 => 8,
        _ => return None,
    })
}

impl<'a> Gsd<'a> {
    fn err(&self, problem: impl Into<String>) -> Error {
        Error::parse(self.file, 0, problem)
    }

    fn open(bytes: &'a [u8], file: &'a Path) -> Result<Self> {
        let corrupt =
            |what: &str| Error::parse(file, 0, format!("corrupt or truncated GSD file: {what}"));
        if bytes.len() < 256 || !is_gsd(bytes) {
            return Err(corrupt("shorter than its 256-byte header"));
        }
        let index_location = u64_at(bytes, 8).unwrap_or(0) as usize;
        let index_entries = u64_at(bytes, 16).unwrap_or(0) as usize;
        let namelist_location = u64_at(bytes, 24).unwrap_or(0) as usize;
        let namelist_entries = u64_at(bytes, 32).unwrap_or(0) as usize;
        let version = u32_at(bytes, 44).unwrap_or(0);
        let major = version >> 16;
        if major != 1 && major != 2 {
            return Err(Error::parse(
                file,
                0,
                format!(
                    "GSD file-layer version {}.{} is not supported (1.x and 2.x are)",
                    major,
                    version & 0xffff
                ),
            ));
        }
        let nl_bytes = namelist_entries.saturating_mul(NAME_SIZE);
        let namelist = bytes
            .get(namelist_location..namelist_location.saturating_add(nl_bytes))
            .ok_or_else(|| corrupt("the name list lies beyond the end of the file"))?;
        let mut names = Vec::new();
        if major == 1 {
            for seg in namelist.chunks(NAME_SIZE) {
                if seg.first().is_none_or(|&b| b == 0) {
                    break;
                }
                let end = seg.iter().position(|&b| b == 0).unwrap_or(seg.len());
                names.push(String::from_utf8_lossy(&seg[..end]).into_owned());
            }
        } else {
            for name in namelist.split(|&b| b == 0) {
                if name.is_empty() {
                    break;
                }
                names.push(String::from_utf8_lossy(name).into_owned());
            }
        }
        let mut entries = Vec::new();
        for k in 0..index_entries {
            let at = index_location.saturating_add(k.saturating_mul(32));
            let Some(e) = bytes.get(at..at + 32) else {
                return Err(corrupt("the index lies beyond the end of the file"));
            };
            let location = u64_at(e, 16).unwrap_or(0);
            if location == 0 {
                break;
            }
            let entry = Entry {
                frame: u64_at(e, 0).unwrap_or(0),
                n: u64_at(e, 8).unwrap_or(0),
                location,
                m: u32_at(e, 24).unwrap_or(0),
                id: u16::from_le_bytes([e[28], e[29]]),
                kind: e[30],
            };
            entries.push(entry);
        }
        Ok(Gsd {
            bytes,
            names,
            entries,
            file,
        })
    }

    fn n_frames(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.frame as usize + 1)
            .max()
            .unwrap_or(0)
    }

    /// The entry of chunk `name` in `frame`, else in frame 0 (the HOOMD schema's rule).
    fn find(&self, name: &str, frame: u64) -> Option<Entry> {
        let id = self.names.iter().position(|n| n == name)? as u16;
        let get = |f: u64| {
            self.entries
                .iter()
                .rev()
                .find(|e| e.id == id && e.frame == f)
                .copied()
        };
        get(frame).or_else(|| get(0))
    }

    /// The raw bytes of an entry, checked against the file size.
    fn data(&self, e: &Entry, name: &str) -> Result<&'a [u8]> {
        let size = type_size(e.kind)
            .ok_or_else(|| self.err(format!("chunk {name} has unknown GSD type {}", e.kind)))?;
        let len = (e.n as usize)
            .checked_mul(e.m as usize)
            .and_then(|x| x.checked_mul(size))
            .ok_or_else(|| self.err(format!("chunk {name} is too large")))?;
        let start = e.location as usize;
        self.bytes
            .get(start..start.saturating_add(len))
            .ok_or_else(|| {
                self.err(format!(
                    "corrupt or truncated GSD file: chunk {name} lies beyond the end of the file"
                ))
            })
    }

    /// A numeric chunk as (N, M, values as f64).
    fn numbers(&self, e: &Entry, name: &str) -> Result<(usize, usize, Vec<f64>)> {
        let d = self.data(e, name)?;
        let size = type_size(e.kind).unwrap_or(1);
        let v: Vec<f64> = d
            .chunks_exact(size)
            .map(|c| match e.kind {
                1 => c[0] as f64,
                2 => u16::from_le_bytes([c[0], c[1]]) as f64,
                3 => u32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64,
                4 => u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64,
                5 => c[0] as i8 as f64,
                6 => i16::from_le_bytes([c[0], c[1]]) as f64,
                7 => i32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64,
                8 => i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64,
                9 => f32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64,
                10 => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
                _ => f64::NAN,
            })
            .collect();
        if e.kind == 11 {
            return Err(self.err(format!("chunk {name} holds characters, not numbers")));
        }
        Ok((e.n as usize, e.m as usize, v))
    }
}

/// Reads frame `opt.frame` of a GSD file in the HOOMD schema.
pub(crate) fn read_frame(bytes: &[u8], file: &Path, opt: &ReadOptions) -> Result<RawFrame> {
    let g = Gsd::open(bytes, file)?;
    let k = pick_frame(g.n_frames(), opt.frame, file, 0)? as u64;
    let at = |problem: String| Error::parse(file, 0, format!("frame {k}: {problem}"));

    let n = match g.find("particles/N", k) {
        Some(e) => g
            .numbers(&e, "particles/N")?
            .2
            .first()
            .copied()
            .unwrap_or(0.0) as usize,
        None => 0,
    };
    if n == 0 {
        return Err(at("no particles (particles/N is 0 or missing)".into()));
    }
    let boxv = match g.find("configuration/box", k) {
        Some(e) => g.numbers(&e, "configuration/box")?.2,
        None => vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
    };
    if boxv.len() != 6 {
        return Err(at(format!(
            "configuration/box has {} numbers, expected 6 (Lx Ly Lz xy xz yz)",
            boxv.len()
        )));
    }
    if boxv[3..].iter().any(|t| *t != 0.0) {
        return Err(at(format!(
            "tilted box (xy, xz, yz = {}, {}, {}): only orthorhombic boxes are supported",
            boxv[3], boxv[4], boxv[5]
        )));
    }
    let dim = match g.find("configuration/dimensions", k) {
        Some(e) => g
            .numbers(&e, "configuration/dimensions")?
            .2
            .first()
            .copied()
            .unwrap_or(3.0),
        None => 3.0,
    } as usize;
    if dim != 2 && dim != 3 {
        return Err(at(format!(
            "configuration/dimensions is {dim}, expected 2 or 3"
        )));
    }
    let lengths = [boxv[0], boxv[1], boxv[2]];
    for (c, l) in lengths.iter().enumerate().take(dim) {
        if !(l.is_finite() && *l > 0.0) {
            return Err(at(format!(
                "box length L{} = {l} must be positive",
                ["x", "y", "z"][c]
            )));
        }
    }
    let pos_e = g
        .find("particles/position", k)
        .ok_or_else(|| at("no particles/position chunk".into()))?;
    let (pn, pm, pv) = g.numbers(&pos_e, "particles/position")?;
    if pn != n || pm != 3 {
        return Err(at(format!(
            "particles/position is {pn} × {pm}, expected {n} × 3"
        )));
    }
    let mut positions = Vec::with_capacity(n);
    for i in 0..n {
        let mut p = [0.0; 3];
        for c in 0..3 {
            let x = pv[3 * i + c];
            if !x.is_finite() {
                return Err(at(format!("particle {i} has a non-finite position")));
            }
            p[c] = if c < dim { x + 0.5 * lengths[c] } else { 0.0 };
        }
        if dim == 2 && pv[3 * i + 2] != 0.0 {
            return Err(at(format!(
                "2D frame, but particle {i} has z = {}",
                pv[3 * i + 2]
            )));
        }
        positions.push(p);
    }

    // Types.
    let typeid: Vec<usize> = match g.find("particles/typeid", k) {
        Some(e) => {
            let (tn, _, v) = g.numbers(&e, "particles/typeid")?;
            if tn != n {
                return Err(at(format!(
                    "particles/typeid has {tn} entries, expected {n}"
                )));
            }
            v.iter().map(|&t| t as usize).collect()
        }
        None => vec![0; n],
    };
    let type_names: Vec<String> = match g.find("particles/types", k) {
        Some(e) if e.kind == 11 || e.kind == 5 || e.kind == 1 => {
            let d = g.data(&e, "particles/types")?;
            d.chunks(e.m.max(1) as usize)
                .map(|c| {
                    let end = c.iter().position(|&b| b == 0).unwrap_or(c.len());
                    String::from_utf8_lossy(&c[..end]).into_owned()
                })
                .collect()
        }
        _ => vec!["A".to_string()],
    };
    let species: Vec<String> = typeid
        .iter()
        .map(|&t| {
            type_names
                .get(t)
                .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
                .cloned()
                .unwrap_or_else(|| (t + 1).to_string())
        })
        .collect();

    // Sizes.
    let sizes = if opt.size_column.is_none() && !opt.type_sizes.is_empty() {
        None
    } else {
        let name = match &opt.size_column {
            Some(c) if c.contains('/') => c.clone(),
            Some(c) => format!("particles/{c}"),
            None => "particles/diameter".to_string(),
        };
        let values = match g.find(&name, k) {
            Some(e) => {
                let (sn, sm, v) = g.numbers(&e, &name)?;
                if sn != n || sm != 1 {
                    return Err(at(format!("{name} is {sn} × {sm}, expected {n} × 1")));
                }
                v
            }
            None if name == "particles/diameter" => vec![1.0; n],
            None => {
                let mut have: Vec<&str> = g
                    .names
                    .iter()
                    .map(String::as_str)
                    .filter(|s| s.starts_with("particles/"))
                    .collect();
                have.sort_unstable();
                have.dedup();
                return Err(at(format!(
                    "no chunk {name} (particle chunks: {})",
                    have.join(", ")
                )));
            }
        };
        if let Some(i) = values.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(at(format!(
                "{name} of particle {i} must be positive, found {}",
                values[i]
            )));
        }
        let leaf = name.rsplit('/').next().unwrap_or(&name);
        Some(RawSizes {
            values,
            convention: SizeConvention::of_column(leaf),
        })
    };
    let mut info = std::collections::BTreeMap::new();
    if let Some(e) = g.find("configuration/step", k)
        && let Some(s) = g.numbers(&e, "configuration/step")?.2.first()
    {
        info.insert("step".to_string(), format!("{s}"));
    }
    Ok(RawFrame {
        dim,
        lengths,
        positions,
        sizes,
        types: Some(typeid.iter().map(|t| t + 1).collect()),
        species,
        model: None,
        info,
        line: 0,
        columns: "no particles/diameter chunk".into(),
    })
}
