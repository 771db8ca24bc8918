//! The seeded generator of mutated configuration files shared by the fuzz tests of the library
//! (`bondspace/tests/fuzz.rs`, in process) and of the command line
//! (`bondspace-cli/tests/fuzz.rs`, through the binary): valid extended-XYZ, LAMMPS data, LAMMPS
//! dump and GSD files of small glasses and packings, then 1–3 mutations each (tokens replaced by
//! hostile values, lines deleted, duplicated, swapped or copied over others, truncation, junk,
//! atom counts, coordinates moved by powers of ten, bytes and binary fields overwritten).

#![allow(dead_code)]

use bondspace::Configuration;

/// SplitMix64: a tiny seeded generator (the test needs no statistical quality).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 for n = 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// The format of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Extended XYZ (names its model).
    Xyz,
    /// LAMMPS data, atom style sphere (needs a model).
    LammpsData,
    /// LAMMPS text dump with radii (needs a model).
    LammpsDump,
    /// HOOMD GSD (needs a model).
    Gsd,
}

impl Kind {
    /// The file extension the reader detects the format by.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Xyz => "xyz",
            Kind::LammpsData => "data",
            Kind::LammpsDump => "dump",
            Kind::Gsd => "gsd",
        }
    }
}

/// One mutated file.
pub struct Case {
    /// A file name (index and format).
    pub name: String,
    /// Its format (as generated; a mutation may make it anything).
    pub kind: Kind,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A LAMMPS data file (atom style sphere: id type diameter density x y z) of `c`.
pub fn lammps_data<const D: usize>(c: &Configuration<D>) -> String {
    let l = &c.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 1.0 };
    let mut s = format!(
        "LAMMPS data file (bondspace fuzz)\n\n{} atoms\n2 atom types\n\n0 {} xlo xhi\n0 {} ylo yhi\n0 {lz} zlo zhi\n\nAtoms # sphere\n\n",
        c.len(),
        l[0],
        l[1]
    );
    for (i, p) in c.positions.iter().enumerate() {
        let z = if D == 3 { p[D - 1] } else { 0.0 };
        let ty = if c.sizes[i] > c.sizes[0] { 2 } else { 1 };
        s.push_str(&format!(
            "{} {ty} {} 1 {} {} {z}\n",
            i + 1,
            2.0 * c.sizes[i],
            p[0],
            p[1]
        ));
    }
    s
}

/// A LAMMPS text dump (`id type x y z radius`) of `c`.
pub fn lammps_dump<const D: usize>(c: &Configuration<D>) -> String {
    let l = &c.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 1.0 };
    let mut s = format!(
        "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n{}\nITEM: BOX BOUNDS pp pp pp\n0 {}\n0 {}\n0 {lz}\nITEM: ATOMS id type x y z radius\n",
        c.len(),
        l[0],
        l[1]
    );
    for (i, p) in c.positions.iter().enumerate() {
        let z = if D == 3 { p[D - 1] } else { 0.0 };
        s.push_str(&format!(
            "{} 1 {} {} {z} {}\n",
            i + 1,
            p[0],
            p[1],
            c.sizes[i]
        ));
    }
    s
}

/// A GSD file (file layer 2.0, HOOMD schema: box, dimensions, N, positions, diameters) of `c`.
pub fn gsd<const D: usize>(c: &Configuration<D>) -> Vec<u8> {
    let n = c.len();
    let l = &c.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 0.0 };
    let mut chunks: Vec<(&str, u8, u64, u32, Vec<u8>)> = Vec::new();
    let f32s = |v: &[f64]| {
        v.iter()
            .flat_map(|x| (*x as f32).to_le_bytes())
            .collect::<Vec<u8>>()
    };
    chunks.push((
        "configuration/box",
        9,
        6,
        1,
        f32s(&[l[0], l[1], lz, 0.0, 0.0, 0.0]),
    ));
    chunks.push(("configuration/dimensions", 1, 1, 1, vec![D as u8]));
    chunks.push(("particles/N", 3, 1, 1, (n as u32).to_le_bytes().to_vec()));
    let pos: Vec<f64> = c
        .positions
        .iter()
        .flat_map(|p| {
            let z = if D == 3 {
                p[D - 1] - 0.5 * l[D - 1]
            } else {
                0.0
            };
            [p[0] - 0.5 * l[0], p[1] - 0.5 * l[1], z]
        })
        .collect();
    chunks.push(("particles/position", 9, n as u64, 3, f32s(&pos)));
    let diam: Vec<f64> = c.sizes.iter().map(|s| 2.0 * s).collect();
    chunks.push(("particles/diameter", 9, n as u64, 1, f32s(&diam)));
    let mut out = vec![0u8; 256];
    let mut index = Vec::new();
    for (id, (_, kind, rows, cols, data)) in chunks.iter().enumerate() {
        let location = out.len() as u64;
        out.extend_from_slice(data);
        let mut e = vec![0u8; 32];
        e[8..16].copy_from_slice(&rows.to_le_bytes());
        e[16..24].copy_from_slice(&location.to_le_bytes());
        e[24..28].copy_from_slice(&cols.to_le_bytes());
        e[28..30].copy_from_slice(&(id as u16).to_le_bytes());
        e[30] = *kind;
        index.extend_from_slice(&e);
    }
    let index_location = out.len() as u64;
    out.extend_from_slice(&index);
    let namelist_location = out.len() as u64;
    let mut names = Vec::new();
    for (name, ..) in &chunks {
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    let entries = names.len().div_ceil(64) as u64 + 1;
    names.resize(64 * entries as usize, 0);
    out.extend_from_slice(&names);
    out[0..8].copy_from_slice(&0x65DF_65DF_65DF_65DFu64.to_le_bytes());
    out[8..16].copy_from_slice(&index_location.to_le_bytes());
    out[16..24].copy_from_slice(&(chunks.len() as u64).to_le_bytes());
    out[24..32].copy_from_slice(&namelist_location.to_le_bytes());
    out[32..40].copy_from_slice(&entries.to_le_bytes());
    out[40..44].copy_from_slice(&((1u32 << 16) | 4).to_le_bytes());
    out[44..48].copy_from_slice(&(2u32 << 16).to_le_bytes());
    out
}

