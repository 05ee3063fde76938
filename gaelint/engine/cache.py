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
of a deploy, and is only used when it belongs to the user and nobody else
can write into it. Entries are written to a temporary file (removed if the
write fails) and renamed into place, so concurrent runs never see half an
entry. An entry is believed only if it parses, records the key asked for,
the hash of the very bytes being checked and its kind, and its value passes
the schema check: anything else is a miss.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from gaelint import __version__, reading, registry
from gaelint.findings import Finding, Severity

from .classwords import ClassWordsTable
from .filehashes import FileHashes

FORMAT = 4
MISSING = object()
_MAX_INPUT_BYTES = 32_000_000       # an app-level input (app.yaml, appengine_config.py)
_MAX_ENTRY_BYTES = 64_000_000


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
            h.update(os.fsencode(str(path)) + b"\0" + reading.read_bytes(path, _MAX_INPUT_BYTES) + b"\0")
        except OSError:         # missing, a FIFO, too large: only its name counts
            h.update(os.fsencode(str(path)) + b"\0-\0")
    for f in app.deploy.files:
        h.update(os.fsencode(app.relpath(f)) + b"\n")
    # Import rules depend on where the app's own modules live: hash the
    # resolved answer (sys.path roots from appengine_config.py, .pth files,
    # zips and their contents), not the many files that could decide it.
    from gaelint.app.vendoring import app_modules
    h.update(app_modules(app).resolution_key().encode())
    # Which rules a file is checked with depends on the app's class
    # hierarchy too (a file naming `Worker`, a multiprocessing.Process).
    from gaelint.app.module_facts import class_words
    h.update(repr(sorted((k, sorted(v)) for k, v in class_words(app).items())).encode())
    return h.hexdigest()


def encode_finding(f: Finding, root: Path) -> dict:
    rel = _relative(f.path, root)
    return {"code": f.code, "name": f.name, "severity": int(f.severity), "path": rel, "message": f.message,
            "fix": f.fix, "line": f.line, "column": f.column, "end_line": f.end_line,
            "end_column": f.end_column, "statement": list(f.statement) if f.statement else None,
            "source_line": f.source_line, "cause": f.cause, "fix_data": [list(p) for p in f.fix_data]}


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def decode_finding(d: dict, root: Path) -> Finding:
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
            out[rel] = hashlib.sha256(reading.read_bytes(root / rel, _MAX_INPUT_BYTES)).hexdigest()
        except OSError:
            out[rel] = "-"
    return out


_FINDING_KEYS = frozenset(("code", "name", "severity", "path", "message", "fix", "line", "column", "end_line",
                           "end_column", "statement", "source_line", "cause", "fix_data"))
_SEVERITIES = frozenset(int(s) for s in Severity)
_MAX_FINDINGS = 100_000


def _position(value: Any, lowest: int) -> bool:
    return value is None or (type(value) is int and value >= lowest)


def _valid_finding(d: Any, relpath: str) -> bool:
    """A finding as _encode writes it, about this very file, from a rule
    this gaelint has."""
    if not isinstance(d, dict) or d.keys() != _FINDING_KEYS:
        return False
    rule = registry.get(d["code"]) if isinstance(d["code"], str) else None
    statement = d["statement"]
    return (rule is not None and d["name"] == rule.name and d["severity"] in _SEVERITIES
            and type(d["severity"]) is int and d["path"] == relpath
            and isinstance(d["message"], str) and (d["fix"] is None or isinstance(d["fix"], str))
            and _position(d["line"], 1) and _position(d["end_line"], 1)
            and _position(d["column"], 0) and _position(d["end_column"], 0)
            and (statement is None or (isinstance(statement, list) and len(statement) == 2
                                       and all(_position(x, 1) and x is not None for x in statement)))
            and (d["source_line"] is None or isinstance(d["source_line"], str))
            and (d["cause"] is None or isinstance(d["cause"], str))
            and isinstance(d["fix_data"], list) and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in d["fix_data"]))


def valid_findings(value: Any, relpath: str) -> bool:
    return isinstance(value, list) and len(value) <= _MAX_FINDINGS and all(_valid_finding(d, relpath) for d in value)


def _app_path(rel: Any) -> bool:
    """A path inside the app: relative, no `..`."""
    return isinstance(rel, str) and bool(rel) and not os.path.isabs(rel) and ".." not in rel.split("/")


def valid_result(value: Any, relpath: str) -> bool:
    """A findings entry as ``put`` writes it: this file's findings, and the
    other files of the app they depend on with the hash of their bytes."""
    if not isinstance(value, dict) or value.keys() != {"findings", "deps"}:
        return False
    deps = value["deps"]
    return (isinstance(deps, dict) and len(deps) <= _MAX_FINDINGS
            and all(_app_path(k) and isinstance(v, str) for k, v in deps.items())
            and valid_findings(value["findings"], relpath))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _trust_problem(directory: Path) -> Optional[str]:
    """Why a cache directory cannot be trusted (another user's, or one that
    others may write into: they could plant entries), else None."""
    try:
        st = directory.stat()
    except FileNotFoundError:
        return None             # created on first write, with mode 0700
    except OSError as exc:
        return f"cannot use the cache directory {directory}: {exc.strerror or exc}"
    if not hasattr(os, "getuid"):
        return None             # Windows: no owner and mode bits to check
    if st.st_uid != os.getuid():
        return f"the cache directory {directory} belongs to another user: the cache is not used"
    if st.st_mode & 0o022:
        return f"the cache directory {directory} is writable by other users: the cache is not used"
    return None


