"""GAE201: writes to the local filesystem (read-only on App Engine).

The knowledge (which openers take which mode argument, which os/shutil/
tempfile functions write) is the data table gaelint/data/filesystem.json;
this module only matches calls against it.
"""
from __future__ import annotations

import libcst as cst

from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid

FACTS = table("filesystem")
OPENERS = FACTS["openers"]
WRITERS = FACTS["writers"]
FILE_HANDLERS = frozenset(FACTS["file_handlers"])
OS_WRITE_FLAGS = frozenset(f"os.{n}" for n in FACTS["os_open_write_flags"])


def _leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _flag_names(ctx, expr) -> set:
    """Qualified names OR-ed together in an os.open flags expression."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return _flag_names(ctx, expr.left) | _flag_names(ctx, expr.right)
    q = ctx.qualname(expr)
    return {q} if q else set()


def _is_path(ctx, expr) -> bool:
    """True when ``expr`` is evidently a filesystem path (a string literal or
    constant, string formatting, an os.path result); objects such as
    StringIO buffers or Cloud Storage files, and unknown parameters, are not."""
    if isinstance(ctx.literal(expr), str):
        return True
    if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Modulo, cst.Add)):
        return any(isinstance(ctx.literal(side), str) or isinstance(side, cst.SimpleString)
                   for side in (expr.left, expr.right))
    origin = ctx.origin(expr)
    return bool(origin) and (origin.startswith("os.path.") or origin in ("os.getcwd", "os.getcwdu"))


class FilesystemWrite(SourceRule):
    code = "GAE201"
    name = "filesystem-write"
    severity = Severity.ERROR
    summary = "Writes to the local filesystem, which is read-only on App Engine."
    message = "{what}"
    fix = ("The filesystem is read-only: keep data in Datastore/NDB, Cloud Storage (cloudstorage.open) or memcache, "
           "and scratch data in StringIO/io.BytesIO")
    what = """
        Anything that writes to the local filesystem: `open`/`file`/`io.open`/`codecs.open`
        with a mode containing `w`, `a`, `x` or `+`; `os.open` with write flags; the `os`
        writers (`remove`, `rename`, `mkdir`, `makedirs`, `chmod`, `symlink`, `utime`, ...);
        `shutil` copy/move/rmtree/make_archive; `tempfile` except `TemporaryFile`;
        `logging.FileHandler` and its subclasses (and `logging.basicConfig(filename=...)`);
        `sqlite3.connect` to a file; `shelve`/`anydbm`/`dbm`/`dumbdbm`/`gdbm` opened for
        writing; `zipfile.ZipFile`, `tarfile.open`, `gzip.open`, `bz2.BZ2File` opened on a
        path for writing. Modes and paths are resolved through literals and constants; a
        mode held in a parameter is not guessed at.

        Not flagged: in-memory objects (`StringIO`, `io.BytesIO`), archives written into
        them, Cloud Storage clients (`cloudstorage.open(..., 'w')`, `gcs.open`), or any
        `.open` that is not the builtin or stdlib one; `tempfile.TemporaryFile` (in memory
        on App Engine); `sqlite3.connect(':memory:')`.
    """
    why = """
        The python27 sandbox replaces `open`/`file` with a read-only `FakeFile`: modes other
        than `r`, `rb`, `U`, `rU` raise `IOError(EROFS, 'Read-only file system')`. `os`
        functions that write are stubbed and raise `OSError(ENOSYS)` (or `EROFS`), and
        `tempfile` only offers `TemporaryFile`, backed by `StringIO`. There is no writable
        directory, not even `/tmp`.
    """
    how_to_fix = """
        Store data in Datastore/NDB, Cloud Storage (`cloudstorage.open(path, 'w')`), the
        Blobstore or memcache; build scratch files in `StringIO`/`io.BytesIO`; log with the
        `logging` module's default handler (App Engine collects it).
    """
    sources = (
        "SDK devappserver2/python/runtime/stubs.py FakeFile (ALLOWED_MODES) and sandbox.py os policy (gae-facts §8, §1.4)",
        "SDK dist/tempfile.py (classic): only TemporaryFile, in memory (gae-facts §1.3)",
        "https://cloud.google.com/appengine/docs/python/runtime (the sandbox: 'cannot write data to the local file system')",
    )
    triggers = tuple(sorted({_leaf(n) for n in [*OPENERS, *WRITERS, *FILE_HANDLERS]} |
                            {"open", "basicConfig", "sqlite3", "Handler"}))

    VALID = (
        Valid("""
            import StringIO, tempfile, io
            import cloudstorage
            data = open('templates/index.html').read()
            with open('config.json', 'rb') as fh:
                config = fh.read()
            buf = StringIO.StringIO()
            buf.write('report')
            scratch = tempfile.TemporaryFile()
            out = io.BytesIO()
            with cloudstorage.open('/bucket/report.csv', 'w') as gcs_file:
                gcs_file.write('a,b')
            """),
        Valid("""
            import sqlite3, zipfile, StringIO
            db = sqlite3.connect(':memory:')
            buf = StringIO.StringIO()
            archive = zipfile.ZipFile(buf, 'w')
            """),
        Valid("""
            class Storage(object):
                def open(self, name, mode='r'):
                    return None
            Storage().open('x', 'w')
            def save(path, mode):
                return open(path, mode)
            """),
    )
    INVALID = (
        Invalid("""
            import os, shutil, tempfile, logging
            fh = open('/tmp/upload.dat', 'wb')
            log = file('app.log', 'a')
            os.makedirs('cache')
            shutil.rmtree('cache')
            path = tempfile.mkdtemp()
            handler = logging.FileHandler('app.log')
            """, lines=(2, 3, 4, 5, 6, 7)),
        Invalid("""
            import os, io, codecs
            MODE = 'w'
            io.open('out.txt', MODE)
            codecs.open('out.txt', mode='a+', encoding='utf-8')
            fd = os.open('lock', os.O_CREAT | os.O_WRONLY)
            """, lines=(3, 4, 5)),
        Invalid("""
            import logging.handlers, sqlite3, shelve, zipfile
            class Rotating(logging.handlers.RotatingFileHandler):
                pass
            h = Rotating('x.log')
            logging.basicConfig(filename='app.log')
            db = sqlite3.connect('data.db')
            store = shelve.open('cache.db')
            zipfile.ZipFile('out.zip', 'w')
            """, lines=(4, 5, 6, 7, 8)),
        Invalid("""
            from os import *
            unlink('stale.lock')
            """, lines=(2,)),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name is None:
            lineage = ctx.lineage(node.func)
            if any(base in FILE_HANDLERS for base in lineage):
                self._report(ctx, node, f"`{ctx.dotted(node.func)}()` is a logging.FileHandler subclass: it opens a log file for writing")
            return
        shown = ctx.dotted(node.func) or name
        spec = OPENERS.get(name)
        if spec is not None:
            self._opener(ctx, node, name, shown, spec)
        elif name in WRITERS:
            self._report(ctx, node, f"`{shown}()` {WRITERS[name]} on the local filesystem")
        elif name in FILE_HANDLERS:
            self._report(ctx, node, f"`{shown}()` opens a log file for writing")
        elif name == "logging.basicConfig" and ctx.arg(node, keyword="filename") is not None:
            self._report(ctx, node, "`logging.basicConfig(filename=...)` logs to a file")
        elif name == "os.open":
            flags = ctx.arg(node, 1, "flags")
            found = sorted(_leaf(f) for f in _flag_names(ctx, flags) & OS_WRITE_FLAGS) if flags is not None else []
            if found:
                self._report(ctx, node, f"`{shown}()` with {' | '.join(found)} opens a file for writing")
        elif name == "sqlite3.connect":
            target = ctx.literal(ctx.arg(node, 0, "database"))
            if isinstance(target, str) and target != ":memory:" and not target.startswith("file::memory:"):
                self._report(ctx, node, f"`{shown}({target!r})` opens a database file for writing")

    def _opener(self, ctx, node, name, shown, spec) -> None:
        position, keyword = spec["mode"]
        expr = ctx.arg(node, position, keyword)
        mode = spec["default"] if expr is None else ctx.literal(expr)
        if not isinstance(mode, str):
            return          # mode held in a variable or parameter: do not guess
        chars = spec.get("write_chars", FACTS["write_mode_chars"])
        if not any(c in mode for c in chars):
            return
        if "path" in spec:
            p_pos, p_kw = spec["path"]
            target = ctx.arg(node, p_pos, p_kw)
            if target is None or not _is_path(ctx, target):
                return      # writing into a file object (StringIO, a GCS file) or unknown: not a path
        how = f"mode {mode!r}" + (" (the default)" if expr is None else "")
        self._report(ctx, node, f"`{shown}()` opens a file for writing ({how})")

    def _report(self, ctx, node, what: str) -> None:
        ctx.report(self, node, what=what)
