"""GAE401-GAE403: bytecode in what gets uploaded.

The deploy set decides (skip_files, its default, or .gcloudignore): a
``.pyc`` that is not uploaded cannot be imported in production, a ``.pyc``
that is uploaded must be Python 2.7 bytecode, and should not sit beside its
``.py``. Python 3's ``__pycache__`` files are never imported by Python 2.7
and are left alone. With ``--all-files`` these rules still judge the real
deploy set, since they are about what is uploaded.
"""
from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import List

from gaelint import registry
from gaelint.app import deployset, discovery, untracked
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import DEFAULT_APP_YAML, AppRule, Invalid, Valid

from .bytecode import PY27_MAGIC, in_pycache, read_pyc, zip_pycs

# An app.yaml whose skip_files keeps dotfiles and backups out but uploads .pyc.
_UPLOAD_PYC = """\
runtime: python27
api_version: 1
threadsafe: true
handlers:
- url: /.*
  script: main.app
skip_files:
- ^(.*/)?\\..*$
- ^(.*/)?.*~$
"""


def _s(data: bytes) -> bytes:
    return b"s" + struct.pack("<i", len(data)) + data


def _t(*items: bytes) -> bytes:
    return b"(" + struct.pack("<i", len(items)) + b"".join(items)


# A real Python 2.7 module (`VERSION = '1.0'`) for the examples: header,
# then one code object in 2.7's marshal format.
PY27_EXAMPLE = (b"\x03\xf3\r\n" + b"\0\0\0\0" + b"c" + struct.pack("<iiii", 0, 0, 1, 0x40)
                + _s(b"d\x00\x00Z\x00\x00d\x01\x00S") + _t(_s(b"1.0"), b"N") + _t(_s(b"VERSION"))
                + _t() + _t() + _t() + _s(b"settings.py") + _s(b"<module>") + struct.pack("<i", 1) + _s(b""))
# Python 3.8 bytecode (magic 3413, 16-byte header); the body does not matter.
PY38_EXAMPLE = (3413).to_bytes(2, "little") + b"\r\n" + b"\0" * 12 + b"\xe3" + b"\0" * 40


def deploy_of(app):
    """The deploy set as uploaded, also under --all-files."""
    if app.deploy.mechanism == "all_files":
        return deployset.deploy_set(app.app, all_files=False)
    return app.deploy


def _nested_app(app, directory: Path) -> bool:
    """Whether a directory below the app root is an app of its own (its
    files are checked with that app, not this one)."""
    cache = app.memo("deployment.nested", dict)
    if directory not in cache:
        try:
            names = os.listdir(directory)
        except OSError:
            names = []
        cache[directory] = discovery.detect(str(directory), names) is not None
    return cache[directory]


def own_files(app, deploy, files, suffix: str) -> List[str]:
    """Relative paths of files ending in ``suffix`` that belong to this app."""
    out = []
    for path in files:
        rel = deploy.relpath(path)
        if not rel.endswith(suffix) or in_pycache(rel):
            continue
        parts = rel.split("/")[:-1]
        if any(_nested_app(app, deploy.root.joinpath(*parts[:i])) for i in range(1, len(parts) + 1)):
            continue
        out.append(rel)
    return out


def _pycs(app, deploy, files) -> List[str]:
    return own_files(app, deploy, files, ".pyc")


PYC_PATTERN = r"^(.*/)?.*\.py[co]$"
DEFAULT_SKIP_ENTRIES = table("app_yaml")["default_skip_files"]["entries"]


def _except(regex: str, rel: str) -> str:
    """``regex``, no longer matching the path ``rel``."""
    keep = f"(?!{re.escape(rel)}$)"
    return "^" + keep + regex[1:] if regex.startswith("^") else keep + regex


def _editable(app) -> bool:
    return app.config is not None and app.config.error is None


def _skip_entries(doc) -> list:
    current = doc.get("skip_files")
    if current is not None and not isinstance(current, (list, str)):
        raise ValueError("skip_files: is neither a regular expression nor a list of them")
    return [] if current is None else ([current] if isinstance(current, str) else list(current))


def _matches(regex: str, rel: str) -> bool:
    try:
        return re.match(regex, rel) is not None
    except re.error:
        return False


def _loadable_py27(path: Path) -> bool:
    info = read_pyc(path)[0]
    return info is not None and info.python27 and not info.problem


