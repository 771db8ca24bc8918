//! A minimal HTML page of the Markdown report: headings, tables, images, list items and
//! paragraphs, the subset `report.md` uses.

use std::fmt::Write as _;

/// A minimal HTML page of the markdown report (headings, tables, images, paragraphs).
pub fn html(md: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut h = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>bondspace report</title>\
         <style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:\
         collapse}td,th{border:1px solid #999;padding:3px 6px}img{max-width:100%}</style>\
         </head><body>\n",
    );
    let mut in_table = false;
    for line in md.lines() {
        if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                h.push_str("<table>\n");
                in_table = true;
            }
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| format!("<td>{}</td>", esc(c.trim())))
                .collect();
            let _ = writeln!(h, "<tr>{}</tr>", cells.concat());
            continue;
        }
        if in_table {
            h.push_str("</table>\n");
            in_table = false;
        }
        if let Some(t) = line.strip_prefix("## ") {
            let _ = writeln!(h, "<h2>{}</h2>", esc(t));
        } else if let Some(t) = line.strip_prefix("# ") {
            let _ = writeln!(h, "<h1>{}</h1>", esc(t));
        } else if let Some(rest) = line.strip_prefix("![") {
            if let Some((alt, src)) = rest.split_once("](") {
                let src = src.trim_end_matches(')');
                let _ = writeln!(h, "<p><img src=\"{}\" alt=\"{}\"></p>", esc(src), esc(alt));
            }
        } else if let Some(t) = line.strip_prefix("- ") {
            let _ = writeln!(h, "<p>• {}</p>", esc(t));
        } else if !line.trim().is_empty() {
            let _ = writeln!(h, "<p>{}</p>", esc(line));
        }
    }
    if in_table {
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}
