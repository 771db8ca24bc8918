//! The library's floors: no module imports from a floor above its own (README, Library
//! layout). Each source file's code outside its `#[cfg(test)]` part is scanned for
//! `crate::<module>` paths, doc comments aside.

use std::path::Path;

/// Top-level modules by floor, bottom first; modules on one floor may use each other.
const FLOORS: &[&[&str]] = &[
    &["error", "stats", "progress", "rng", "resources", "geometry"],
    &["models"],
    &["config", "io"],
    &["neighbours", "state"],
    &["prepare"],
    &["operators"],
    &["spectra"],
    &["measures"],
    &["modes"],
    &["results"],
    &["ensemble"],
    &["bench"],
];

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules named by `crate::…` paths in `code` (including `crate::{a, b::c}`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + 7..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = after;
    }
    out
}

#[test]
fn no_module_imports_from_a_floor_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut violations = Vec::new();
    let mut unknown = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(own) = floor(&top) else {
            unknown.push(top);
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for line in code.lines() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            for m in crate_paths(t) {
                // re-exports at the crate root (Error, Result, Configuration, macros, ...)
                let Some(other) = floor(&m) else { continue };
                if other > own {
                    violations.push(format!("{}: {t}", rel.display()));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "modules without a floor: {unknown:?}");
    assert!(
        violations.is_empty(),
        "imports from a floor above:\n{}",
        violations.join("\n")
    );
}