def _excluded_by(app, deploy, rel: str) -> str:
    """Which part of the configuration leaves ``rel`` out, in words."""
    if deploy.mechanism == "gcloudignore":
        return "`.gcloudignore` excludes it"
    if deploy.mechanism == "default_skip_files":
        return "the default skip_files excludes every .pyc"
    config = app.config
    for entry in (config.skip_files or []) if config is not None else []:
        if deployset.entry_matches(entry, rel):     # time-bounded: the pattern is the app's own
            return f"skip_files entry `{entry.regex}` (app.yaml line {entry.line}) excludes it"
    return "skip_files excludes it"


class PyPycDuplicate(AppRule):
    reports_on = (".pyc", ".pyo")
    code = "GAE401"
    name = "py-pyc-duplicate"
    severity = Severity.WARNING
    summary = "A .pyc is uploaded beside its .py."
    message = "`{pyc}` is uploaded together with `{py}` ({why})"
    fix = ("Upload only one of them: delete `{pyc}`, or exclude .pyc files again "
           "(`^(.*/)?.*\\.py[co]$` in skip_files, `*.pyc` in .gcloudignore)")
    what = """
        A `foo.pyc` and its `foo.py` both in the deploy set. The default `skip_files` never
        uploads `.pyc` files; this happens when `skip_files` is overridden (or a
        `.gcloudignore` is used) without excluding them. The finding is on the `.pyc` file.
        Archives are fine: a `.zip` may hold both.
    """
    why = """
        The python27 docs: "Can upload .pyc files, but not in combination with .py files.
        However, you can upload .zip files containing .py or .pyc files (or a combination)."
        appcfg.py refused to upload such a `.pyc` ("Cannot upload both <filename>.py and
        <filename>.pyc"); gcloud uploads both, and Python 2.7 then runs whichever its mtime
        check picks, possibly stale bytecode of an older `.py`.
    """
    how_to_fix = """
        Delete the `.pyc` from the app directory, or restore the `.pyc` exclusion in
        `skip_files` (`- ^(.*/)?.*\\.py[co]$`) or in `.gcloudignore` (`*.pyc`).
    """
    sources = ("appcfg.py FileIterator L2607-2652 and the 'Using Python 2.7' docs on bytecode upload (gae-facts §3)",)
    fixable = ("excludes .pyc files again: `^(.*/)?.*\\.py[co]$` in skip_files (`*.pyc` in .gcloudignore), or only "
               "the pairs' .pyc files when a module is uploaded as bytecode alone")
    INVALID = (Invalid("# the app has settings.py and settings.pyc\n" + _UPLOAD_PYC, path="app.yaml", lines=(None,),
                       files={"settings.py": "VERSION = '1.0'\n", "settings.pyc": PY27_EXAMPLE},
                       fixed="# the app has settings.py and settings.pyc\n" + _UPLOAD_PYC + "- ^(.*/)?.*\\.py[co]$\n"),
               Invalid("# fastjson.pyc has no .py: only the pair's .pyc is excluded\n" + _UPLOAD_PYC, path="app.yaml",
                       lines=(None,), files={"settings.py": "VERSION = '1.0'\n", "settings.pyc": PY27_EXAMPLE,
                                             "fastjson.pyc": PY27_EXAMPLE},
                       fixed="# fastjson.pyc has no .py: only the pair's .pyc is excluded\n" + _UPLOAD_PYC
                       + "- ^settings\\.pyc$\n"),
               Invalid("import settings\n", files={".gcloudignore": "# sources only\n.git\n",
                                                    "settings.py": "VERSION = '1.0'\n", "settings.pyc": PY27_EXAMPLE},
                       path="main.py", lines=(None,), fixed="# sources only\n.git\n*.pyc\n", fixed_path=".gcloudignore"))
    VALID = (Valid(_UPLOAD_PYC + "- ^(.*/)?.*\\.py[co]$  # keep .pyc files out again\n", path="app.yaml",
                   files={"settings.py": "VERSION = '1.0'\n", "settings.pyc": PY27_EXAMPLE}),)

    def check_app(self, app) -> None:
        deploy = deploy_of(app)
        why = {"gcloudignore": ".gcloudignore does not exclude .pyc files",
               "skip_files": "skip_files does not exclude .pyc files"}.get(deploy.mechanism, "both are uploaded")
        pycs = _pycs(app, deploy, deploy.files)
        # a module uploaded as bytecode alone must stay uploaded
        alone = any(not deploy.is_deployed(rel[:-1]) for rel in pycs)
        for rel in pycs:
            if deploy.is_deployed(rel[:-1]):
                fix_data = None
                if deploy.mechanism == "skip_files" and _editable(app):
                    fix_data = {"skip_files": "^" + re.escape(rel) + "$" if alone else PYC_PATTERN}
                elif deploy.mechanism == "gcloudignore":
                    fix_data = {"gcloudignore": "/" + rel if alone else "*.pyc"}
                app.report(self, deploy.root / rel, pyc=rel, py=rel[:-1], why=why, fix_data=fix_data)

    @classmethod
    def fix_app_yaml(cls, finding, app):
        pattern = finding.fix_value("skip_files")
        if pattern is not None:
            doc = app.yaml()
            current = doc.get("skip_files")
            if pattern in _skip_entries(doc):
                return None
            if isinstance(current, str):
                doc.set((), "skip_files", [str(current), pattern])
            else:
                doc.append(("skip_files",), pattern)
            return f"added `{pattern}` to skip_files:"
        ignore = finding.fix_value("gcloudignore")
        lines = app.lines(app.root / ".gcloudignore")
        if ignore in [line.strip() for line in lines.lines]:
            return None
        lines.append(ignore)
        return f"added `{ignore}` to .gcloudignore"