/// Values a hostile user types in place of a number or a word.
const WEIRD: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "2",
    "1e300",
    "-1e300",
    "1e-300",
    "1e308",
    "-1e308",
    "2.5e-320",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "4000000000",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "99999999999999999999999",
    "0x10",
    "1e",
    "e5",
    "+",
    "-",
    ".",
    "..",
    "1,2",
    "=",
    "\"",
    "''",
    "T",
    "F",
    "X",
    "ipl",
    "harmonic",
    "softsphere",
    "pos:R:3",
    "size:R:1",
    "species:S:1:pos:R:2",
    "T T F",
    "T T T",
    "F F F",
    "model=ipl",
    "Lattice=\"1 0 0 0 1 0 0 0 1\"",
    "#",
    "ITEM:",
    "atoms",
    "Atoms",
    "é",
    "\t",
];

/// A hostile token: mostly from [`WEIRD`], sometimes a long run of digits, sometimes a
/// number scaled by a power of ten.
fn weird(rng: &mut Rng, original: &str) -> String {
    match rng.below(10) {
        0 => "7".repeat(1 + rng.below(20_000)),
        1 => format!("1{}", "0".repeat(rng.below(400))),
        2 | 3 => match original.parse::<f64>() {
            Ok(x) => format!("{}", x * 10f64.powi(rng.below(620) as i32 - 310)),
            Err(_) => WEIRD[rng.below(WEIRD.len())].to_string(),
        },
        4 => match original.parse::<f64>() {
            Ok(x) => format!("{}", -x),
            Err(_) => String::new(),
        },
        _ => WEIRD[rng.below(WEIRD.len())].to_string(),
    }
}

/// The text with one of its whitespace-separated tokens (on `line`) replaced.
fn replace_token(lines: &mut [String], line: usize, rng: &mut Rng) {
    let Some(l) = lines.get_mut(line) else {
        return;
    };
    let toks: Vec<&str> = l.split(' ').collect();
    if toks.is_empty() {
        return;
    }
    let k = rng.below(toks.len());
    let mut out: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
    // inside a comment line, sometimes replace just the value of a key
    out[k] = match out[k].split_once('=') {
        Some((key, v)) if rng.chance(0.5) => format!("{key}={}", weird(rng, v.trim_matches('"'))),
        _ => weird(rng, &out[k]),
    };
    *l = out.join(" ");
}

