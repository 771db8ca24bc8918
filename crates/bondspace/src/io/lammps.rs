//! LAMMPS files: data files (`write_data`, ASE's `lammps-data`) and text dumps (`dump
//! custom`, `ITEM:` sections).
//!
//! Data files: the header (`N atoms`, `xlo xhi`, `ylo yhi`, `zlo zhi`, optional tilts that
//! must be 0) and the `Atoms` section in the style its `# style` comment names, or, without
//! one, the style its column count implies: `atomic` (id type x y z), `charge` (id type q x y
//! z), `sphere` (id type diameter density x y z), each optionally followed by image flags.
//! Sizes: the `diameter` of `sphere` (diameters), the charge `q` of `charge` (the model's size),
//! or sizes per type for `atomic`. Other sections (Masses, Velocities, Bonds, coefficients) are
//! skipped.
//!
//! Dumps: any frame (`ITEM: TIMESTEP` starts one), box bounds (tilts must be 0), the
//! `ITEM: ATOMS` columns by name: `x y z`, `xu yu zu` or scaled `xs ys zs` / `xsu ysu zsu`,
//! `id` (atoms are sorted by it), `type`, and the sizes from a named column or else `radius`,
//! then `diameter`.
//!
//! Positions are taken relative to the box's lower corner. A file is 2D when every z is the
//! same (LAMMPS keeps z = 0 in 2D) unless the dimension is given. Problems name the line.

use std::collections::BTreeMap;
use std::path::Path;

use super::input::{RawFrame, RawSizes, ReadOptions, SizeConvention, pick_frame};
use crate::error::{Error, Result};

fn num(tok: &str, what: &str, line: usize, file: &Path) -> Result<f64> {
    match tok.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(Error::parse(
            file,
            line,
            format!("{what} is not finite: {tok:?}"),
        )),
        Err(_) => Err(Error::parse(
            file,
            line,
            format!("{what} is not a number: {tok:?}"),
        )),
    }
}

/// The part of a line before a `#` comment.
fn strip(line: &str) -> &str {
    line.split('#').next().unwrap_or("")
}

/// One atom as read: id, type, position (absolute), optional size.
struct Atom {
    id: i64,
    ty: usize,
    pos: [f64; 3],
    size: Option<f64>,
}

/// Sorts by id, shifts to the box corner, decides the dimension and builds the frame.
#[allow(clippy::too_many_arguments)]
fn assemble(
    mut atoms: Vec<Atom>,
    lo: [f64; 3],
    hi: [f64; 3],
    size_name: Option<String>,
    line: usize,
    columns: String,
    info: BTreeMap<String, String>,
    file: &Path,
) -> Result<RawFrame> {
    atoms.sort_by_key(|a| a.id);
    if let Some(w) = atoms.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(Error::parse(
            file,
            line,
            format!("atom id {} appears twice", w[0].id),
        ));
    }
    let z0 = atoms.first().map(|a| a.pos[2]).unwrap_or(0.0);
    let flat = atoms.len() > 1 && atoms.iter().all(|a| a.pos[2] == z0);
    let dim = if flat { 2 } else { 3 };
    let lengths = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    for (k, l) in lengths.iter().enumerate().take(dim) {
        if l.is_nan() || *l <= 0.0 {
            return Err(Error::parse(
                file,
                line,
                format!("box length L{} = {l} must be positive", ["x", "y", "z"][k]),
            ));
        }
    }
    let positions = atoms
        .iter()
        .map(|a| {
            [
                a.pos[0] - lo[0],
                a.pos[1] - lo[1],
                if flat { 0.0 } else { a.pos[2] - lo[2] },
            ]
        })
        .collect();
    let sizes = size_name.map(|name| RawSizes {
        values: atoms.iter().map(|a| a.size.unwrap_or(1.0)).collect(),
        convention: SizeConvention::of_column(&name),
    });
    Ok(RawFrame {
        dim,
        lengths: if flat {
            [lengths[0], lengths[1], 1.0]
        } else {
            lengths
        },
        positions,
        sizes,
        types: Some(atoms.iter().map(|a| a.ty).collect()),
        species: atoms.iter().map(|a| a.ty.to_string()).collect(),
        model: None,
        info,
        line,
        columns,
    })
}

