//! Extended XYZ, the configuration file format of bondspace, which ASE and OVITO read: this
//! module owns its reader and writer.
//!
//! ```text
//! 2000
//! Lattice="Lx 0 0 0 Ly 0 0 0 Lz" Properties=species:S:1:pos:R:3:size:R:1 pbc="T T T" model=ipl ipl_n=10 ...
//! A 0.1 2.3 4.5 1.02
//! ```
//! In 2D `pbc="T T F"`, z = 0 and the third lattice vector is written as `0 0 1`. The reader
//! accepts any column order named in `Properties`, extra columns and extra keys (kept in
//! [`Configuration::info`]); it rejects unknown models and model keys that do not belong to the
//! model. Floats are written with shortest round-trip digits, so write → read is exact.
//! Every reader error names the file, the 1-based line and the problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{AnyConfiguration, Configuration};
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{ALL_MODEL_KEYS, MODEL_KEY_PREFIXES, Model, fmt_f64};

/// Keys the reader interprets itself (everything else goes to `info`).
const STRUCTURAL_KEYS: &[&str] = &["Lattice", "Properties", "pbc", "model"];

/// Reads a configuration from an extended-XYZ file.
pub fn read_xyz(path: &Path) -> Result<AnyConfiguration> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    parse_xyz(&text, path)
}

/// Reads a configuration that must have dimension `D`.
pub fn read_xyz_dim<const D: usize>(path: &Path) -> Result<Configuration<D>> {
    let any = read_xyz(path)?;
    let dim = any.dim();
    let err = || Error::Parse {
        file: path.to_path_buf(),
        line: 2,
        problem: format!("expected a {D}D configuration, the file is {dim}D"),
    };
    match any {
        AnyConfiguration::Two(c) => (D == 2)
            .then(|| cast_dim::<2, D>(c))
            .flatten()
            .ok_or_else(err),
        AnyConfiguration::Three(c) => (D == 3)
            .then(|| cast_dim::<3, D>(c))
            .flatten()
            .ok_or_else(err),
    }
}

/// Converts `Configuration<A>` into `Configuration<B>` when `A == B` (rebuilds the arrays).
fn cast_dim<const A: usize, const B: usize>(c: Configuration<A>) -> Option<Configuration<B>> {
    if A != B {
        return None;
    }
    let conv = |x: [f64; A]| -> [f64; B] { std::array::from_fn(|k| x[k]) };
    Some(Configuration {
        simbox: SimBox {
            lengths: conv(c.simbox.lengths),
        },
        positions: c.positions.into_iter().map(conv).collect(),
        sizes: c.sizes,
        species: c.species,
        model: c.model,
        info: c.info,
    })
}

struct Ctx<'a> {
    file: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, line: usize, msg: impl Into<String>) -> Error {
        Error::Parse {
            file: PathBuf::from(self.file),
            line,
            problem: msg.into(),
        }
    }
}

