"""Shared fixtures of the Python tests: the command-line binary to compare against, and small
glasses made once per session."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _find_cli() -> str:
    env = os.environ.get("BONDSPACE_BIN")
    if env:
        return env
    for profile in ("debug", "release"):
        p = ROOT / "target" / profile / "bondspace"
        if p.is_file():
            return str(p)
    found = shutil.which("bondspace")
    if found:
        return found
    pytest.exit("no bondspace binary: build it (cargo build) or set BONDSPACE_BIN", 2)


@pytest.fixture(scope="session")
def cli():
    """Runs the command-line tool; returns the CompletedProcess (text mode)."""
    exe = _find_cli()

    def run(*args, check=True):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"bondspace {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
        return r

    return run
