"""Configuration: ``[tool.gaelint]`` in the nearest pyproject.toml upwards,
or ``gaelint.toml`` (same keys at top level); ``--config FILE`` overrides.

Unknown keys and unknown rule codes are errors (exit 2) naming the culprit,
so a typo never silently switches a check off.
"""
from __future__ import annotations

import difflib
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from . import registry
from .findings import Severity

KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "exclude", "fail-on", "baseline", "severity",
        "deploy-roots")


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
    # service yaml -> the directory it deploys (a yaml kept apart from its code)
    deploy_roots: Dict[Path, Path] = field(default_factory=dict)
    path: Optional[Path] = None     # the file it came from

    @property
    def root(self) -> Path:
        """Where relative globs and the baseline path start: the config
        file's directory (the current directory without one)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def ignored_codes(self, path: Path, roots: Sequence[Path] = ()) -> List[str]:
        """Codes and prefixes that per-file-ignores turns off for path."""
        return [c for glob, codes in self.per_file_ignores.items()
                if path_matches(path, [glob], [self.root, *roots]) for c in codes]

    def excludes(self, path: Path, roots: Sequence[Path] = ()) -> bool:
        return bool(self.exclude) and path_matches(path, self.exclude, [self.root, *roots])



def check_codes(codes: Sequence[str], where: str) -> List[str]:
    """Validate codes or prefixes (GAE1, GAE10, GAE103, ALL)."""
    out = []
    for code in codes:
        c = str(code).strip().upper()
        if c == "ALL":
            out.append("")   # every rule, plugins included
            continue
        if not registry.codes_matching(c):
            close = difflib.get_close_matches(c, [r.code for r in registry.all_rules()], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"{where}: unknown rule code or prefix {code!r}{hint} (`gaelint rules` lists them)")
        out.append(c)
    return out


def path_matches(path: Path, patterns: Iterable[str], roots: Sequence[Path]) -> bool:
    """Whether a glob matches path, as ruff's exclude does:

    * a pattern without '/' (``tests``, ``*_test.py``) matches the file name
      or any directory name on the way from a root to the file;
    * a pattern with '/' (``lib/vendor``, ``handlers/*.py``, ``lib/``)
      matches the path relative to a root (the config file's directory, the
      app root), and a directory pattern everything under it.

    ``*`` crosses '/' (fnmatch), so ``lib/**`` and ``lib/*`` both work.
    """
    path = Path(os.path.abspath(path))
    rels = []
    for root in roots:
        try:
            rels.append(path.relative_to(os.path.abspath(root)).as_posix())
        except ValueError:
            continue
    parts = {part for rel in rels for part in rel.split("/")} or {path.name}
    for raw in patterns:
        pattern = raw.strip().replace("\\", "/")
        while pattern.startswith("./"):
            pattern = pattern[2:]
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if "/" not in pattern:
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern + "/*") for rel in rels):
            return True
    return False


def _unknown_key(key: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(key, KEYS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(f"{where}: unknown key {key!r}{hint} (known keys: {', '.join(KEYS)})")


def _list(value, key: str, where: str) -> List[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def from_mapping(data: dict, where: str, base: Path) -> Config:
    for key in data:
        if key not in KEYS:
            raise _unknown_key(key, where)
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
        if not isinstance(data["baseline"], str) or not data["baseline"].strip():
            raise ConfigError(f"{where}: 'baseline' must be the path of a baseline file (a string)")
        cfg.baseline = (base / str(data["baseline"])).resolve()
    roots = data.get("deploy-roots", {})
    if not isinstance(roots, dict) or not all(isinstance(v, str) for v in roots.values()):
        raise ConfigError(f"{where}: 'deploy-roots' must be a table of \"path/to/app.yaml\" = \"directory it deploys\"")
    for yaml_path, root in roots.items():
        target = (base / root).resolve()
        if not target.is_dir():
            raise ConfigError(f"{where}: deploy-roots: {root!r} (for {yaml_path!r}) is not a directory")
        cfg.deploy_roots[(base / yaml_path).resolve()] = target
    sev = data.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of CODE = \"error|warning|info\"")
    for code, level in sev.items():
        if registry.get(code) is None:
            raise ConfigError(f"{where}: severity: unknown rule code {code!r} (severity takes full codes, "
                              f"e.g. GAE201 = \"warning\"; `gaelint rules` lists them)")
        try:
            cfg.severity[code.upper()] = Severity.parse(str(level))
        except ValueError as exc:
            raise ConfigError(f"{where}: severity.{code}: {exc}") from None
    return cfg


def _toml_error(path: Path, exc: Exception) -> ConfigError:
    """``path:LINE: invalid TOML: ...``, the line as tomllib reports it."""
    found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
    return ConfigError(f"{path}{f':{line}' if line else ''}: invalid TOML: {exc}")


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from None


def load_file(path: Path) -> Config:
    data = _read_toml(path)
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
            # a broken pyproject.toml may hold [tool.gaelint]: an error, never skipped silently
            tool = _read_toml(candidate).get("tool", {})
            if isinstance(tool, dict) and "gaelint" in tool:
                return candidate
    return None


def load(explicit: Optional[Path], start: Path) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return load_file(explicit)
    found = discover(start)
    return load_file(found) if found else Config()
