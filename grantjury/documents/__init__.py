"""Printed documents (`grantjury render`): ceremony sheets and certificates from results.json.

Only `pdf.py` imports WeasyPrint, and only when a PDF is written; importing this package is
cheap and safe for code that merely builds HTML. The scoring stages never import it.
"""

from grantjury.documents.build import (
    KINDS,
    DocumentKind,
    Run,
    build_html,
    load_run,
    render_documents,
)
from grantjury.documents.errors import BlockedResources, FontsMissing, RenderError
from grantjury.results import ResultsFileError

__all__ = [
    "KINDS",
    "BlockedResources",
    "DocumentKind",
    "FontsMissing",
    "RenderError",
    "ResultsFileError",
    "Run",
    "build_html",
    "load_run",
    "render_documents",
]
