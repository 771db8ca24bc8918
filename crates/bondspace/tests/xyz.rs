//! Extended-XYZ reader and writer: exact round trips, and a clear one-line error naming file
//! and line for every kind of malformed input (never a panic).

#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;
use std::path::Path;

use bondspace::io::xyz::{parse_xyz, to_xyz_string};
use bondspace::models::{Harmonic, Ipl, SoftSphere};
use bondspace::{AnyConfiguration, Configuration, Error, Model, SimBox};
use proptest::prelude::*;

const GOOD: &str = "3
Lattice=\"10 0 0 0 11 0 0 0 12\" Properties=species:S:1:pos:R:3:size:R:1 pbc=\"T T T\" model=ipl ipl_n=10 ipl_q=3 ipl_xc=1.4 nonadditivity=0.1 eps=1 seed=4
A 1 2 3 1.1
A 4 5 6 1.2
B 7 8 9 2.0
";

fn parse(text: &str) -> Result<AnyConfiguration, Error> {
    parse_xyz(text, Path::new("sample.xyz"))
}

/// Parses `text`, expecting an error on `line` whose message contains `needle`.
fn expect_error(text: &str, line: usize, needle: &str) {
    let err = parse(text).expect_err(&format!("accepted bad input (wanted {needle:?})"));
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("sample.xyz:{line}: ")),
        "wrong location in {msg:?} (wanted line {line})"
    );
    assert!(msg.contains(needle), "{msg:?} does not mention {needle:?}");
    assert!(!msg.contains('\n'), "error is not one line: {msg:?}");
    assert!(err.is_input_error());
}

#[test]
fn reads_a_good_file() {
    let AnyConfiguration::Three(c) = parse(GOOD).unwrap() else {
        panic!("expected 3D")
    };
    assert_eq!(c.len(), 3);
    assert_eq!(c.simbox.lengths, [10.0, 11.0, 12.0]);
    assert_eq!(c.positions[2], [7.0, 8.0, 9.0]);
    assert_eq!(c.sizes, vec![1.1, 1.2, 2.0]);
    assert_eq!(c.species[2], "B");
    assert_eq!(c.model, Model::Ipl(Ipl::default()));
    assert_eq!(c.info.get("seed").map(String::as_str), Some("4"));
}

#[test]
fn reads_any_column_order_and_extra_columns() {
    let text = "2
Properties=size:R:1:id:I:1:pos:R:3:species:S:1:force:R:3 Lattice=\"5 0 0 0 5 0 0 0 1\" pbc=\"T T F\" model=harmonic k=2 note=\"hello world\"
0.5 1 1.5 2.5 0 X 0.1 0.2 0.3
0.7 2 3.5 4.5 0 Y 0 0 0
";
    let AnyConfiguration::Two(c) = parse(text).unwrap() else {
        panic!("expected 2D")
    };
    assert_eq!(c.positions, vec![[1.5, 2.5], [3.5, 4.5]]);
    assert_eq!(c.sizes, vec![0.5, 0.7]);
    assert_eq!(c.species, vec!["X", "Y"]);
    assert_eq!(c.model, Model::Harmonic(Harmonic::new(2.0).unwrap()));
    assert_eq!(c.info["note"], "hello world");
}

#[test]
fn reads_the_external_reference_packings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/external/jaxmd");
    let f = dir.join("3d_bi_N128_Lp-1.0/sample0.xyz");
    let c = bondspace::io::xyz::read_xyz(&f).unwrap();
    assert_eq!(c.dim(), 3);
    let f = dir.join("2d_polyuniform_N64_Lp-1.0/sample0.xyz");
    let c = bondspace::io::xyz::read_xyz(&f).unwrap();
    assert_eq!(c.dim(), 2);
}

