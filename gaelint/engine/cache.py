"""A result cache keyed by content, never by modification time.

An entry holds the raw findings of one Python file (before suppressions and
per-file config, which are cheap and applied on every run). Its key hashes
everything those findings depend on:

* the file's bytes and its path inside the app;
* gaelint itself: its version, the selected rule codes, and the size and
  mtime of every engine and rule module loaded (so editing a rule in a
  development checkout invalidates the cache too);
* the app-level inputs: app.yaml and the other service yamls,
  appengine_config.py, .gcloudignore, the deploy set's file list, where
  the app's own modules are importable from (vendored roots, zips), and the
  bases of the classes the app's modules define: CGI handlers,
  ``libraries:``, ``env_variables:``, import resolution and which rules a
  file is checked with all come from these.

Some findings also depend on other files of the app that the check read (a
constant imported from settings.py, a base class in utils/): the entry
records those files with a hash of their bytes, and is used only while they
still hash the same.

The cache lives outside the app (``$GAELINT_CACHE_DIR``, else
``$XDG_CACHE_HOME/gaelint``, else ``~/.cache/gaelint``), so it is never part
of a deploy. Entries are written to a temporary file and renamed into
place, so concurrent runs never see half an entry; an entry that does not
parse, or whose recorded key differs from the one asked for, is ignored.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from gaelint import __version__
from gaelint.findings import Finding, Severity

FORMAT = 3
MISSING = object()


def default_dir() -> Path:
    explicit = os.environ.get("GAELINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gaelint"


def engine_fingerprint(codes) -> str:
    """Everything of gaelint's own that findings depend on: its version,
    the selected codes, the size and mtime of every engine module, rule
    module (built-in or plugin) and data table, and the libcst and Python
    versions (the cache directory is shared between environments)."""
    from importlib.metadata import PackageNotFoundError, version

    from gaelint import registry

    try:
        libcst_version = version("libcst")
    except PackageNotFoundError:  # pragma: no cover
        libcst_version = "?"
    h = hashlib.sha256(f"{FORMAT}|{__version__}|{','.join(sorted(codes))}|{libcst_version}|"
                       f"{sys.version}".encode())
    package = Path(__file__).resolve().parent.parent      # gaelint/
    files = {*package.rglob("*.py"), *package.glob("data/*.json")}
    import gaelint.rules as builtin
    for folder in builtin.__path__:
        files.update(Path(folder).rglob("*.py"))
    for rule in registry.all_rules():
        module = sys.modules.get(rule.__module__)
        if getattr(module, "__file__", None):
            files.add(Path(module.__file__))
    for path in sorted(files):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"|{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def app_fingerprint(app) -> str:
    """Hash of the app-level inputs a file's findings may depend on."""
    h = hashlib.sha256()
    root = app.root
    inputs = [p for p in (app.app.config_path,) if p is not None]
    inputs += [c.path for c in getattr(app.app, "service_configs", ()) or ()]
    inputs += [root / "appengine_config.py", root / ".gcloudignore"]
    for path in inputs:
        try:
            h.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
        except OSError:
            h.update(str(path).encode() + b"\0-\0")
    for f in app.deploy.files:
        h.update(app.relpath(f).encode() + b"\n")
    # Import rules depend on where the app's own modules live: hash the
    # resolved answer (sys.path roots from appengine_config.py, .pth files,
    # zips and their contents), not the many files that could decide it.
    from gaelint.app.vendoring import app_modules
    mods = app_modules(app)
    h.update(repr((mods.roots, mods.uncertain, sorted((k, sorted(v)) for k, v in mods._zips.items()))).encode())
    # Which rules a file is checked with depends on the app's class
    # hierarchy too (a file naming `Worker`, a multiprocessing.Process).
    from gaelint.app.module_facts import class_words
    h.update(repr(sorted((k, sorted(v)) for k, v in class_words(app).items())).encode())
    return h.hexdigest()


def _encode(f: Finding, root: Path) -> dict:
    try:
        rel = Path(os.path.abspath(f.path)).relative_to(root).as_posix()
    except ValueError:
        rel = str(f.path)
    return {"code": f.code, "name": f.name, "severity": int(f.severity), "path": rel, "message": f.message,
            "fix": f.fix, "line": f.line, "column": f.column, "end_line": f.end_line,
            "end_column": f.end_column, "statement": list(f.statement) if f.statement else None,
            "source_line": f.source_line, "cause": f.cause, "fix_data": [list(p) for p in f.fix_data]}


def _decode(d: dict, root: Path) -> Finding:
    return Finding(code=d["code"], name=d["name"], severity=Severity(d["severity"]), path=root / d["path"],
                   message=d["message"], fix=d["fix"], line=d["line"], column=d["column"],
                   end_line=d["end_line"], end_column=d["end_column"],
                   statement=tuple(d["statement"]) if d["statement"] else None, source_line=d["source_line"],
                   cause=d.get("cause"), fix_data=tuple(tuple(p) for p in d.get("fix_data") or ()))


def dependency_hashes(root: Path, relpaths) -> Dict[str, str]:
    """{relative path: sha256 of its bytes ('-' when unreadable)}."""
    out = {}
    for rel in relpaths:
        try:
            out[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        except OSError:
            out[rel] = "-"
    return out


class ResultCache:
    MISSING = MISSING       # what get_value returns for no entry (lower stages see it here)

    def __init__(self, directory: Path, engine_key: str):
        self.directory = directory
        self.engine_key = engine_key

    def key(self, data: bytes, relpath: str, app_key: str) -> str:
        h = hashlib.sha256()
        h.update(self.engine_key.encode())
        h.update(app_key.encode())
        h.update(relpath.encode() + b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get_value(self, key: str) -> Any:
        """The JSON value stored under ``key``, or MISSING."""
        try:
            with open(self._path(key), "rb") as fh:
                doc = json.loads(fh.read())
            if not isinstance(doc, dict) or doc.get("key") != key or doc.get("format") != FORMAT:
                return MISSING
            return doc["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return MISSING      # missing, corrupt or foreign: never trusted

    def put_value(self, key: str, value: Any) -> None:
        path = self._path(key)
        doc = {"format": FORMAT, "key": key, "value": value}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError:
            pass            # a read-only or full cache only costs speed

    def get(self, key: str, root: Path, deps_root: Optional[Path] = None) -> Optional[List[Finding]]:
        value = self.get_value(key)
        try:
            if value is MISSING or dependency_hashes(deps_root or root, value["deps"]) != value["deps"]:
                return None
            return [_decode(d, root) for d in value["findings"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, key: str, root: Path, findings: List[Finding], deps: Optional[Dict[str, str]] = None) -> None:
        """``deps``: {relative path: hash} of the other files the findings
        depend on (:func:`dependency_hashes`)."""
        self.put_value(key, {"findings": [_encode(f, root) for f in findings], "deps": deps or {}})

    def fact_key(self, name: str, data: bytes) -> str:
        """Key of a fact derived from one file's bytes alone."""
        h = hashlib.sha256(f"{self.engine_key}|fact|{name}|".encode())
        h.update(data)
        return h.hexdigest()
