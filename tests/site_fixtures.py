"""The sample's report and site, built once per test module (test_site, test_site_browser)."""

from __future__ import annotations

import shutil
from pathlib import Path

import grantjury

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_submissions"


def sample_report(folder: Path, replicates: int = 100) -> Path:
    """Rank a copy of the sample (with its partners file and logos) into ``folder/reports``."""
    shutil.copytree(SAMPLE, folder / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", folder / "rubrics")
    run = grantjury.rank(folder / "sample_submissions", replicates=replicates)
    grantjury.write_report(run, folder / "reports")
    return folder / "reports"


def sample_site(folder: Path) -> Path:
    """The sample's site in ``folder/site``."""
    from grantjury import api

    reports = sample_report(folder)
    api.site(reports, folder / "site")
    return folder / "site"
