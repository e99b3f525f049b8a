"""pyproject.toml: what an install reads (no deprecation warning, every bundled file shipped)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression_with_its_file():
    # A table ({text = "MIT"}) makes setuptools >= 77 warn at every install.
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert all((ROOT / name).is_file() for name in project["license-files"])
    assert any(req.startswith("setuptools>=77") for req in _pyproject()["build-system"]["requires"])


def test_every_bundled_asset_file_is_listed_in_data_files():
    patterns = [f for files in _pyproject()["tool"]["setuptools"]["data-files"].values() for f in files]
    listed = {str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern)}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "assets").rglob("*") if p.is_file()}
    missing = sorted(on_disk - listed)
    assert not missing, f"assets not shipped by pyproject's data-files: {missing[:10]}"