class ResultCache:
    """Entries are JSON documents ``{format, key, kind, content, value}``:
    ``content`` is the SHA-256 of the bytes the value was computed from, and
    ``value`` is checked against its schema on every read, so an entry that
    is corrupt, foreign, planted or for other bytes is a miss, never a
    result."""

    MISSING = MISSING       # what get_value returns for no entry (lower stages see it here)

    def __init__(self, directory: Path, engine_key: str):
        self.directory = directory
        self.engine_key = engine_key
        self.problem = _trust_problem(directory)     # set: the cache is off (say why once)
        self._file_hashes: Optional[FileHashes] = None
        self._class_words: Optional[ClassWordsTable] = None

    @property
    def file_hashes(self) -> FileHashes:
        """Files' hashes remembered by their stat (engine.filehashes), loaded on first use."""
        if self._file_hashes is None:
            self._file_hashes = FileHashes(self.directory if self.problem is None else None)
        return self._file_hashes

    def save_file_hashes(self) -> None:
        if self._file_hashes is not None:
            self._file_hashes.save()

    def start_run(self) -> None:
        """A run begins (``--fix`` checks again in the same process): file
        hashes are taken afresh, the class words earlier runs read are given
        to the app stage (engine.classwords)."""
        self._file_hashes = None
        self._class_words = ClassWordsTable(self.directory if self.problem is None else None)

    def save_class_words(self) -> None:
        if self._class_words is not None:
            self._class_words.save()

    def key(self, data: bytes, relpath: str, app_key: str) -> str:
        h = hashlib.sha256()
        h.update(self.engine_key.encode())
        h.update(app_key.encode())
        h.update(os.fsencode(relpath) + b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get_value(self, key: str, data: Optional[bytes] = None, kind: str = "value",
                  valid: Optional[Callable[[Any], bool]] = None) -> Any:
        """The JSON value stored under ``key`` for these ``data`` (when
        given), of this ``kind`` and accepted by ``valid``; else MISSING."""
        if self.problem is not None:
            return MISSING
        try:
            doc = json.loads(reading.read_bytes(self._path(key), _MAX_ENTRY_BYTES))
        except (OSError, ValueError, RecursionError):
            return MISSING      # missing, corrupt, not a regular file: never trusted
        if not isinstance(doc, dict) or doc.keys() != {"format", "key", "kind", "content", "value"}:
            return MISSING
        if doc["format"] != FORMAT or doc["key"] != key or doc["kind"] != kind:
            return MISSING
        if data is not None and doc["content"] != content_hash(data):
            return MISSING
        value = doc["value"]
        try:
            if valid is not None and not valid(value):
                return MISSING
        except Exception:  # noqa: BLE001 - a validator tripping on a foreign value: a miss
            return MISSING
        return value

    def put_value(self, key: str, value: Any, data: Optional[bytes] = None, kind: str = "value") -> None:
        if self.problem is not None:
            return
        path = self._path(key)
        doc = {"format": FORMAT, "key": key, "kind": kind,
               "content": content_hash(data) if data is not None else None, "value": value}
        tmp = None
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh, separators=(",", ":"))
            os.replace(tmp, path)
            tmp = None
        except (OSError, TypeError, ValueError, RecursionError):
            pass            # a read-only or full cache only costs speed
        finally:
            if tmp is not None:         # never leave a half-written entry behind
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def get(self, key: str, root: Path, deps_root: Optional[Path] = None, data: Optional[bytes] = None,
            path: Optional[Path] = None) -> Optional[List[Finding]]:
        """The findings of the file ``path`` with these bytes, or None (a miss)."""
        if data is None or path is None:
            return None         # an entry is only believed for the bytes it was made from
        relpath = _relative(path, root)
        value = self.get_value(key, data, "findings", lambda v: valid_result(v, relpath))
        try:
            if value is MISSING or dependency_hashes(deps_root or root, value["deps"]) != value["deps"]:
                return None
            return [decode_finding(d, root) for d in value["findings"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, key: str, root: Path, findings: List[Finding], deps: Optional[Dict[str, str]] = None,
            data: Optional[bytes] = None, path: Optional[Path] = None) -> None:
        """``deps``: {relative path: hash} of the other files the findings
        depend on (:func:`dependency_hashes`); ``data``, ``path``: the file's
        bytes and path (an entry is bound to them)."""
        if data is None or path is None:
            return
        value = {"findings": [encode_finding(f, root) for f in findings], "deps": deps or {}}
        if valid_result(value, _relative(path, root)):    # e.g. a finding about another file: not cached
            self.put_value(key, value, data, "findings")

    def fact_key(self, name: str, data: bytes) -> str:
        """Key of a fact derived from one file's bytes alone."""
        h = hashlib.sha256(f"{self.engine_key}|fact|{name}|".encode())
        h.update(data)
        return h.hexdigest()