/// One text mutation.
fn mutate_text_once(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    // header lines (count, comment, LAMMPS header) are hit more often
    let line = if rng.chance(0.5) {
        rng.below(n.min(12))
    } else {
        rng.below(n)
    };
    match rng.below(13) {
        0..=3 => replace_token(&mut lines, line, rng),
        4 => {
            if !lines.is_empty() {
                lines.remove(line.min(lines.len() - 1));
            }
        }
        5 => {
            if let Some(l) = lines.get(line).cloned() {
                lines.insert(line, l);
            }
        }
        6 => {
            let other = rng.below(n);
            if line < lines.len() && other < lines.len() {
                lines.swap(line, other);
            }
        }
        7 => {
            // an atom line copied over another: coincident particles
            let other = rng.below(n);
            if line < lines.len() && other < lines.len() {
                lines[other] = lines[line].clone();
            }
        }
        8 => {
            // the first line (the atom count of extended XYZ)
            if !lines.is_empty() {
                lines[0] = match rng.below(3) {
                    0 => weird(rng, &lines[0].clone()),
                    1 => format!(
                        "{}",
                        lines[0].trim().parse::<i64>().unwrap_or(0) + rng.below(5) as i64 - 2
                    ),
                    _ => "4000000000".into(),
                };
            }
        }
        9 => {
            let mut s = lines.join("\n");
            let cut = rng.below(s.len() + 1);
            let cut = (0..=cut)
                .rev()
                .find(|&c| s.is_char_boundary(c))
                .unwrap_or(0);
            s.truncate(cut);
            return s;
        }
        10 => {
            let mut s = lines.join("\n") + "\n";
            let at = rng.below(s.len() + 1);
            let at = (0..=at).rev().find(|&c| s.is_char_boundary(c)).unwrap_or(0);
            let junk = match rng.below(4) {
                0 => "\n".to_string(),
                1 => " = \" ".to_string(),
                2 => char::from(rng.below(32) as u8).to_string(),
                _ => weird(rng, ""),
            };
            s.insert_str(at, &junk);
            return s;
        }
        11 => {
            // every coordinate of one atom line scaled by a power of ten
            let scale = 10f64.powi(rng.below(40) as i32 * 8 - 150);
            if let Some(l) = lines.get_mut(line) {
                *l = l
                    .split(' ')
                    .map(|t| {
                        t.parse::<f64>()
                            .map_or(t.to_string(), |x| format!("{}", x * scale))
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
            }
        }
        _ => {
            if rng.chance(0.2) {
                return String::new();
            }
            lines.truncate(rng.below(n) + 1);
        }
    }
    lines.join("\n") + "\n"
}

/// 1–3 text mutations of `text`.
pub fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(3) {
        s = mutate_text_once(&s, rng);
    }
    s
}

/// 1–3 binary mutations of a GSD file: bytes flipped, 8-byte fields (counts, locations)
/// and floats overwritten, truncation.
pub fn mutate_binary(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + rng.below(3) {
        if b.is_empty() {
            break;
        }
        let len = b.len();
        match rng.below(6) {
            0 => {
                let at = rng.below(len);
                b[at] ^= 1 << rng.below(8);
            }
            1 | 2 => {
                // an 8-byte field of the header or the index
                let at = if rng.chance(0.5) {
                    8 * rng.below(6)
                } else {
                    8 * rng.below(len / 8)
                };
                let v: u64 = match rng.below(7) {
                    0 => 0,
                    1 => u64::MAX,
                    2 => len as u64,
                    3 => 2 * len as u64,
                    4 => 1 << 62,
                    5 => 4_000_000_000,
                    _ => rng.next(),
                };
                if at + 8 <= len {
                    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
                }
            }
            3 => {
                let at = 4 * rng.below(len / 4);
                let v: f32 = [f32::NAN, f32::INFINITY, -1.0, 0.0, 1e38, 1e-38][rng.below(6)];
                if at + 4 <= len {
                    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
            4 => b.truncate(rng.below(len)),
            _ => {
                let at = rng.below(len);
                b[at] = rng.next() as u8;
            }
        }
    }
    b
}

/// `count` mutated cases of the `bases` (format and bytes), deterministic in `seed`: 80 %
/// of extended XYZ, the rest of the other formats.
pub fn cases(bases: &[(Kind, Vec<u8>)], count: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let xyz: Vec<usize> = (0..bases.len())
        .filter(|&b| bases[b].0 == Kind::Xyz)
        .collect();
    let other: Vec<usize> = (0..bases.len())
        .filter(|&b| bases[b].0 != Kind::Xyz)
        .collect();
    (0..count)
        .map(|i| {
            let pool = if other.is_empty() || rng.chance(0.8) {
                &xyz
            } else {
                &other
            };
            let (kind, base) = &bases[pool[rng.below(pool.len())]];
            let bytes = match kind {
                Kind::Gsd => mutate_binary(base, &mut rng),
                _ => mutate_text(&String::from_utf8_lossy(base), &mut rng).into_bytes(),
            };
            Case {
                name: format!("case-{i:05}.{}", kind.extension()),
                kind: *kind,
                bytes,
            }
        })
        .collect()
}

/// The valid files the cases mutate: extended XYZ of every `xyz` configuration (and a
/// two-frame file of the first), LAMMPS data and dump and GSD of the first 2D and 3D ones.
pub fn bases(two: &[Configuration<2>], three: &[Configuration<3>]) -> Vec<(Kind, Vec<u8>)> {
    use bondspace::io::xyz::to_xyz_string;
    let mut out = Vec::new();
    for c in two {
        out.push((Kind::Xyz, to_xyz_string(c).into_bytes()));
    }
    for c in three {
        out.push((Kind::Xyz, to_xyz_string(c).into_bytes()));
    }
    let first = to_xyz_string(&two[0]);
    out.push((Kind::Xyz, format!("{first}{first}").into_bytes()));
    out.push((Kind::LammpsData, lammps_data(&two[0]).into_bytes()));
    out.push((Kind::LammpsData, lammps_data(&three[0]).into_bytes()));
    out.push((Kind::LammpsDump, lammps_dump(&two[0]).into_bytes()));
    out.push((Kind::LammpsDump, lammps_dump(&three[0]).into_bytes()));
    out.push((Kind::Gsd, gsd(&two[0])));
    out.push((Kind::Gsd, gsd(&three[0])));
    out
}
