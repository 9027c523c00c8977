"""Printed documents (`grantjury render`): ceremony sheets and certificates from results.json.

Only `pdf.py` imports WeasyPrint, and only when a PDF is written; importing this package is
cheap and safe for code that merely builds HTML. The scoring stages never import it.
"""

from grantjury.render.documents import (
    KINDS,
    DocumentKind,
    build_html,
    load_results,
    render_documents,
)
from grantjury.render.errors import BlockedResources, FontsMissing, RenderError, ResultsFileError

__all__ = [
    "KINDS",
    "BlockedResources",
    "DocumentKind",
    "FontsMissing",
    "RenderError",
    "ResultsFileError",
    "build_html",
    "load_results",
    "render_documents",
]
