//! Extended XYZ, the configuration file format of bondspace, which ASE and OVITO read: this
//! module owns its reader and writer.
//!
//! ```text
//! 2000
//! Lattice="Lx 0 0 0 Ly 0 0 0 Lz" Properties=species:S:1:pos:R:3:radius:R:1:size:R:1 pbc="T T T" model=ipl ipl_n=10 ...
//! X 0.1 2.3 4.5 0.51 1.02
//! ```
//! The writer: species `X` (ASE's and OVITO's placeholder element; a particle's own label,
//! when it is not `X`, goes to the integer column `label` indexing the comment-line key
//! `labels="A B"`), `radius` (what OVITO draws: size / [`Model::size_per_radius`]) and `size`
//! (the model's size, exact); in 2D `pbc="T T F"`, z = 0 and the third lattice vector is
//! `0 0 1`, and the line carries `properties=…:pos:R:2:z:R:1:…` (lowercase) before
//! `Properties` ([`OVITO_PROPERTIES_KEY`]), so that OVITO, which then maps those columns and
//! calls a file 2D when none is Position.Z, imports it as 2D, while ASE reads `Properties`.
//! Floats are written with shortest round-trip digits, so write → read is exact.
//!
//! The reader takes any frame of a multi-frame file, any column order named in `Properties`
//! (plain XYZ without it), extra columns and keys (kept in [`Configuration::info`]), any
//! number precision, an `Origin` key, and the sizes from the `size`, `radius` or `diameter`
//! column (in this order) or a named one; it rejects unknown models and model keys that do not
//! belong to the model. Every reader error names the file, the 1-based line and the problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::input::{
    Format, RawFrame, RawSizes, ReadOptions, SizeConvention, finish, pick_frame, read_configuration,
};
use crate::config::{AnyConfiguration, Configuration};
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{ALL_MODEL_KEYS, MODEL_KEY_PREFIXES, Model, fmt_f64};

/// Keys the reader interprets itself (everything else goes to `info`).
const STRUCTURAL_KEYS: &[&str] = &["Lattice", "Properties", "pbc", "model", "labels"];

/// The key of a 2D file's column mapping for OVITO (see the module docs): the `Properties`
/// columns with the third position column named `z`, written before `Properties`. The key
/// differs from `Properties` only in case: ASE reads `Properties` (case-sensitive), OVITO 3.17
/// the lowercase one when it comes first (measured: a key of another name is ignored), and
/// this reader `Properties` when both are present.
pub const OVITO_PROPERTIES_KEY: &str = "properties";

/// Reads a configuration from an extended-XYZ file (its last frame, its own model).
pub fn read_xyz(path: &Path) -> Result<AnyConfiguration> {
    read_configuration(
        path,
        &ReadOptions {
            format: Some(Format::Xyz),
            ..Default::default()
        },
    )
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
    size_column: Option<String>,
    type_sizes: Vec<f64>,
}

impl Ctx<'_> {
    fn err(&self, line: usize, msg: impl Into<String>) -> Error {
        Error::parse(PathBuf::from(self.file), line, msg)
    }
}