#[test]
fn rejects_malformed_files() {
    let lines: Vec<&str> = GOOD.lines().collect();
    let with_comment = |c: &str| format!("3\n{c}\n{}\n{}\n{}\n", lines[2], lines[3], lines[4]);
    let comment = lines[1];
    // atom count
    expect_error(&GOOD.replacen('3', "x", 1), 1, "atom count");
    expect_error(&GOOD.replacen('3', "0", 1), 1, "atom count");
    expect_error(&GOOD.replacen('3', "4", 1), 6, "truncated");
    expect_error(&GOOD.replacen('3', "2", 1), 5, "unexpected content");
    expect_error("", 1, "empty file");
    expect_error("3\n", 2, "comment line");
    // truncated inside the atom lines
    expect_error(&GOOD[..GOOD.len() - 5], 5, "columns");
    let two_lines: String = GOOD.lines().take(4).map(|l| format!("{l}\n")).collect();
    expect_error(&two_lines, 5, "truncated");
    // lattice
    expect_error(
        &with_comment(&comment.replace("Lattice=\"10 0 0 0 11 0 0 0 12\" ", "")),
        2,
        "Lattice",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11 0 0 0 12", "10 0 0 0 11 0 0 0")),
        2,
        "9 numbers",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11", "10 0 0 0 abc")),
        2,
        "not a number",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11", "10 0 0 0 inf")),
        2,
        "not finite",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11", "10 0 0 0 -11")),
        2,
        "must be positive",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11", "10 0 0 0 0")),
        2,
        "must be positive",
    );
    expect_error(
        &with_comment(&comment.replace("10 0 0 0 11", "10 0.5 0 0 11")),
        2,
        "non-orthorhombic",
    );
    expect_error(
        &with_comment(&comment.replace(
            "Lattice=\"10 0 0 0 11 0 0 0 12\"",
            "Lattice=10 0 0 0 11 0 0 0 12",
        )),
        2,
        "must be quoted",
    );
    expect_error(
        &with_comment(&comment.replace("T T T\"", "T T T")),
        2,
        "unterminated quote",
    );
    // properties
    expect_error(
        &with_comment(&comment.replace("Properties=species:S:1:pos:R:3:size:R:1 ", "")),
        2,
        "Properties",
    );
    expect_error(
        &with_comment(&comment.replace("pos:R:3:", "")),
        2,
        "no pos column",
    );
    expect_error(
        &with_comment(&comment.replace(":size:R:1", "")),
        2,
        "no size column",
    );
    expect_error(
        &with_comment(&comment.replace("pos:R:3", "pos:R:2")),
        2,
        "pos:R:3",
    );
    expect_error(
        &with_comment(&comment.replace("size:R:1", "size:R")),
        2,
        "triples",
    );
    expect_error(
        &with_comment(&comment.replace("size:R:1", "size:Q:1")),
        2,
        "unknown type",
    );
    // pbc
    expect_error(&with_comment(&comment.replace("T T T", "F F F")), 2, "pbc");
    // models
    expect_error(
        &with_comment(&comment.replace("model=ipl", "model=lj")),
        2,
        "unknown model",
    );
    expect_error(
        &with_comment(&comment.replace(" model=ipl", "")),
        2,
        "missing model",
    );
    expect_error(
        &with_comment(&comment.replace("eps=1", "eps=1 ipl_m=3")),
        2,
        "unknown key ipl_m",
    );
    expect_error(
        &with_comment(&comment.replace("eps=1", "eps=1 k=3")),
        2,
        "unknown key k",
    );
    expect_error(
        &with_comment(&comment.replace("ipl_n=10", "ipl_n=ten")),
        2,
        "ipl_n",
    );
    expect_error(
        &with_comment(&comment.replace("ipl_xc=1.4", "ipl_xc=nan")),
        2,
        "ipl_xc",
    );
    expect_error(&with_comment(&comment.replace("eps=1", "eps=-1")), 2, "eps");
    expect_error(
        &with_comment(&format!("{comment} seed=5")),
        2,
        "appears twice",
    );
    // atom lines
    expect_error(
        &GOOD.replace("A 4 5 6 1.2", "A 4 five 6 1.2"),
        4,
        "not a number",
    );
    expect_error(
        &GOOD.replace("A 4 5 6 1.2", "A 4 NaN 6 1.2"),
        4,
        "not finite",
    );
    expect_error(
        &GOOD.replace("A 4 5 6 1.2", "A 4 5 6 -1.2"),
        4,
        "size must be positive",
    );
    expect_error(
        &GOOD.replace("A 4 5 6 1.2", "A 4 5 6 0"),
        4,
        "size must be positive",
    );
    expect_error(&GOOD.replace("A 4 5 6 1.2", "A 4 5 6 1.2 9"), 4, "columns");
    expect_error(&GOOD.replace("A 4 5 6 1.2", "A 4 5 1.2"), 4, "columns");
    // 2D with z ≠ 0
    let text2 = GOOD.replace("T T T", "T T F");
    expect_error(&text2, 3, "non-zero z");
}

