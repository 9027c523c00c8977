"""The public site's own file, ``partners.yaml``: partners and donors, the organiser, what is
published (docs/format.md, "Partners file"). Validated at the edge with pydantic; every
problem names the file, the line and the field, like the competition's files."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import ProblemLog
from ..loading import model_from_yaml, read_yaml
from ..model import Identifier, Text

LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
MAX_LOGO_BYTES = 2_000_000
PREFIX = r"^360G-[A-Za-z0-9_.-]+$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _web_link(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s<>\"'`]+", value) or len(value) > 500:
        raise ValueError("a link must be a web address starting with https:// or http://")
    return value


Url = Annotated[str, AfterValidator(_web_link)]


class Partner(Frozen):
    id: Identifier
    name: Text
    kind: Literal["donor", "partner", "sponsor"]
    amount: float | None = Field(default=None, ge=0)
    """The contribution, in the competition's currency, when it is public."""
    logo: str | None = None
    """A local image file (SVG, PNG, JPEG or WebP), relative to the partners file."""
    url: Url | None = None
    projects: tuple[Identifier, ...] = ()
    """Submissions this partner supports: listed on their project pages."""


class Organisation(Frozen):
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """An org-id.guide identifier (``XM-…``, ``MA-…``) or a 360Giving one (``360G-…``)."""
    name: Text


class Publish(Frozen):
    """What the site publishes beyond the winners. Everything personal is off by default."""

    jurors: bool = False
    """The jurors' names on the jury page (else only their number)."""
    ranking: bool = False
    """Every submission's rank and score, winners or not, as ``ranking.csv`` (else winners
    only: associations that did not win are not named)."""


class PartnersFile(Frozen):
    theme: Text | None = None
    """The forum's theme or slogan, on the home page."""
    organiser: Organisation | None = None
    """Who awards the prizes (360Giving ``fundingOrganization``); default: the competition."""
    identifier_prefix: str | None = Field(default=None, pattern=PREFIX)
    """The publisher's 360Giving prefix (``360G-…``); default ``360G-<competition id>``."""
    data_language: str | None = None
    """Language of the 360Giving and CSV texts (default: ``fr`` if present, else the first)."""
    publish: Publish = Publish()
    partners: tuple[Partner, ...] = ()


def read_partners(
    path: Path,
    log: ProblemLog,
    label: str | None = None,
    submissions: Collection[str] | None = None,
) -> PartnersFile | None:
    """Read and check a partners file; problems go to ``log`` (with line and field).
    ``submissions``: the ids a partner's ``projects`` may name."""
    label = label or path.name
    if not path.is_file():
        log.error(label, "the partners file cannot be read", expected="a YAML file")
        return None
    doc = read_yaml(path, label, log)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        log.error(label, "expected a mapping with a `partners:` list", line=doc.line_of(()))
        return None
    spec = model_from_yaml(PartnersFile, doc, label, log)
    if spec is None:
        return None
    seen: set[str] = set()
    for index, partner in enumerate(spec.partners):
        where = ("partners", index)
        if partner.id in seen:
            log.error(
                label, "duplicate partner id", line=doc.line_of((*where, "id")),
                field=f"partners.{index}.id", found=repr(partner.id), expected="unique ids",
            )  # fmt: skip
        seen.add(partner.id)
        for position, project in enumerate(partner.projects):
            if submissions is not None and project not in submissions:
                log.error(
                    label, "the partner supports a project the results do not know",
                    line=doc.line_of((*where, "projects", position)),
                    field=f"partners.{index}.projects", found=repr(project),
                    expected="a submission id of the competition",
                )  # fmt: skip
        if partner.logo is not None:
            _check_logo(path.parent, partner.logo, label, log, doc.line_of((*where, "logo")), index)
    return spec


def logo_path(base: Path, logo: str) -> Path:
    return (base / logo).resolve()


def _check_logo(base: Path, logo: str, label: str, log: ProblemLog, line, index: int) -> None:
    field = f"partners.{index}.logo"
    target = logo_path(base, logo)
    if re.match(r"^[a-z][a-z0-9+.-]*:", logo, re.I):
        log.error(label, "a logo must be a local file", line=line, field=field,
                  found=repr(logo), expected="a path relative to the partners file")  # fmt: skip
    elif not target.is_relative_to(base.resolve()):
        log.error(label, "the logo lies outside the partners file's folder", line=line,
                  field=field, found=repr(logo), expected="a file in that folder")  # fmt: skip
    elif target.suffix.lower() not in LOGO_SUFFIXES:
        log.error(label, "unsupported logo format", line=line, field=field,
                  found=repr(logo), expected=" or ".join(LOGO_SUFFIXES))  # fmt: skip
    elif not target.is_file():
        log.error(label, "the logo file does not exist", line=line, field=field,
                  found=repr(logo), expected="an existing image file")  # fmt: skip
    elif target.stat().st_size > MAX_LOGO_BYTES:
        size = target.stat().st_size
        log.error(label, "the logo file is too large", line=line, field=field,
                  found=f"{size} bytes", expected=f"at most {MAX_LOGO_BYTES} bytes")  # fmt: skip