class PycWrongPython(AppRule):
    reports_on = (".pyc", ".pyo", ".zip")   # a .pyc, or the zip holding it
    code = "GAE402"
    name = "pyc-wrong-python"
    severity = Severity.ERROR
    summary = "An uploaded .pyc was not compiled by Python 2.7."
    message = "{pyc} was compiled by {version} (magic number {magic}), not Python 2.7 ({expected}){consequence}"
    fix = "Recompile it with Python 2.7 (`python2.7 -m compileall`), or upload the .py instead"
    what = """
        Every `.pyc` in the deploy set, and every `.pyc` inside an uploaded `.zip`
        archive, is read for its magic number. Anything but Python 2.7's 62211
        (`03 f3 0d 0a`) is reported, naming the Python that wrote it (2.5, 2.6, 3.x, a
        pre-release...). With the `.py` uploaded too the finding is a warning (Python 2.7
        ignores the bytecode); alone it is an error. A `.pyc` that no Python could load
        (truncated, not bytecode at all) is reported as GAE001. Python 3 `__pycache__`
        files are ignored: Python 2.7 never looks there.
    """
    why = """
        The python27 runtime is CPython 2.7: it checks the magic number of a `.pyc` before
        loading it. Bytecode of any other version fails with `ImportError: Bad magic
        number`, or is silently skipped in favour of the `.py` when there is one.
    """
    how_to_fix = "Upload the `.py` source, or compile with Python 2.7 (`python2.7 -m compileall -l .`)."
    sources = ("gae-facts §3: magic numbers of every CPython release (CPython importlib 'Known values')",)
    INVALID = (Invalid("# uploads fastjson.pyc, compiled by Python 3.8\n" + _UPLOAD_PYC, path="app.yaml",
                       files={"fastjson.pyc": PY38_EXAMPLE}, lines=(None,)),)
    VALID = (Valid("# uploads settings.pyc, compiled by Python 2.7\n" + _UPLOAD_PYC, path="app.yaml",
                   files={"settings.pyc": PY27_EXAMPLE}),)

    def check_app(self, app) -> None:
        deploy = deploy_of(app)
        unparsable = registry.get("GAE001")
        for rel in _pycs(app, deploy, deploy.files):
            path = deploy.root / rel
            info, error = read_pyc(path)
            has_py = deploy.is_deployed(rel[:-1])
            if info is None:
                app.report(unparsable, path, message=f"cannot analyse `{rel}`: {error}")
                continue
            self._one(app, unparsable, path, rel, info, has_py, f"`{rel}`")
        for zip_rel in own_files(app, deploy, deploy.files, ".zip"):
            path = deploy.root / zip_rel
            for member, info, has_py in zip_pycs(path):
                self._one(app, unparsable, path, zip_rel, info, has_py, f"`{member}` in `{zip_rel}`")

    def _one(self, app, unparsable, path: Path, rel: str, info, has_py: bool, shown: str) -> None:
        source = shown.replace(".pyc`", ".py`", 1)
        if info.magic is None or (info.problem and info.python27):
            app.report(unparsable, path, message=f"{shown} is not loadable bytecode: {info.problem}",
                       fix="Recompile it with Python 2.7 or upload the .py; delete it if it is a stray file")
            return
        if info.python27:
            return
        version = f"Python {info.version}" if info.version and info.version[0].isdigit() else (
            info.version or "an unknown Python")
        if has_py:
            consequence = f": Python 2.7 ignores it and compiles {source} instead"
            severity = Severity.WARNING
        else:
            consequence = f", and no {source} is uploaded: the import fails with 'Bad magic number'"
            severity = None
        if info.problem:
            consequence += f" ({info.problem})"
        app.report(self, path, severity=severity, pyc=shown, version=version, magic=info.magic,
                   expected=PY27_MAGIC, consequence=consequence)