/// Reads a LAMMPS data file.
pub(crate) fn read_data(text: &str, file: &Path, opt: &ReadOptions) -> Result<RawFrame> {
    let err = |line: usize, p: String| Error::parse(file, line, p);
    let lines: Vec<&str> = text.lines().collect();
    let mut n_atoms: Option<usize> = None;
    let mut lo = [0.0; 3];
    let mut hi = [1.0; 3];
    let mut i = 1; // line 1 is the title
    // Header.
    while i < lines.len() {
        let l = strip(lines[i]).trim();
        if l.is_empty() {
            i += 1;
            continue;
        }
        if l.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break; // first section
        }
        let t: Vec<&str> = l.split_whitespace().collect();
        let ln = i + 1;
        match t.as_slice() {
            [n, "atoms"] => {
                n_atoms = Some(
                    n.parse()
                        .map_err(|_| err(ln, format!("atom count is not a whole number: {n:?}")))?,
                )
            }
            [a, b, lo_k, hi_k] if lo_k.ends_with("lo") && hi_k.ends_with("hi") => {
                let k = match *lo_k {
                    "xlo" => 0,
                    "ylo" => 1,
                    "zlo" => 2,
                    _ => return Err(err(ln, format!("unknown box bound {lo_k:?}"))),
                };
                lo[k] = num(a, "box bound", ln, file)?;
                hi[k] = num(b, "box bound", ln, file)?;
            }
            [a, b, c, "xy", "xz", "yz"] => {
                for v in [a, b, c] {
                    if num(v, "tilt factor", ln, file)? != 0.0 {
                        return Err(err(
                            ln,
                            "triclinic box (non-zero tilt factors): only orthorhombic boxes are supported".into(),
                        ));
                    }
                }
            }
            _ => {} // other counts and types: not needed
        }
        i += 1;
    }
    let n = n_atoms.ok_or_else(|| err(1, "no \"N atoms\" line in the header".into()))?;
    // Sections.
    let mut atoms_at: Option<(usize, String)> = None;
    while i < lines.len() {
        let raw = lines[i];
        let l = strip(raw).trim();
        if l.starts_with(|c: char| c.is_ascii_alphabetic())
            && l.split_whitespace().next() == Some("Atoms")
        {
            let style = raw
                .split_once('#')
                .map(|(_, s)| s.trim().to_string())
                .unwrap_or_default();
            atoms_at = Some((i, style));
            break;
        }
        i += 1;
    }
    let (start, style) = atoms_at.ok_or_else(|| err(lines.len(), "no Atoms section".into()))?;
    let mut atoms = Vec::with_capacity(n);
    let mut j = start + 1;
    let mut style = style;
    while atoms.len() < n {
        let Some(raw) = lines.get(j) else {
            return Err(err(
                j,
                format!(
                    "file is truncated: the Atoms section ends after {} of {n} atoms",
                    atoms.len()
                ),
            ));
        };
        let ln = j + 1;
        j += 1;
        let l = strip(raw).trim();
        if l.is_empty() {
            continue;
        }
        let t: Vec<&str> = l.split_whitespace().collect();
        if style.is_empty() {
            style = match t.len() {
                5 | 8 => "atomic",
                6 | 9 => "charge",
                7 | 10 => "sphere",
                k => {
                    return Err(err(
                        ln,
                        format!("{k} columns in the Atoms section fit none of the atom styles atomic, charge, sphere (name it in a \"Atoms # style\" comment)"),
                    ));
                }
            }
            .to_string();
        }
        let (need, xyz_at, size_at): (usize, usize, Option<(usize, &str)>) = match style.as_str() {
            "atomic" => (5, 2, None),
            "charge" => (6, 3, Some((2, "charge"))),
            "sphere" => (7, 4, Some((2, "diameter"))),
            other => {
                return Err(err(
                    start + 1,
                    format!("atom style {other:?} is not supported (atomic, charge, sphere are)"),
                ));
            }
        };
        if t.len() != need && t.len() != need + 3 {
            return Err(err(
                ln,
                format!(
                    "expected {need} columns (atom style {style}, plus 3 optional image flags), found {}",
                    t.len()
                ),
            ));
        }
        let id: i64 = t[0]
            .parse()
            .map_err(|_| err(ln, format!("atom id is not a whole number: {:?}", t[0])))?;
        let ty: usize = t[1].parse().ok().filter(|&v| v >= 1).ok_or_else(|| {
            err(
                ln,
                format!("atom type is not a positive whole number: {:?}", t[1]),
            )
        })?;
        let mut pos = [0.0; 3];
        for k in 0..3 {
            pos[k] = num(t[xyz_at + k], "position", ln, file)?;
        }
        let size = match (size_at, &opt.size_column) {
            (Some((c, name)), _) => {
                let v = num(t[c], name, ln, file)?;
                Some((v, name))
            }
            _ => None,
        };
        if let Some((v, name)) = size
            && v <= 0.0
            && (opt.type_sizes.is_empty() || opt.size_column.is_some())
        {
            return Err(err(ln, format!("{name} must be positive, found {v}")));
        }
        atoms.push(Atom {
            id,
            ty,
            pos,
            size: size.map(|s| s.0),
        });
    }
    let size_name = match style.as_str() {
        "sphere" | "charge" if opt.size_column.is_some() || opt.type_sizes.is_empty() => {
            let own = if style == "sphere" {
                "diameter"
            } else {
                "charge"
            };
            if let Some(c) = &opt.size_column {
                let c = c.to_ascii_lowercase();
                if c != own && !(own == "charge" && c == "q") {
                    return Err(err(
                        start + 1,
                        format!(
                            "atom style {style} has no per-atom {c:?} (its size field is {own})"
                        ),
                    ));
                }
            }
            Some(own.to_string())
        }
        _ => None,
    };
    let mut info = BTreeMap::new();
    info.insert("lammps_atom_style".to_string(), style.clone());
    assemble(
        atoms,
        lo,
        hi,
        size_name,
        start + 1,
        format!("atom style {style} has no per-atom size (give sizes per type)"),
        info,
        file,
    )
}