/// Splits an extended-XYZ comment line into `key=value` pairs (values may be "quoted").
fn parse_key_values(line: &str, cl: usize, ctx: &Ctx) -> Result<Vec<(String, String)>> {
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
            return Err(ctx.err(cl, "empty key before '=' in the comment line"));
        }
        if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(ctx.err(
                cl,
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
                    return Err(ctx.err(cl, format!("unterminated quote in the value of {key}")));
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
            return Err(ctx.err(cl, format!("key {key} appears twice in the comment line")));
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

fn parse_properties(value: &str, cl: usize, ctx: &Ctx) -> Result<(Vec<Column>, usize)> {
    let parts: Vec<&str> = value.split(':').collect();
    if !parts.len().is_multiple_of(3) || parts.is_empty() {
        return Err(ctx.err(
            cl,
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
                    cl,
                    format!("Properties column {} has unknown type {other:?}", t[0]),
                ));
            }
        };
        let count: usize = match t[2].parse() {
            Ok(c) if c >= 1 => c,
            _ => {
                return Err(ctx.err(
                    cl,
                    format!("Properties column {} has bad count {:?}", t[0], t[2]),
                ));
            }
        };
        if t[0].is_empty() || cols.iter().any(|c| c.name == t[0]) {
            return Err(ctx.err(
                cl,
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

/// Parses extended-XYZ text (the last frame, the file's model); `file` is only used in error
/// messages.
pub fn parse_xyz(text: &str, file: &Path) -> Result<AnyConfiguration> {
    let opt = ReadOptions::default();
    finish(read_frame(text, file, &opt)?, file, &opt)
}

/// The frames of a (possibly multi-frame) extended-XYZ text: the 0-based index of each
/// frame's count line and its atom count.
fn frames(lines: &[&str], ctx: &Ctx) -> Result<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i..].iter().all(|l| l.trim().is_empty()) {
            break;
        }
        let first = lines[i].trim();
        let n = match first.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ if out.is_empty() => {
                return Err(ctx.err(
                    i + 1,
                    format!("expected a positive atom count, found {first:?}"),
                ));
            }
            _ => {
                return Err(ctx.err(
                    i + 1,
                    format!(
                        "unexpected content after the {} atom lines of frame {}: expected the atom count of a next frame, found {first:?} (the atom count may be wrong)",
                        out.last().map(|f: &(usize, usize)| f.1).unwrap_or(0),
                        out.len() - 1
                    ),
                ));
            }
        };
        out.push((i, n));
        // (a count beyond the end is a truncated frame, reported if it is the one read)
        i = i.saturating_add(n).saturating_add(2);
    }
    if out.is_empty() {
        return Err(ctx.err(1, "empty file: expected the atom count"));
    }
    Ok(out)
}

/// Reads frame `opt.frame` of extended-XYZ text (the columns of `opt.size_column` or `size`,
/// `radius`, `diameter`, in this order of preference).
pub(crate) fn read_frame(text: &str, file: &Path, opt: &ReadOptions) -> Result<RawFrame> {
    let ctx = Ctx {
        file,
        size_column: opt.size_column.clone(),
        type_sizes: opt.type_sizes.clone(),
    };
    let all: Vec<&str> = text.lines().collect();
    let frames = frames(&all, &ctx)?;
    let k = pick_frame(frames.len(), opt.frame, file, 1)?;
    let (start, n) = frames[k];
    parse_frame(&all[start..], start, n, &ctx)
}

/// Parses one frame whose count line is `lines[0]`, line `offset + 1` of the file.
fn parse_frame(lines: &[&str], offset: usize, n: usize, ctx: &Ctx) -> Result<RawFrame> {
    let cl = offset + 2; // the comment line's number
    let comment = lines
        .get(1)
        .ok_or_else(|| ctx.err(cl, "file ends before the comment line"))?;
    let kv = parse_key_values(comment, cl, ctx)?;
    let get = |k: &str| {
        kv.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };

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
                cl,
                format!(
                    "pbc={pbc:?} is not supported: use \"T T T\" (3D) or \"T T F\" (2D, periodic in x and y)"
                ),
            ));
        }
    };

    // Lattice: orthorhombic, positive.
    let lattice = get("Lattice").ok_or_else(|| ctx.err(cl, "missing Lattice=\"...\" key"))?;
    let lat: Vec<&str> = lattice.split_whitespace().collect();
    if lat.len() != 9 {
        return Err(ctx.err(
            cl,
            format!("Lattice must have 9 numbers, found {}", lat.len()),
        ));
    }
    let mut h = [0.0f64; 9];
    for (k, t) in lat.iter().enumerate() {
        h[k] = parse_finite(t, "Lattice entry", cl, ctx)?;
    }
    for (k, v) in h.iter().enumerate() {
        if k % 4 != 0 && *v != 0.0 {
            return Err(ctx.err(
                cl,
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
                cl,
                format!("box length L{} = {l} must be positive", ["x", "y", "z"][k]),
            ));
        }
    }
    let origin: [f64; 3] = match get("Origin").or_else(|| get("cell_origin")) {
        None => [0.0; 3],
        Some(o) => {
            let t: Vec<&str> = o.split_whitespace().collect();
            if t.len() != 3 {
                return Err(ctx.err(cl, format!("Origin must have 3 numbers, found {}", t.len())));
            }
            let mut v = [0.0; 3];
            for k in 0..3 {
                v[k] = parse_finite(t[k], "Origin entry", cl, ctx)?;
            }
            v
        }
    };

    // Properties (the plain-XYZ default when absent).
    // `Properties` itself before a key that differs only in case (a 2D file's
    // [`OVITO_PROPERTIES_KEY`]).
    let props = kv
        .iter()
        .find(|(key, _)| key == "Properties")
        .map(|(_, v)| v.clone())
        .or_else(|| get("Properties"))
        .unwrap_or_else(|| "species:S:1:pos:R:3".to_string());
    let (cols, ncols) = parse_properties(&props, cl, ctx)?;
    let find = |name: &str| cols.iter().find(|c| c.name.eq_ignore_ascii_case(name));
    let pos = find("pos")
        .or_else(|| find("positions"))
        .ok_or_else(|| ctx.err(cl, "Properties has no pos column"))?;
    if pos.kind != 'R' || !(pos.count == 3 || (dim == 2 && pos.count == 2)) {
        return Err(ctx.err(
            cl,
            format!(
                "pos column must be pos:R:3, found pos:{}:{}",
                pos.kind, pos.count
            ),
        ));
    }
    let size_col = match &ctx.size_column {
        Some(name) => Some(find(name).ok_or_else(|| {
            ctx.err(
                cl,
                format!(
                    "no column {name:?} in Properties (columns: {})",
                    column_names(&cols)
                ),
            )
        })?),
        None => ["size", "radius", "diameter"].iter().find_map(|c| find(c)),
    };
    if let Some(size) = size_col
        && (size.kind != 'R' && size.kind != 'I' || size.count != 1)
    {
        return Err(ctx.err(
            cl,
            format!(
                "size column must be {}:R:1, found {}:{}:{}",
                size.name, size.name, size.kind, size.count
            ),
        ));
    }
    if size_col.is_none() && ctx.type_sizes.is_empty() {
        return Err(Error::NoSizes {
            file: PathBuf::from(ctx.file),
            line: cl,
            detail: format!(
                "no size column (nor radius or diameter) in Properties (columns: {})",
                column_names(&cols)
            ),
        });
    }
    let species_col = find("species")
        .or_else(|| find("element"))
        .filter(|c| c.count == 1);
    let label_col = find("label").filter(|c| c.kind == 'I' && c.count == 1);
    let labels: Option<Vec<String>> = get("labels").map(|v| {
        v.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    });

    // Model and its keys.
    let model = match get("model") {
        None => None,
        Some(model_name) => {
            let keys = Model::keys(&model_name).ok_or_else(|| {
                ctx.err(
                    cl,
                    format!("unknown model {model_name:?} (known: ipl, harmonic, softsphere)"),
                )
            })?;
            for (k, _) in &kv {
                let is_model_key = ALL_MODEL_KEYS.contains(&k.as_str())
                    || MODEL_KEY_PREFIXES.iter().any(|p| k.starts_with(p));
                if is_model_key && !keys.contains(&k.as_str()) {
                    return Err(ctx.err(
                        cl,
                        format!(
                            "unknown key {k} for model={model_name} (its keys: {})",
                            keys.join(", ")
                        ),
                    ));
                }
            }
            Some(
                Model::from_params(&model_name, &|k| get(k)).map_err(|e| match e {
                    Error::Invalid(m) => ctx.err(cl, m),
                    other => other,
                })?,
            )
        }
    };
    let model_keys: &[&str] = model
        .as_ref()
        .and_then(|m| Model::keys(m.name()))
        .unwrap_or(&[]);
    let info: BTreeMap<String, String> = kv
        .iter()
        .filter(|(k, _)| {
            !STRUCTURAL_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k))
                && !model_keys.contains(&k.as_str())
        })
        .cloned()
        .collect();

    // Atom lines: a count beyond the file's end is refused before anything is reserved.
    let present = lines.len().saturating_sub(2);
    if n > present {
        return Err(ctx.err(
            offset + present + 3,
            format!("file is truncated: it ends after {present} of {n} atom lines"),
        ));
    }
    super::input::check_atom_memory(n, ctx.file)?;
    let cap = n.min(lines.len());
    let mut positions = Vec::with_capacity(cap);
    let mut sizes = Vec::with_capacity(cap);
    let mut species = Vec::with_capacity(cap);
    for a in 0..n {
        let lineno = offset + a + 3;
        let line = lines.get(a + 2).ok_or_else(|| {
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
            p[k] = parse_finite(toks[pos.offset + k], "position", lineno, ctx)?;
        }
        if dim == 2 && p[2] != origin[2] {
            return Err(ctx.err(
                lineno,
                format!("2D configuration (pbc=\"T T F\") has non-zero z = {}", p[2]),
            ));
        }
        for k in 0..3 {
            p[k] -= origin[k];
        }
        if let Some(size) = size_col {
            let s = parse_finite(toks[size.offset], &size.name, lineno, ctx)?;
            if s <= 0.0 {
                return Err(ctx.err(lineno, format!("{} must be positive, found {s}", size.name)));
            }
            sizes.push(s);
        }
        positions.push(p);
        let label = match (label_col, &labels) {
            (Some(c), Some(names)) => {
                let t = toks[c.offset];
                let i: usize = t
                    .parse()
                    .ok()
                    .filter(|&i| i >= 1 && i <= names.len())
                    .ok_or_else(|| {
                        ctx.err(
                            lineno,
                            format!("label {t:?} is not one of 1 to {} (labels=)", names.len()),
                        )
                    })?;
                names[i - 1].clone()
            }
            _ => species_col
                .map(|c| toks[c.offset].to_string())
                .unwrap_or_else(|| "A".to_string()),
        };
        species.push(label);
    }
    Ok(RawFrame {
        dim,
        lengths,
        positions,
        sizes: size_col.map(|c| RawSizes {
            values: sizes,
            convention: SizeConvention::of_column(&c.name),
        }),
        types: None,
        species,
        model,
        info,
        line: cl,
        columns: format!(
            "no size column (nor radius or diameter) in Properties (columns: {})",
            column_names(&cols)
        ),
    })
}

