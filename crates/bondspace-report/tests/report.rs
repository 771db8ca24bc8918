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

/// Fig. 1a beside 1b (the Hessian mode most like the A-mode) and Fig. 6 (the participation of
/// every A-mode, three modes drawn) on a small 2D glass.
#[test]
fn hessian_and_participation_pictures_of_a_2d_glass() {
    use bondspace_report::mode2d;
    let cfg = ipl_instant_quench::<2>(300, &IplOptions::defaults(2), 5, SILENT).unwrap();
    let opt = Options {
        method: Method::Slicing,
        modes: 1,
        phm: true,
        ..Default::default()
    };
    let a = analyse(&cfg, &opt).unwrap();
    let net = &a.network;
    let d = &a.modes.as_ref().unwrap().modes.displacement[0];
    let cands = bondspace::modes::bond::lowest_hessian_modes(net, 50).unwrap();
    // unit vectors of ascending ω², translations skipped
    assert!(cands.windows(2).all(|w| w[0].0 <= w[1].0) && cands[0].0 > 0.0);
    let (i, overlap) = mode2d::best_hessian_match(&cands, d).unwrap();
    assert!(overlap > 0.0 && overlap <= 1.0 + 1e-12);
    let dir = std::env::temp_dir().join(format!("bondspace-report-h{}", std::process::id()));
    let (w2, psi) = &cands[i];
    mode2d::draw_hessian_beside_a(&cfg, net, psi, w2.sqrt(), d, 10.0, overlap, &dir, "fig1a")
        .unwrap();
    assert_eq!(&std::fs::read(dir.join("fig1a.png")).unwrap()[1..4], b"PNG");
    let dm = bondspace::modes::bond::dense_modes(net).unwrap();
    // the dense modes' top λ is the Lanczos one, and its D is the Lanczos D up to round-off
    let top = dm.lambda.len() - 1;
    let lz = a.modes.as_ref().unwrap().modes.lambda[0];
    assert!((dm.lambda[top] - lz).abs() < 1e-9 * lz);
    let (dd, _) = dm.fields(net, top);
    let dot: f64 = dd.iter().zip(d).map(|(x, y)| x * y).sum();
    let nn: f64 = dd.iter().map(|x| x * x).sum::<f64>() * d.iter().map(|x| x * x).sum::<f64>();
    assert!(
        (dot.abs() / nn.sqrt() - 1.0).abs() < 1e-8,
        "{}",
        dot / nn.sqrt()
    );
    assert!(
        dm.ne_force
            .iter()
            .chain(&dm.ne_displacement)
            .all(|&e| (1.0..=300.0 + 1e-9).contains(&e))
    );
    mode2d::draw_participation_modes(&cfg, net, &dm, a.scales.lambda_0, &dir, "fig6").unwrap();
    assert_eq!(&std::fs::read(dir.join("fig6.png")).unwrap()[1..4], b"PNG");
    let _ = std::fs::remove_dir_all(&dir);
}