/// Reads frame `opt.frame` of a LAMMPS text dump.
pub(crate) fn read_dump(text: &str, file: &Path, opt: &ReadOptions) -> Result<RawFrame> {
    let err = |line: usize, p: String| Error::parse(file, line, p);
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("ITEM: TIMESTEP"))
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        return Err(err(
            1,
            "no \"ITEM: TIMESTEP\" line: not a LAMMPS text dump".into(),
        ));
    }
    let k = pick_frame(starts.len(), opt.frame, file, 1)?;
    let end = starts.get(k + 1).copied().unwrap_or(lines.len());
    let mut i = starts[k];
    let mut info = BTreeMap::new();
    let mut n: Option<usize> = None;
    let mut lo = [0.0; 3];
    let mut hi = [1.0; 3];
    let next = |i: usize, what: &str| -> Result<&str> {
        if i < end {
            Ok(lines[i])
        } else {
            Err(err(
                i,
                format!("file is truncated: the frame ends before its {what}"),
            ))
        }
    };
    while i < end {
        let l = lines[i].trim();
        let ln = i + 1;
        if let Some(item) = l.strip_prefix("ITEM:") {
            let item = item.trim();
            if item.starts_with("TIMESTEP") {
                let v = next(i + 1, "timestep")?.trim();
                info.insert("timestep".to_string(), v.to_string());
                i += 2;
            } else if item.starts_with("NUMBER OF ATOMS") {
                let v = next(i + 1, "atom count")?.trim();
                n = Some(v.parse().map_err(|_| {
                    err(ln + 1, format!("atom count is not a whole number: {v:?}"))
                })?);
                i += 2;
            } else if let Some(b) = item.strip_prefix("BOX BOUNDS") {
                let tilted = b.split_whitespace().any(|t| t == "xy");
                for c in 0..3 {
                    let row = next(i + 1 + c, "box bounds")?;
                    let t: Vec<&str> = row.split_whitespace().collect();
                    if t.len() < 2 || (tilted && t.len() < 3) {
                        return Err(err(
                            ln + 1 + c,
                            format!("expected box bounds, found {row:?}"),
                        ));
                    }
                    lo[c] = num(t[0], "box bound", ln + 1 + c, file)?;
                    hi[c] = num(t[1], "box bound", ln + 1 + c, file)?;
                    if tilted && num(t[2], "tilt factor", ln + 1 + c, file)? != 0.0 {
                        return Err(err(
                            ln + 1 + c,
                            "triclinic box (non-zero tilt factor): only orthorhombic boxes are supported".into(),
                        ));
                    }
                }
                i += 4;
            } else if let Some(cols) = item.strip_prefix("ATOMS") {
                let n =
                    n.ok_or_else(|| err(ln, "ITEM: ATOMS before ITEM: NUMBER OF ATOMS".into()))?;
                let names: Vec<&str> = cols.split_whitespace().collect();
                let col = |c: &str| names.iter().position(|x| *x == c);
                let (xyz, scaled) = if let (Some(a), Some(b), Some(c)) =
                    (col("x"), col("y"), col("z"))
                {
                    ([a, b, c], false)
                } else if let (Some(a), Some(b), Some(c)) = (col("xu"), col("yu"), col("zu")) {
                    ([a, b, c], false)
                } else if let (Some(a), Some(b), Some(c)) = (col("xs"), col("ys"), col("zs")) {
                    ([a, b, c], true)
                } else if let (Some(a), Some(b), Some(c)) = (col("xsu"), col("ysu"), col("zsu")) {
                    ([a, b, c], true)
                } else {
                    return Err(err(
                        ln,
                        format!(
                            "no position columns (x y z, xu yu zu, xs ys zs) in ITEM: ATOMS {}",
                            names.join(" ")
                        ),
                    ));
                };
                let size_col = match &opt.size_column {
                    Some(c) => Some(col(c).ok_or_else(|| {
                        err(
                            ln,
                            format!("no column {c:?} in ITEM: ATOMS {}", names.join(" ")),
                        )
                    })?),
                    None if !opt.type_sizes.is_empty() => None,
                    None => col("radius").or_else(|| col("diameter")),
                };
                let id_col = col("id");
                let ty_col = col("type");
                let mut atoms = Vec::with_capacity(n);
                for a in 0..n {
                    let li = i + 1 + a;
                    if li >= end {
                        return Err(err(
                            li,
                            format!(
                                "file is truncated: the frame ends after {a} of {n} atom lines"
                            ),
                        ));
                    }
                    let t: Vec<&str> = lines[li].split_whitespace().collect();
                    if t.len() != names.len() {
                        return Err(err(
                            li + 1,
                            format!(
                                "expected {} columns (ITEM: ATOMS), found {}",
                                names.len(),
                                t.len()
                            ),
                        ));
                    }
                    let mut pos = [0.0; 3];
                    for c in 0..3 {
                        let v = num(t[xyz[c]], "position", li + 1, file)?;
                        pos[c] = if scaled {
                            lo[c] + v * (hi[c] - lo[c])
                        } else {
                            v
                        };
                    }
                    let id = match id_col {
                        Some(c) => t[c].parse().map_err(|_| {
                            err(li + 1, format!("atom id is not a whole number: {:?}", t[c]))
                        })?,
                        None => a as i64,
                    };
                    let ty = match ty_col {
                        Some(c) => {
                            t[c].parse()
                                .ok()
                                .filter(|&v: &usize| v >= 1)
                                .ok_or_else(|| {
                                    err(
                                        li + 1,
                                        format!(
                                            "atom type is not a positive whole number: {:?}",
                                            t[c]
                                        ),
                                    )
                                })?
                        }
                        None => 1,
                    };
                    let size = match size_col {
                        Some(c) => {
                            let v = num(t[c], names[c], li + 1, file)?;
                            if v <= 0.0 {
                                return Err(err(
                                    li + 1,
                                    format!("{} must be positive, found {v}", names[c]),
                                ));
                            }
                            Some(v)
                        }
                        None => None,
                    };
                    atoms.push(Atom { id, ty, pos, size });
                }
                return assemble(
                    atoms,
                    lo,
                    hi,
                    size_col.map(|c| names[c].to_string()),
                    ln,
                    format!(
                        "no radius or diameter column (columns: {})",
                        names.join(" ")
                    ),
                    info,
                    file,
                );
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    Err(err(
        end,
        "file is truncated: the frame has no ITEM: ATOMS section".into(),
    ))
}