fn model_strategy() -> impl Strategy<Value = Model> {
    prop_oneof![
        (6i32..14, 1u32..5, 1.2f64..2.0, 0.0f64..0.4, 0.1f64..5.0)
            .prop_map(|(n, q, xc, na, e)| Model::Ipl(Ipl::new(n, q, xc, na, e).unwrap())),
        (0.01f64..100.0).prop_map(|k| Model::Harmonic(Harmonic::new(k).unwrap())),
        (2.0f64..3.0, 0.1f64..10.0)
            .prop_map(|(a, e)| Model::SoftSphere(SoftSphere::new(a, e).unwrap())),
    ]
}

/// Coordinates in box lengths (any bits within ±10³ box lengths).
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e3f64..1e3,
        any::<f64>().prop_filter("within 10³ box lengths", |x| x.abs() <= 1e3),
        (-1e-300f64..1e-300),
    ]
}

fn positive() -> impl Strategy<Value = f64> {
    prop_oneof![1e-3f64..1e3, (1e-200f64..1e200)]
}

/// Box lengths whose volume is representable (the reader refuses others).
fn length() -> impl Strategy<Value = f64> {
    prop_oneof![1e-3f64..1e3, (1e-90f64..1e90)]
}

fn config_strategy<const D: usize>() -> impl Strategy<Value = Configuration<D>> {
    (1usize..12, model_strategy()).prop_flat_map(|(n, model)| {
        (
            proptest::array::uniform::<_, D>(length()),
            proptest::collection::vec(proptest::array::uniform::<_, D>(finite()), n),
            proptest::collection::vec(positive(), n),
            proptest::collection::vec("[A-Za-z][A-Za-z0-9]{0,3}", n),
            proptest::collection::btree_map("[a-z][a-z_0-9]{0,6}", "[A-Za-z0-9 .:+-]{0,10}", 0..4),
            Just(model.clone()),
        )
            .prop_map(|(l, pos, sizes, species, info, model)| {
                // positions in box lengths (at most 10³ of them outside the box, which the
                // reader takes as written; it refuses positions beyond 10⁴)
                let pos: Vec<[f64; D]> = pos
                    .into_iter()
                    .map(|p| std::array::from_fn(|k| p[k] * l[k]))
                    .collect();
                let mut c = Configuration::new(SimBox::new(l).unwrap(), pos, sizes, model).unwrap();
                c.species = species;
                let keys = [
                    "ipl_n",
                    "ipl_q",
                    "ipl_xc",
                    "nonadditivity",
                    "eps",
                    "k",
                    "alpha",
                    "model",
                    "pbc",
                ];
                c.info = info
                    .into_iter()
                    .filter(|(k, _)| !keys.contains(&k.as_str()) && !k.starts_with("ipl_"))
                    .collect::<BTreeMap<_, _>>();
                c
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn round_trip_3d(c in config_strategy::<3>()) {
        let back = parse(&to_xyz_string(&c)).unwrap();
        prop_assert_eq!(back, AnyConfiguration::Three(c));
    }

    #[test]
    fn round_trip_2d(c in config_strategy::<2>()) {
        let back = parse(&to_xyz_string(&c)).unwrap();
        prop_assert_eq!(back, AnyConfiguration::Two(c));
    }

    #[test]
    fn corruptions_never_panic(
        c in config_strategy::<3>(),
        cut in 0usize..2000,
        pos in 0usize..2000,
        junk in "[ a-z0-9.=\"\\n:-]{0,6}",
        mode in 0u8..4,
    ) {
        let text = to_xyz_string(&c);
        let bytes = text.as_bytes();
        let mut corrupted = match mode {
            0 => bytes[..cut.min(bytes.len())].to_vec(),
            1 => {
                let p = pos.min(bytes.len());
                let mut v = bytes[..p].to_vec();
                v.extend_from_slice(junk.as_bytes());
                v.extend_from_slice(&bytes[p..]);
                v
            }
            2 => {
                let p = pos.min(bytes.len());
                let q = (p + junk.len()).min(bytes.len());
                let mut v = bytes[..p].to_vec();
                v.extend_from_slice(&bytes[q..]);
                v
            }
            _ => {
                let mut v = bytes.to_vec();
                if !v.is_empty() {
                    let p = pos % v.len();
                    v[p] = junk.as_bytes().first().copied().unwrap_or(b'#');
                }
                v
            }
        };
        corrupted.push(b'\n');
        let s = String::from_utf8_lossy(&corrupted);
        if let Err(e) = parse(&s) {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("sample.xyz:"), "{}", msg);
            prop_assert!(!msg.contains('\n'), "{}", msg);
        }
    }
}