/// Splits an extended-XYZ comment line into `key=value` pairs (values may be "quoted").
fn parse_key_values(line: &str, ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if key.is_empty() {
            return Err(ctx.err(2, "empty key before '=' in the comment line"));
        }
        if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(ctx.err(
                2,
                format!(
                    "unexpected {key:?} in the comment line (keys start with a letter; values with spaces must be quoted)"
                ),
            ));
        }
        let value = if i < chars.len() && chars[i] == '=' {
            i += 1;
            if i < chars.len() && chars[i] == '"' {
                i += 1;
                let vs = i;
                while i < chars.len() && chars[i] != '"' {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(ctx.err(2, format!("unterminated quote in the value of {key}")));
                }
                let v: String = chars[vs..i].iter().collect();
                i += 1;
                v
            } else {
                let vs = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                chars[vs..i].iter().collect()
            }
        } else {
            "T".to_string()
        };
        if out.iter().any(|(k, _)| *k == key) {
            return Err(ctx.err(2, format!("key {key} appears twice in the comment line")));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// One column group of `Properties`.
struct Column {
    name: String,
    kind: char,
    count: usize,
    offset: usize,
}

fn parse_properties(value: &str, ctx: &Ctx) -> Result<(Vec<Column>, usize)> {
    let parts: Vec<&str> = value.split(':').collect();
    if !parts.len().is_multiple_of(3) || parts.is_empty() {
        return Err(ctx.err(
            2,
            format!("malformed Properties={value:?}: expected name:type:count triples"),
        ));
    }
    let mut cols: Vec<Column> = Vec::new();
    let mut offset = 0;
    for t in parts.chunks(3) {
        let kind = match t[1] {
            "S" | "R" | "I" | "L" => t[1].chars().next().unwrap_or('S'),
            other => {
                return Err(ctx.err(
                    2,
                    format!("Properties column {} has unknown type {other:?}", t[0]),
                ));
            }
        };
        let count: usize = match t[2].parse() {
            Ok(c) if c >= 1 => c,
            _ => {
                return Err(ctx.err(
                    2,
                    format!("Properties column {} has bad count {:?}", t[0], t[2]),
                ));
            }
        };
        if t[0].is_empty() || cols.iter().any(|c| c.name == t[0]) {
            return Err(ctx.err(
                2,
                format!("Properties column name {:?} is empty or repeated", t[0]),
            ));
        }
        cols.push(Column {
            name: t[0].to_string(),
            kind,
            count,
            offset,
        });
        offset += count;
    }
    Ok((cols, offset))
}

fn parse_finite(tok: &str, what: &str, line: usize, ctx: &Ctx) -> Result<f64> {
    match tok.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(ctx.err(line, format!("{what} is not finite: {tok:?}"))),
        Err(_) => Err(ctx.err(line, format!("{what} is not a number: {tok:?}"))),
    }
}

