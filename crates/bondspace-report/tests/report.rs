//! The 2D picture of a bond-operator mode (paper Figs. 1b, 4a–c) is drawn as PNG and SVG.

use bondspace::prepare::{IplOptions, ipl_instant_quench};
use bondspace::progress::SILENT;
use bondspace::results::{Options, analyse};
use bondspace::spectra::Method;

#[test]
fn mode_picture_of_a_2d_glass() {
    let cfg = ipl_instant_quench::<2>(300, &IplOptions::defaults(2), 5, SILENT).unwrap();
    let opt = Options {
        method: Method::Slicing,
        modes: 1,
        phm: true,
        ..Default::default()
    };
    let a = analyse(&cfg, &opt).unwrap();
    let dir = std::env::temp_dir().join(format!("bondspace-report-{}", std::process::id()));
    bondspace_report::draw_mode_2d(&cfg, &a, 0, &dir, "mode").unwrap();
    let png = std::fs::read(dir.join("mode.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(dir.join("mode.svg")).unwrap();
    // bonds in red or blue, arrows in the four mode colours
    assert!(svg.contains("<svg") && svg.matches("<polyline").count() > 50);
    assert!(bondspace_report::draw_mode_2d(&cfg, &a, 5, &dir, "none").is_err());
}
