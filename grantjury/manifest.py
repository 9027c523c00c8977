"""The run record: what went in, with which engine and options, and what came out.

The run's digest is the SHA-256 of a canonical JSON of the engine versions, the effective
options, the seed, every input file's digest and the results' content. It is written into
``results.json`` (key ``digest``), into ``manifest.json``, printed in the summary and on every
document page, so a printed sheet can be matched to its run.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from typing import Any

from . import __version__

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


def run_digest(results: dict[str, Any], engine: dict[str, str]) -> str:
    """Digest of a run: engine, options, inputs and results content (without the digest)."""
    body = {k: v for k, v in results.items() if k != "digest"}
    material = {
        "engine": engine,
        "options": results["options"],
        "inputs": results["inputs"],
        "results": sha256(canonical(body)),
    }
    return sha256(canonical(material))


def short(digest: str) -> str:
    """The first characters of a digest, as printed on documents."""
    return digest.removeprefix("sha256:")[:SHORT_DIGEST]


def build_manifest(
    results: dict[str, Any],
    engine: dict[str, str],
    given_options: dict[str, Any],
    outputs: dict[str, bytes],
) -> dict[str, Any]:
    """The manifest of a run: its record, the outputs' digests, and the run's digest."""
    return {
        "generator": "grantjury",
        "digest": results["digest"],
        "engine": engine,
        "competition": results["competition"]["id"],
        "given_options": {k: v for k, v in sorted(given_options.items()) if v is not None},
        "options": results["options"],
        "seeds": {"seed": results["options"]["seed"], "draws": _draws(results)},
        "inputs": results["inputs"],
        "outputs": [
            {"path": name, "sha256": sha256(data), "size": len(data)}
            for name, data in sorted(outputs.items())
        ],
    }


def _draws(results: dict[str, Any]) -> list[list]:
    """Purpose of every random draw made (each derived from the seed and its purpose)."""
    draws = []
    for domain in results["domains"]:
        for tie in domain["ties"]:
            draws.extend(step["purpose"] for step in tie["steps"] if step["key"] == "lot")
    return draws


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
