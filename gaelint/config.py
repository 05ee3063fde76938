"""Configuration: ``[tool.gaelint]`` in the nearest pyproject.toml upwards,
or ``gaelint.toml`` (same keys at top level); ``--config FILE`` overrides.

Unknown keys and unknown rule codes are errors (exit 2) naming the culprit,
so a typo never silently switches a check off.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from . import registry
from .findings import Severity

KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "exclude", "fail-on", "baseline", "severity")


class ConfigError(Exception):
    """A usage or configuration error: exit code 2."""


@dataclass
class Config:
    select: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    exclude: List[str] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    baseline: Optional[Path] = None
    severity: Dict[str, Severity] = field(default_factory=dict)
    path: Optional[Path] = None     # the file it came from

    def fingerprint(self) -> str:
        """Stable text of everything that changes findings (for the cache)."""
        return repr((self.select, self.extend_select, self.ignore, sorted(self.per_file_ignores.items()),
                     self.exclude, sorted((k, int(v)) for k, v in self.severity.items())))


def check_codes(codes: Sequence[str], where: str) -> List[str]:
    """Validate codes or prefixes (GAE1, GAE10, GAE103, ALL)."""
    out = []
    for code in codes:
        c = str(code).strip().upper()
        if c == "ALL":
            out.append("GAE")
            continue
        if not registry.codes_matching(c):
            known = ", ".join(r.code for r in registry.all_rules())
            raise ConfigError(f"{where}: unknown rule code or prefix {code!r} (known: {known})")
        out.append(c)
    return out


def _list(value, key: str, where: str) -> List[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def from_mapping(data: dict, where: str, base: Path) -> Config:
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(KEYS)})")
    cfg = Config(path=None)
    if "select" in data:
        cfg.select = check_codes(_list(data["select"], "select", where), where)
    cfg.extend_select = check_codes(_list(data.get("extend-select", []), "extend-select", where), where)
    cfg.ignore = check_codes(_list(data.get("ignore", []), "ignore", where), where)
    pfi = data.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
    cfg.per_file_ignores = {g: check_codes(_list(v, f"per-file-ignores.{g}", where), where) for g, v in pfi.items()}
    cfg.exclude = _list(data.get("exclude", []), "exclude", where)
    if "fail-on" in data:
        try:
            cfg.fail_on = Severity.parse(str(data["fail-on"]))
        except ValueError as exc:
            raise ConfigError(f"{where}: fail-on: {exc}") from None
    if "baseline" in data:
        cfg.baseline = (base / str(data["baseline"])).resolve()
    sev = data.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of CODE = \"error|warning|info\"")
    for code, level in sev.items():
        if registry.get(code) is None:
            raise ConfigError(f"{where}: severity: unknown rule code {code!r}")
        try:
            cfg.severity[code.upper()] = Severity.parse(str(level))
        except ValueError as exc:
            raise ConfigError(f"{where}: severity.{code}: {exc}") from None
    return cfg


def load_file(path: Path) -> Config:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("gaelint", {})
        where = f"{path} [tool.gaelint]"
    else:
        where = str(path)
    cfg = from_mapping(data, where, path.parent)
    cfg.path = path
    return cfg


def discover(start: Path) -> Optional[Path]:
    """Nearest gaelint.toml or pyproject.toml with [tool.gaelint], upwards."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "gaelint.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                with open(candidate, "rb") as fh:
                    if "gaelint" in tomllib.load(fh).get("tool", {}):
                        return candidate
            except (OSError, tomllib.TOMLDecodeError):
                continue
    return None


def load(explicit: Optional[Path], start: Path) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return load_file(explicit)
    found = discover(start)
    return load_file(found) if found else Config()
