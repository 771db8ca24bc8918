#!/usr/bin/env bash
# Copies the report of a `bondspace reproduce` directory into the repository (default
# docs/study/): the index report.md and report.json, the ensembles' reports (report.md,
# report.json, note.md) and every PNG figure; no sample data, no SVG. Prints the size.
#   scripts/publish-study.sh STUDY_DIR [DEST]
set -euo pipefail
src=${1:?usage: scripts/publish-study.sh STUDY_DIR [DEST]}
dest=${2:-docs/study}
[[ -f "$src/report.md" && -f "$src/report.json" ]] || {
  echo "$src: no report.md / report.json (has the study finished?)" >&2
  exit 2
}
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/report.md" "$src/report.json" "$dest/"
[[ -f "$src/wall.json" ]] && cp "$src/wall.json" "$dest/"
for sub in ipl harmonic; do
  mkdir -p "$dest/$sub/report"
  [[ -f "$src/$sub/note.md" ]] && cp "$src/$sub/note.md" "$dest/$sub/"
  cp "$src/$sub/ensemble.json" "$dest/$sub/"
  cp "$src/$sub/report/report.md" "$src/$sub/report/report.json" "$dest/$sub/report/"
  cp "$src/$sub/report/"*.png "$dest/$sub/report/"
done
mkdir -p "$dest/mode2d"
cp "$src/mode2d/"*.png "$dest/mode2d/"
# line art: a 64-colour palette keeps the figures readable at a fraction of the size (needs
# Pillow; PY names the interpreter, default target/venv/bin/python, then python3)
py=${PY:-target/venv/bin/python}
[[ -x "$py" ]] || py=python3
if "$py" -c "import PIL" 2>/dev/null; then
  "$py" - "$dest" <<'PYEOF'
import pathlib, sys
from PIL import Image
for p in pathlib.Path(sys.argv[1]).rglob("*.png"):
    Image.open(p).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(p, optimize=True)
PYEOF
fi
du -sh "$dest"