fn column_names(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn quote_if_needed(v: &str) -> String {
    let v = v.replace('"', "'");
    if v.is_empty() || v.contains(char::is_whitespace) || v.contains('=') {
        format!("\"{v}\"")
    } else {
        v
    }
}

/// The distinct species labels of a configuration in order of first appearance, when some
/// label is not `X` (then written as the `label` column and the `labels` key).
fn label_names<const D: usize>(cfg: &Configuration<D>) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for i in 0..cfg.len() {
        let sp = clean_label(cfg.species.get(i).map(String::as_str));
        if !names.iter().any(|n| n == sp) {
            names.push(sp.to_string());
        }
    }
    (names.iter().any(|n| n != "X")).then_some(names)
}

fn clean_label(sp: Option<&str>) -> &str {
    match sp {
        Some(s)
            if !s.is_empty()
                && !s.contains(|c: char| c.is_whitespace() || c == ',' || c == '"') =>
        {
            s
        }
        _ => "A",
    }
}

/// The comment line of a configuration's frame (without the newline) and its labels; `extra`
/// columns (name, count) follow the standard ones and `extra_info` keys the configuration's.
pub(crate) fn comment_line<const D: usize>(
    cfg: &Configuration<D>,
    extra_columns: &[(&str, char, usize)],
    extra_info: &[(String, String)],
) -> (String, Option<Vec<String>>) {
    use std::fmt::Write;
    let l = &cfg.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 1.0 };
    let labels = label_names(cfg);
    let mut props = String::from("species:S:1:pos:R:3:radius:R:1:size:R:1");
    if labels.is_some() {
        props.push_str(":label:I:1");
    }
    for (name, kind, count) in extra_columns {
        let _ = write!(props, ":{name}:{kind}:{count}");
    }
    let mut s = String::new();
    let _ = write!(
        s,
        "Lattice=\"{} 0 0 0 {} 0 0 0 {}\" ",
        fmt_f64(l[0]),
        fmt_f64(l[1]),
        fmt_f64(lz)
    );
    if D == 2 {
        // OVITO calls a file 2D when no column is Position.Z: this lowercase key, before
        // `Properties`, names the third position column `z` for OVITO, while ASE (which
        // needs three `pos` columns) and this reader use `Properties`.
        let _ = write!(
            s,
            "{OVITO_PROPERTIES_KEY}={} ",
            props.replacen("pos:R:3", "pos:R:2:z:R:1", 1)
        );
    }
    let _ = write!(
        s,
        "Properties={props} pbc=\"{}\" model={}",
        if D == 3 { "T T T" } else { "T T F" },
        cfg.model.name()
    );
    for (k, v) in cfg.model.params() {
        let _ = write!(s, " {k}={v}");
    }
    if let Some(names) = &labels {
        let _ = write!(s, " labels=\"{}\"", names.join(" "));
    }
    let model_keys = Model::keys(cfg.model.name()).unwrap_or(&[]);
    let own = cfg.info.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let extra = extra_info.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    for (k, v) in own.chain(extra) {
        if STRUCTURAL_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k))
            || model_keys.contains(&k)
            || k.is_empty()
            || k.contains(|c: char| c.is_whitespace() || c == '=' || c == '"')
        {
            continue;
        }
        let _ = write!(s, " {k}={}", quote_if_needed(v));
    }
    (s, labels)
}

