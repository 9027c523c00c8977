"""Names the command line offers before it imports the engine: the calibration methods, the
aggregates and the document kinds. ``grantjury --help`` reads them from here, so that it
starts without numpy, pydantic or the renderer; ``model.py`` and ``documents/build.py``
use the same tuples (a test checks the document kinds)."""

from __future__ import annotations

CALIBRATIONS = ("raw", "zscore", "percentile", "additive", "affine", "hetero")
AGGREGATES = ("mean", "median", "trimmed")
DOCUMENT_KINDS = ("ceremony", "certificates", "minutes", "audit", "letters", "annex", "register")