/// Parses extended-XYZ text; `file` is only used in error messages.
pub fn parse_xyz(text: &str, file: &Path) -> Result<AnyConfiguration> {
    let ctx = Ctx { file };
    let mut lines = text.lines();
    let first = lines
        .next()
        .ok_or_else(|| ctx.err(1, "empty file: expected the atom count"))?;
    let n: usize = match first.trim().parse::<usize>() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(ctx.err(
                1,
                format!("expected a positive atom count, found {:?}", first.trim()),
            ));
        }
    };
    let comment = lines
        .next()
        .ok_or_else(|| ctx.err(2, "file ends before the comment line"))?;
    let kv = parse_key_values(comment, &ctx)?;
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());

    // Dimension from pbc.
    let pbc = get("pbc").unwrap_or_else(|| "T T T".to_string());
    let flags: Vec<Option<bool>> = pbc
        .split_whitespace()
        .map(|t| match t.to_ascii_uppercase().as_str() {
            "T" | "TRUE" | "1" => Some(true),
            "F" | "FALSE" | "0" => Some(false),
            _ => None,
        })
        .collect();
    let dim = match flags.as_slice() {
        [Some(true), Some(true), Some(true)] => 3,
        [Some(true), Some(true), Some(false)] => 2,
        _ => {
            return Err(ctx.err(
                2,
                format!(
                    "pbc={pbc:?} is not supported: use \"T T T\" (3D) or \"T T F\" (2D, periodic in x and y)"
                ),
            ));
        }
    };

    // Lattice: orthorhombic, positive.
    let lattice = get("Lattice").ok_or_else(|| ctx.err(2, "missing Lattice=\"...\" key"))?;
    let lat: Vec<&str> = lattice.split_whitespace().collect();
    if lat.len() != 9 {
        return Err(ctx.err(
            2,
            format!("Lattice must have 9 numbers, found {}", lat.len()),
        ));
    }
    let mut h = [0.0f64; 9];
    for (k, t) in lat.iter().enumerate() {
        h[k] = parse_finite(t, "Lattice entry", 2, &ctx)?;
    }
    for (k, v) in h.iter().enumerate() {
        if k % 4 != 0 && *v != 0.0 {
            return Err(ctx.err(
                2,
                format!(
                    "non-orthorhombic Lattice (entry {} is {v}): only orthorhombic boxes are supported",
                    k + 1
                ),
            ));
        }
    }
    let lengths = [h[0], h[4], h[8]];
    for (k, l) in lengths.iter().enumerate().take(dim) {
        if *l <= 0.0 {
            return Err(ctx.err(
                2,
                format!("box length L{} = {l} must be positive", ["x", "y", "z"][k]),
            ));
        }
    }

    // Properties.
    let props = get("Properties").ok_or_else(|| ctx.err(2, "missing Properties= key"))?;
    let (cols, ncols) = parse_properties(&props, &ctx)?;
    let find = |name: &str| cols.iter().find(|c| c.name == name);
    let pos = find("pos").ok_or_else(|| ctx.err(2, "Properties has no pos column"))?;
    if pos.kind != 'R' || !(pos.count == 3 || (dim == 2 && pos.count == 2)) {
        return Err(ctx.err(
            2,
            format!(
                "pos column must be pos:R:3, found pos:{}:{}",
                pos.kind, pos.count
            ),
        ));
    }
    let size = find("size").ok_or_else(|| ctx.err(2, "Properties has no size column"))?;
    if size.kind != 'R' || size.count != 1 {
        return Err(ctx.err(
            2,
            format!(
                "size column must be size:R:1, found size:{}:{}",
                size.kind, size.count
            ),
        ));
    }
    let species_col = find("species").filter(|c| c.count == 1);

    // Model and its keys.
    let model_name = get("model").ok_or_else(|| {
        ctx.err(
            2,
            "missing model= key (one of ipl, harmonic, softsphere) with its parameters",
        )
    })?;
    let keys = Model::keys(&model_name).ok_or_else(|| {
        ctx.err(
            2,
            format!("unknown model {model_name:?} (known: ipl, harmonic, softsphere)"),
        )
    })?;
    for (k, _) in &kv {
        let is_model_key = ALL_MODEL_KEYS.contains(&k.as_str())
            || MODEL_KEY_PREFIXES.iter().any(|p| k.starts_with(p));
        if is_model_key && !keys.contains(&k.as_str()) {
            return Err(ctx.err(
                2,
                format!(
                    "unknown key {k} for model={model_name} (its keys: {})",
                    keys.join(", ")
                ),
            ));
        }
    }
    let model = Model::from_params(&model_name, &|k| get(k)).map_err(|e| match e {
        Error::Invalid(m) => ctx.err(2, m),
        other => other,
    })?;
    let info: BTreeMap<String, String> = kv
        .iter()
        .filter(|(k, _)| !STRUCTURAL_KEYS.contains(&k.as_str()) && !keys.contains(&k.as_str()))
        .cloned()
        .collect();

    // Atom lines.
    let mut positions3 = Vec::with_capacity(n);
    let mut sizes = Vec::with_capacity(n);
    let mut species = Vec::with_capacity(n);
    for a in 0..n {
        let lineno = a + 3;
        let line = lines.next().ok_or_else(|| {
            ctx.err(
                lineno,
                format!("file is truncated: it ends after {a} of {n} atom lines"),
            )
        })?;
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() != ncols {
            return Err(ctx.err(
                lineno,
                format!(
                    "expected {ncols} columns (Properties), found {}",
                    toks.len()
                ),
            ));
        }
        let mut p = [0.0f64; 3];
        for k in 0..pos.count {
            p[k] = parse_finite(toks[pos.offset + k], "position", lineno, &ctx)?;
        }
        if dim == 2 && p[2] != 0.0 {
            return Err(ctx.err(
                lineno,
                format!("2D configuration (pbc=\"T T F\") has non-zero z = {}", p[2]),
            ));
        }
        let s = parse_finite(toks[size.offset], "size", lineno, &ctx)?;
        if s <= 0.0 {
            return Err(ctx.err(lineno, format!("size must be positive, found {s}")));
        }
        positions3.push(p);
        sizes.push(s);
        species.push(
            species_col
                .map(|c| toks[c.offset].to_string())
                .unwrap_or_else(|| "A".to_string()),
        );
    }
    let used = n + 2;
    for (k, rest) in lines.enumerate() {
        if !rest.trim().is_empty() {
            return Err(ctx.err(
                used + k + 1,
                format!(
                    "unexpected content after the {n} atom lines (the atom count may be wrong; multi-frame files are not supported)"
                ),
            ));
        }
    }

    fn build<const D: usize>(
        lengths: [f64; 3],
        p3: Vec<[f64; 3]>,
        sizes: Vec<f64>,
        species: Vec<String>,
        model: Model,
        info: BTreeMap<String, String>,
    ) -> Configuration<D> {
        Configuration {
            simbox: SimBox {
                lengths: std::array::from_fn(|k| lengths[k]),
            },
            positions: p3
                .into_iter()
                .map(|p| std::array::from_fn(|k| p[k]))
                .collect(),
            sizes,
            species,
            model,
            info,
        }
    }
    Ok(if dim == 2 {
        AnyConfiguration::Two(build::<2>(lengths, positions3, sizes, species, model, info))
    } else {
        AnyConfiguration::Three(build::<3>(lengths, positions3, sizes, species, model, info))
    })
}

