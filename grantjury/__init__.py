"""grantjury: fair, explainable, reproducible rankings for grant competitions.

The library API (docs/api.md): ``load``, ``rank``, ``write_report``, ``render``, ``verify``,
``plan``, and ``read_results`` / ``load_results`` for the typed results. They
are imported on first use, so that ``import grantjury`` (and ``grantjury --help``) stays
cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "load": "grantjury.api",
    "rank": "grantjury.api",
    "write_report": "grantjury.api",
    "render": "grantjury.api",
    "verify": "grantjury.api",
    "plan": "grantjury.api",
    "OPTIONS": "grantjury.api",
    "OptionError": "grantjury.api",
    "Run": "grantjury.api",
    "Report": "grantjury.api",
    "Results": "grantjury.results",
    "read_results": "grantjury.results",
    "load_results": "grantjury.results",
    "ResultsFileError": "grantjury.results",
    "GrantjuryError": "grantjury.errors",
    "InvalidInput": "grantjury.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'grantjury' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
