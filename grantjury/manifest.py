"""The run record: what went in, with which engine and options, and what came out.

The run's digest is the SHA-256 of a canonical JSON of the engine versions, the effective
options, the seed, every input file's digest and the results' content. It is written into
``results.json`` (key ``digest``), into ``manifest.json``, printed in the summary and on every
document page, so a printed sheet can be matched to its run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import ProblemLog
from .loading import read_csv, read_yaml
from .results import InputRecord, LotStep, Results

MANIFEST = "manifest.json"
SHORT_DIGEST = 12


def engine_versions() -> dict[str, str]:
    """Versions that could change a result: the engine, Python, numpy and scipy."""
    return {
        "grantjury": __version__,
        "python": platform.python_version(),
        "numpy": metadata.version("numpy"),
        "scipy": metadata.version("scipy"),
    }


def canonical(data: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces), the form every digest is taken over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def run_digest(results: Results, engine: dict[str, str]) -> str:
    """Digest of a run: engine, options, inputs and results content (without the digest)."""
    body = results.as_json()
    body.pop("digest", None)
    material = {
        "engine": engine,
        "options": results.options.model_dump(mode="json"),
        "inputs": [i.model_dump(mode="json") for i in results.inputs],
        "results": sha256(canonical(body)),
    }
    return sha256(canonical(material))


def short(digest: str) -> str:
    """The first characters of a digest, as printed on documents."""
    return digest.removeprefix("sha256:")[:SHORT_DIGEST]


def build_manifest(
    results: Results,
    engine: dict[str, str],
    given_options: dict[str, Any],
    outputs: dict[str, bytes],
    contents: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest of a run: its record, the outputs' digests, and the run's digest.

    ``contents`` gives each input's ``content_sha256`` (see ``content_digest``), recorded
    beside its byte digest so that ``grantjury verify`` can tell reordered from changed inputs.
    """
    contents = contents or {}
    return {
        "generator": "grantjury",
        "digest": results.digest,
        "engine": engine,
        "competition": results.competition.id,
        "given_options": {k: v for k, v in sorted(given_options.items()) if v is not None},
        "options": results.options.model_dump(mode="json"),
        "seeds": {"seed": results.options.seed, "draws": _draws(results)},
        "inputs": [
            {**i.model_dump(mode="json"), "content_sha256": contents[i.path]}
            if i.path in contents
            else i.model_dump(mode="json")
            for i in results.inputs
        ],
        "outputs": [
            {"path": name, "sha256": sha256(data), "size": len(data)}
            for name, data in sorted(outputs.items())
        ],
        **(
            {"first_round_lock": results.first_round_lock.model_dump(mode="json")}
            if results.first_round_lock
            else {}
        ),
    }


def _draws(results: Results) -> list[list]:
    """Purpose of every random draw made (each derived from the seed and its purpose)."""
    return [
        list(step.purpose)
        for domain in results.domains
        for tie in domain.ties
        for step in tie.steps
        if isinstance(step, LotStep)
    ]


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def content_digest(name: str, data: bytes) -> str | None:
    """Digest of what an input says, not of how its bytes are laid out (None: not a CSV/YAML).

    CSV: the header and rows as the loader reads them (byte-order mark, delimiter, spaces
    around cells and empty lines do not count), columns and rows sorted. YAML: the data with
    mapping keys sorted, and the items of a top-level list sorted (the jurors file); comments
    and layout do not count. The loader sorts ids and rows, so reordering rows, columns or
    list items changes the byte digest but not this one. Unreadable files give None.
    """
    log = ProblemLog()
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix == "csv":
        table = read_csv(Path(name), name, (), log, data)
        if table is None or log.errors:
            return None
        header = sorted(table.header)
        # Rows sorted as tuples of text, by one numpy sort of each column's rank among its
        # distinct values (sorted the same way): a million rows without a million tuples.
        factors = {h: table.factorize(h) for h in header}
        ranks = [factors[h][1] for h in reversed(header)]
        order = np.lexsort(ranks) if len(table) else np.array([], dtype=np.int64)
        return _table_digest(header, [factors[h] for h in header], order)
    if suffix in ("yaml", "yml"):
        doc = read_yaml(Path(name), name, log, data)
        if doc is None or log.errors:
            return None
        value = _plain(doc.data)
        if isinstance(value, list):
            value = sorted(value, key=canonical)
        return sha256(canonical(value))
    return None


TABLE_BLOCK_ROWS = 65_536
"""Rows of a CSV input laid out at once when its content digest is taken."""


def _table_digest(
    header: list[str], factors: list[tuple[np.ndarray, np.ndarray]], order: np.ndarray
) -> str:
    """``sha256(canonical({"header": header, "rows": rows}))`` for the rows of these columns
    in ``order``, byte for byte, without a Python object per row or cell.

    Each distinct value is encoded once (as ``json.dumps`` writes it); each block of rows is
    then laid out by one gather of bytes (every row is ``[``, its cells between commas, and
    ``]``; rows between commas) and hashed as it comes, so the text is never held whole.
    """
    pieces = [b"[", b",[", b",", b"]"]
    starts, lengths = [], []
    for uniques, _ in factors:
        encoded = [json.dumps(u, ensure_ascii=False).encode() for u in uniques.tolist()]
        size = np.array([len(e) for e in encoded], dtype=np.int64)
        starts.append(sum(map(len, pieces)) + np.cumsum(size) - size)
        lengths.append(size)
        pieces.extend(encoded)
    blob = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    # Offsets of the four punctuation pieces in the blob.
    first, later, comma, close = 0, 1, 3, 4
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(('{"header":' + head + ',"rows":[').encode())
    columns = len(factors)
    for block in range(0, order.size, TABLE_BLOCK_ROWS):
        rows = order[block : block + TABLE_BLOCK_ROWS]
        source = np.empty((rows.size, 2 * columns + 1), dtype=np.int64)
        size = np.empty_like(source)
        source[:, 0], size[:, 0] = later, 2
        if block == 0:
            source[0, 0], size[0, 0] = first, 1
        for k, (_, inverse) in enumerate(factors):
            cell = inverse[rows]
            source[:, 2 * k + 1], size[:, 2 * k + 1] = starts[k][cell], lengths[k][cell]
            source[:, 2 * k + 2], size[:, 2 * k + 2] = comma, 1
        source[:, -1] = close
        source, size = source.ravel(), size.ravel()
        at = np.cumsum(size) - size
        index = np.repeat(source - at, size) + np.arange(int(size.sum()))
        digest.update(blob[index].tobytes())
    digest.update(b"]}")
    return "sha256:" + digest.hexdigest()


def input_contents(competition_file: Path, inputs: list[InputRecord]) -> dict[str, str]:
    """Content digests of the recorded inputs whose bytes still have their recorded digest."""
    base = competition_file.parent
    contents = {}
    for entry in inputs:
        try:
            data = (base / entry.path).read_bytes()
        except OSError:
            continue
        digest = content_digest(entry.path, data)
        if digest is not None and sha256(data) == entry.sha256:
            contents[entry.path] = digest
    return contents


def _plain(value: Any) -> Any:
    """YAML data as JSON-able values: keys as text, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record_outputs(manifest: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """The manifest with these outputs added or replaced (documents rendered after the run).

    The run's digest does not change: documents are made from the results it covers.
    """
    outputs = {o["path"]: o for o in manifest.get("outputs", [])}
    for name, data in files.items():
        outputs[name] = {"path": name, "sha256": sha256(data), "size": len(data)}
    return {**manifest, "outputs": [outputs[name] for name in sorted(outputs)]}