fn quote_if_needed(v: &str) -> String {
    let v = v.replace('"', "'");
    if v.is_empty() || v.contains(char::is_whitespace) || v.contains('=') {
        format!("\"{v}\"")
    } else {
        v
    }
}

/// The extended-XYZ text of a configuration.
pub fn to_xyz_string<const D: usize>(cfg: &Configuration<D>) -> String {
    use std::fmt::Write;
    let l = &cfg.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 1.0 };
    let mut s = String::with_capacity(64 * cfg.len() + 512);
    let _ = writeln!(s, "{}", cfg.len());
    let _ = write!(
        s,
        "Lattice=\"{} 0 0 0 {} 0 0 0 {}\" Properties=species:S:1:pos:R:3:size:R:1 pbc=\"{}\" model={}",
        fmt_f64(l[0]),
        fmt_f64(l[1]),
        fmt_f64(lz),
        if D == 3 { "T T T" } else { "T T F" },
        cfg.model.name()
    );
    for (k, v) in cfg.model.params() {
        let _ = write!(s, " {k}={v}");
    }
    let model_keys = Model::keys(cfg.model.name()).unwrap_or(&[]);
    for (k, v) in &cfg.info {
        if STRUCTURAL_KEYS.contains(&k.as_str())
            || model_keys.contains(&k.as_str())
            || k.is_empty()
            || k.contains(|c: char| c.is_whitespace() || c == '=' || c == '"')
        {
            continue;
        }
        let _ = write!(s, " {k}={}", quote_if_needed(v));
    }
    s.push('\n');
    for (i, p) in cfg.positions.iter().enumerate() {
        let sp = cfg.species.get(i).map(String::as_str).unwrap_or("A");
        let sp = if sp.is_empty() || sp.contains(char::is_whitespace) {
            "A"
        } else {
            sp
        };
        let z = if D == 3 {
            fmt_f64(p[2])
        } else {
            "0".to_string()
        };
        let _ = writeln!(
            s,
            "{sp} {} {} {z} {}",
            fmt_f64(p[0]),
            fmt_f64(p[1]),
            fmt_f64(cfg.sizes[i])
        );
    }
    s
}

/// Writes a configuration atomically (temporary file + rename).
pub fn write_xyz<const D: usize>(cfg: &Configuration<D>, path: &Path) -> Result<()> {
    super::write_atomic(path, to_xyz_string(cfg).as_bytes())
}

/// Writes a configuration of either dimension.
pub fn write_any(cfg: &AnyConfiguration, path: &Path) -> Result<()> {
    crate::with_dim!(cfg, c => write_xyz(c, path))
}
