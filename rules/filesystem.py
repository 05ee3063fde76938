"""GAE201: writes to the local filesystem (read-only on App Engine).

The knowledge (which openers take which mode argument, which os/shutil/
tempfile functions write, which library methods write for the caller, how
logging configs name their handlers) is the data table
gaelint/data/filesystem.json; this module only matches calls against it.
"""
from __future__ import annotations

from typing import Optional

from gaelint.lazycst import cst

from gaelint.analysis import trigger_modules
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid

from . import logging_configs

FACTS = table("filesystem")
OPENERS = FACTS["openers"]
WRITERS = FACTS["writers"]
FILE_HANDLERS = frozenset(FACTS["file_handlers"])
OS_WRITE_FLAGS = frozenset(f"os.{n}" for n in FACTS["os_open_write_flags"])
METHODS = {k: v for k, v in FACTS["methods"].items() if k != "source"}
RECEIVERS = {k: v for k, v in FACTS["receivers"].items() if k != "source"}
METHOD_NAMES = frozenset(m for methods in METHODS.values() for m in methods)
FILE_ARGUMENTS = {k: v for k, v in FACTS["file_arguments"].items() if k != "source"}
PATH_PRODUCERS = frozenset(FACTS["path_producers"])
FILE_CONFIG = frozenset(FACTS["logging_config"]["file_config"])
DICT_CONFIG = frozenset(FACTS["logging_config"]["dict_config"])


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
    return bool(origin) and (origin.startswith("os.path.") or origin in PATH_PRODUCERS)