class PycNotDeployed(AppRule):
    reports_on = (".pyc", ".pyo")
    code = "GAE403"
    name = "pyc-not-deployed"
    severity = Severity.ERROR
    summary = "A .pyc without its .py that the deploy does not upload."
    message = ("`{pyc}` has no `{py}` beside it and is not uploaded ({why}): "
               "`{module}` will be missing in production{stale}")
    fix = "Commit `{py}`, or override skip_files so that `{pyc}` is uploaded (and make sure it is Python 2.7 bytecode)"
    what = """
        A `.pyc` with no `.py` beside it that the deploy leaves out: the default
        `skip_files` excludes every `.pyc`, and so may an app's own `skip_files` or
        `.gcloudignore`. The module imports locally and is missing in production. When
        no uploaded file even mentions the module's name, it is probably a leftover of a
        deleted module and the finding is only info. A `.pyc` skipped beside its `.py` is
        fine.
    """
    why = """
        `DEFAULT_SKIP_FILES` contains `(.*\\.py[co])`; only uploaded files exist in
        production, so `import module` raises ImportError there. dev_appserver hides the
        problem only when the `.py` exists.
    """
    how_to_fix = """
        Commit the `.py` source. If only bytecode can be shipped, override `skip_files`
        (it replaces the default, so keep the other patterns) to upload that `.pyc`, and
        make sure it was compiled by Python 2.7.
    """
    sources = ("appinfo.py DEFAULT_SKIP_FILES; sandbox.py PathRestrictingImportHook (gae-facts §3)",)
    fixable = ("with `--unsafe-fixes`, uploads the .pyc (Python 2.7 bytecode only, and not a leftover): skip_files "
               "then excludes every .pyc but that one")
    INVALID = (Invalid("import fastjson\n", files={"fastjson.pyc": PY27_EXAMPLE}, lines=(None,),
                       fixed=DEFAULT_APP_YAML + "\nskip_files:\n- ^(.*/)?#.*#$\n- ^(.*/)?.*~$\n"
                       "- ^(?!fastjson\\.pyc$)(.*/)?.*\\.py[co]$\n- ^(.*/)?.*/RCS/.*$\n- ^(.*/)?\\..*$\n"),)
    VALID = (Valid("import settings\n", files={"settings.py": "VERSION = '1.0'\n", "settings.pyc": PY27_EXAMPLE}),
             Valid("import settings\n", app_yaml=_UPLOAD_PYC, files={"settings.pyc": PY27_EXAMPLE}))

    def check_app(self, app) -> None:
        deploy = deploy_of(app)
        for rel in _pycs(app, deploy, deploy.skipped):
            py = rel[:-1]
            if untracked.exists_in(app, deploy.root / py):      # not deployed: recorded for the snapshot
                continue
            parts = py[:-3].split("/")
            leaf = parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            stale, severity = "", None
            if not _mentioned(app, deploy, leaf):
                stale = (f" [info: no uploaded file mentions `{leaf}`, "
                         "so it is probably left over from a deleted module]")
                severity = Severity.INFO
            fix_data = None
            if (not stale and deploy.mechanism in ("skip_files", "default_skip_files") and _editable(app)
                    and _loadable_py27(deploy.root / rel)):
                fix_data = {"pyc": rel, "unsafe": "yes"}     # uploads bytecode: a choice the author makes
            app.report(self, deploy.root / rel, severity=severity, pyc=rel, py=py, module=module,
                       why=_excluded_by(app, deploy, rel), stale=stale, fix_data=fix_data)

    @classmethod
    def fix_app_yaml(cls, finding, app):
        rel = finding.fix_value("pyc")
        doc = app.yaml()
        current = doc.get("skip_files")
        if current is None:
            entries = [_except(regex, rel) if _matches(regex, rel) else regex for regex in DEFAULT_SKIP_ENTRIES]
            doc.set((), "skip_files", entries)
            return f"wrote skip_files: (the default), except `{rel}`"
        changed = 0
        for index, regex in enumerate(_skip_entries(doc)):
            if _matches(regex, rel):
                changed += 1
                if isinstance(current, str):
                    doc.set((), "skip_files", _except(regex, rel))
                else:
                    doc.set(("skip_files",), index, _except(regex, rel))
        return f"skip_files: no longer excludes `{rel}`" if changed else None


def _mentioned(app, deploy, name: str) -> bool:
    def texts():
        out = []
        for path in deploy.files:
            if path.suffix in (".py", ".yaml", ".yml"):
                try:
                    out.append(path.read_bytes())
                except OSError:
                    continue
        return out
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    return any(word.search(text) for text in app.memo("deployment.texts", texts))