/// Appends the standard columns of particle `i` (species, position, radius, size, label) to
/// `s`, without a newline.
pub(crate) fn atom_columns<const D: usize>(
    s: &mut String,
    cfg: &Configuration<D>,
    i: usize,
    labels: Option<&[String]>,
) {
    use std::fmt::Write;
    let p = &cfg.positions[i];
    let z = if D == 3 {
        fmt_f64(p[2])
    } else {
        "0".to_string()
    };
    let size = cfg.sizes[i];
    let _ = write!(
        s,
        "X {} {} {z} {} {}",
        fmt_f64(p[0]),
        fmt_f64(p[1]),
        fmt_f64(size / cfg.model.size_per_radius()),
        fmt_f64(size)
    );
    if let Some(names) = labels {
        let sp = clean_label(cfg.species.get(i).map(String::as_str));
        let k = names.iter().position(|n| n == sp).unwrap_or(0) + 1;
        let _ = write!(s, " {k}");
    }
}

/// The extended-XYZ text of a configuration.
pub fn to_xyz_string<const D: usize>(cfg: &Configuration<D>) -> String {
    let mut s = String::with_capacity(80 * cfg.len() + 512);
    s.push_str(&format!("{}\n", cfg.len()));
    let (comment, labels) = comment_line(cfg, &[], &[]);
    s.push_str(&comment);
    s.push('\n');
    for i in 0..cfg.len() {
        atom_columns(&mut s, cfg, i, labels.as_deref());
        s.push('\n');
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