def _receiver(ctx, expr) -> Optional[str]:
    """What kind of object a method is called on (METHODS' keys)."""
    origin = ctx.origin(expr)
    return RECEIVERS.get(origin, origin) if origin else None


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
        path for writing. Library methods that write for the caller: werkzeug
        `FileStorage.save(path)` (`request.files['f'].save(...)`), `ZipFile`/`TarFile`
        `extract`/`extractall`, `pstats.Stats`/`cProfile.Profile` `dump_stats`,
        `cProfile.run(..., filename)`; `logging.config.fileConfig` of an ini file in the
        app and `logging.config.dictConfig` that install a `FileHandler`.

        Modes and paths are resolved through literals, constants (also of the app's
        settings modules), class attributes, `self.` attributes, and the values every call
        of a function in the module passes for a parameter (`def write(path, mode)` called
        as `write('out.bin', 'wb')`). A mode that only some of its possible values make a
        write (`'r' if dry_run else 'w'`, a parameter its callers pass 'r' and 'w') is a
        warning; a mode gaelint cannot resolve is not guessed at.

        Not flagged: in-memory objects (`StringIO`, `io.BytesIO`), archives and gzip
        streams written into them (`gzip.GzipFile(filename=name, fileobj=buf)`,
        `tarfile.open(fileobj=buf)`), Cloud Storage clients (`cloudstorage.open(..., 'w')`,
        `gcs.open`), or any `.open` that is not the builtin or stdlib one;
        `tempfile.TemporaryFile` (in memory on App Engine); `sqlite3.connect(':memory:')`;
        `FileStorage.save(stream)`.
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
    triggers = tuple(sorted({_leaf(n) for n in [*OPENERS, *WRITERS, *FILE_HANDLERS, *FILE_ARGUMENTS,
                                                *FILE_CONFIG, *DICT_CONFIG]}
                            | METHOD_NAMES
                            | {"open", "basicConfig", "sqlite3", "Handler"}))
    # Every name above is resolved from an import of the file (or is a
    # builtin): `copy`, `run`, `save` count only beside their modules.
    module_triggers = trigger_modules.module_triggers(
        [*OPENERS, *WRITERS, *FILE_HANDLERS, *FILE_ARGUMENTS, *FILE_CONFIG, *DICT_CONFIG,
         "logging.basicConfig", "logging.Handler", "os.open", "sqlite3"],
        methods={m: [r for r in METHODS if m in METHODS[r]]
                 + [k for k, v in RECEIVERS.items() if m in METHODS.get(v, ())]
                 for m in METHOD_NAMES},
        builtin_modes={_leaf(name): trigger_modules.ModeArgument(
            *OPENERS[name]["mode"], OPENERS[name]["default"],
            OPENERS[name].get("write_chars", FACTS["write_mode_chars"]))
            for name in ("__builtin__.open", "__builtin__.file")})

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
        Valid("""
            import gzip, tarfile, zipfile, StringIO
            def compress(data):
                buf = StringIO.StringIO()
                gz = gzip.GzipFile(filename='report.csv', mode='wb', fileobj=buf)
                gz.write(data)
                gz.close()
                legacy = StringIO.StringIO()
                gzip.GzipFile('', 'wb', 9, legacy).write(data)
                return buf.getvalue()
            def bundle(stream, names):
                archive = zipfile.ZipFile(stream, 'w')
                tar = tarfile.open(fileobj=stream, mode='w:gz')
                return archive, tar
            """, note="archives written into the stream they are handed"),
        Valid("""
            import logging.config, StringIO
            from flask import request
            def read_upload():
                buf = StringIO.StringIO()
                request.files['attachment'].save(buf)
                return buf.getvalue()
            def write_rows(path, mode):
                return open(path, mode)
            EXPORTERS = {'csv': write_rows}
            write_rows('rows.csv', 'w')
            logging.config.fileConfig('logging.conf')
            """, files={"logging.conf": "[loggers]\nkeys=root\n\n[handlers]\nkeys=console\n\n"
                                       "[formatters]\nkeys=\n\n[logger_root]\nhandlers=console\n\n"
                                       "[handler_console]\nclass=StreamHandler\nargs=(sys.stderr,)\n"},
            note="an upload saved into a buffer; a function also used as a callback; a console-only logging config"),
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
        Invalid("""
            def save_report(path, mode):
                with open(path, mode) as fh:
                    fh.write('date,total\\n')
            def audit_log(fresh):
                return open('audit.log', 'w' if fresh else 'a')
            class Exporter(object):
                def __init__(self, path, mode='wb'):
                    self.path = path
                    self.mode = mode
                def save(self, data):
                    with open(self.path, self.mode) as out:
                        out.write(data)
            save_report('report.csv', 'wb')
            Exporter('export.bin').save('payload')
            """, lines=(2, 5, 11), note="values through calls, conditional expressions and self attributes"),
        Invalid("""
            def load_cache(path, mode):
                return open(path, mode)
            cache = load_cache('cache.json', 'r')
            fresh = load_cache('cache.json', 'w')
            """, lines=(2,), severity=Severity.WARNING, note="only one of the modes callers pass writes: a warning"),
        Invalid("""
            import os, zipfile, cProfile, pstats
            from flask import Flask, request
            app = Flask(__name__)
            @app.route('/upload', methods=['POST'])
            def upload():
                attachment = request.files['attachment']
                attachment.save(os.path.join('uploads', attachment.filename))
                return 'ok'
            def unpack(path):
                with zipfile.ZipFile(path) as archive:
                    archive.extractall('data')
            def profile(handler):
                prof = cProfile.Profile()
                prof.runcall(handler)
                prof.dump_stats('handler.prof')
                pstats.Stats(prof).sort_stats('cumulative').dump_stats('sorted.prof')
            """, lines=(7, 11, 15, 16), note="library methods that write for the caller"),
        Invalid("""
            import logging.config
            logging.config.fileConfig('logging.conf')
            logging.config.dictConfig({
                'version': 1,
                'handlers': {'file': {'class': 'logging.handlers.RotatingFileHandler', 'filename': 'app.log'}},
                'root': {'handlers': ['file'], 'level': 'INFO'},
            })
            """, files={"logging.conf": "[loggers]\nkeys=root\n\n[handlers]\nkeys=console,file\n\n"
                                       "[formatters]\nkeys=plain\n\n[logger_root]\nlevel=INFO\n"
                                       "handlers=console,file\n\n[handler_console]\nclass=StreamHandler\n"
                                       "args=(sys.stderr,)\n\n[handler_file]\nclass=FileHandler\n"
                                       "args=('app.log', 'a')\n\n[formatter_plain]\nformat=%(message)s\n"},
            lines=(2, 3), note="logging configs that install a FileHandler"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name is None or name not in OPENERS and name not in WRITERS and name not in FILE_HANDLERS:
            lineage = ctx.lineage(node.func)[1 if name else 0:]   # a subclass, here or in an app module
            base = next((b for b in lineage if b in FILE_HANDLERS), None)
            if base is not None:
                self._report(ctx, node, f"`{ctx.dotted(node.func)}()` is a {base} subclass: it opens a log file for writing")
                return
        if name is None:
            if isinstance(node.func, cst.Attribute):
                self._method(ctx, node, node.func)
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
        elif name in FILE_ARGUMENTS:
            target = ctx.arg(node, *FILE_ARGUMENTS[name])
            if target is not None and _is_path(ctx, target):
                self._report(ctx, node, f"`{shown}()` with a filename writes profile statistics to a file")
        elif name in FILE_CONFIG:
            self._file_config(ctx, node, shown)
        elif name in DICT_CONFIG:
            self._dict_config(ctx, node, shown)
        elif isinstance(node.func, cst.Attribute):
            self._method(ctx, node, node.func)

    def _method(self, ctx, node, func: cst.Attribute) -> None:
        """A library method that writes for its caller, on an object whose
        type is known (never a bare method name)."""
        if func.attr.value not in METHOD_NAMES:
            return
        receiver = _receiver(ctx, func.value)
        spec = METHODS.get(receiver, {}).get(func.attr.value) if receiver else None
        if spec is None:
            return
        if "path" in spec:
            target = ctx.arg(node, *spec["path"])
            if target is None or not _is_path(ctx, target):
                return      # saved into a stream, or a destination gaelint cannot resolve
        shown = ctx.dotted(func)
        if not shown or shown.startswith("."):      # a method of a call's result
            shown = " ".join(ctx.module.code_for_node(func).split())
        if len(shown) > 48:
            shown = "..." + shown[-45:]
        self._report(ctx, node, f"`{shown}()` {spec['what']} ({receiver})")

    def _opener(self, ctx, node, name, shown, spec) -> None:
        position, keyword = spec["mode"]
        expr = ctx.arg(node, position, keyword)
        modes = (spec["default"],) if expr is None else ctx.values(expr)
        if not modes or not all(isinstance(m, str) for m in modes):
            return          # mode held in a variable or parameter: do not guess
        chars = spec.get("write_chars", FACTS["write_mode_chars"])
        writing = [m for m in modes if any(c in m for c in chars)]
        if not writing:
            return
        if "stream" in spec:
            stream = ctx.arg(node, *spec["stream"])
            if stream is not None and ctx.literal(stream) is not None:
                return      # GzipFile(name, 'wb', 9, buf): writes into the stream it is handed
        if "path" in spec:
            p_pos, p_kw = spec["path"]
            target = ctx.arg(node, p_pos, p_kw)
            if target is None or not _is_path(ctx, target):
                return      # writing into a file object (StringIO, a GCS file) or unknown: not a path
        how = "mode " + " or ".join(repr(m) for m in modes) + (" (the default)" if expr is None else "")
        if isinstance(expr, cst.Name) and any(b.kind == "param" for b in ctx.bindings(expr.value)):
            how += f", the value{'s' if len(modes) > 1 else ''} this module's calls pass for `{expr.value}`"
        if len(writing) < len(modes):
            self._report(ctx, node, f"`{shown}()` may open a file for writing ({how})", Severity.WARNING)
        else:
            self._report(ctx, node, f"`{shown}()` opens a file for writing ({how})")

    def _file_config(self, ctx, node, shown) -> None:
        found = logging_configs.file_config_handler(ctx, ctx.arg(node, 0, "fname"), FILE_HANDLERS)
        if found is not None:
            rel, key, klass = found
            self._report(ctx, node, f"`{shown}({rel!r})` installs the handler `{key}`, a {klass}: "
                                    "it opens a log file for writing")

    def _dict_config(self, ctx, node, shown) -> None:
        found = logging_configs.dict_config_handler(ctx, ctx.arg(node, 0, "config"), FILE_HANDLERS)
        if found is not None:
            key, klass = found
            self._report(ctx, node, f"`{shown}()` installs the handler {key!r}, a {klass}: "
                                    "it opens a log file for writing")

    def _report(self, ctx, node, what: str, severity: Optional[Severity] = None) -> None:
        ctx.report(self, node, what=what, severity=severity)
