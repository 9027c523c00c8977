"""Text cells that a spreadsheet shows as text: one rule for every CSV the project writes.

A spreadsheet opening a CSV file reads a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and a tab or carriage return at the start is a known way around filters), so
a submission titled ``=HYPERLINK("http://…","click")`` would run on a secretary's
computer. OWASP's advice for CSV injection is to put an apostrophe before such a cell: the
spreadsheet then shows the text as typed, apostrophe hidden. Only text cells go through
here; numbers (``-1.5``, a negative calibrated score) are written as numbers.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP)."""


def spreadsheet_text(text: str) -> str:
    """``text``, with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
