"""Source loading: bytes -> text -> one libcst tree, for Python 2 and 3.

* Bytes become text the way Python 2.7 reads a module: PEP 263 (a UTF-8 BOM,
  or a ``coding:`` comment on line 1 or 2); undecodable bytes and NUL bytes
  are errors with their line.
* Newlines are normalised (CRLF and CR-only become LF) without changing the
  line count.
* Python 2 or 3 is decided by what CPython accepts: text that CPython 3's
  own parser accepts is parsed by libcst as it is; anything else is read
  with a Python 2 grammar and rewritten into Python 3 syntax that means the
  same thing, on the same lines (:mod:`gaelint.python2`), then parsed by
  libcst. Text that neither accepts is a GAE001 with the reason and line of
  the parser that got further; what only CPython's compiler rejects, and
  Python 2.7's with it, is a GAE001 that does not stop the analysis; a file
  both accept is read with Python 2 meaning where the two differ
  (:mod:`.dialect`).
* Only regular files are read, and a file is parsed only if its tree fits
  the memory budget of one worker.
"""
from __future__ import annotations

import ast
import codecs
import functools
import re
import warnings
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union

from gaelint.lazycst import cst

from gaelint import reading
from gaelint.knowledge import table

from . import dialect, pieces
from .sourcefile import LoadProblem, SourceFile

# PEP 263: the coding declaration must match this on line 1 or 2.
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

MAX_FILE_BYTES = 32_000_000   # appcfg's max_file_size: larger files are not deployable
# A libcst tree takes about 400 bytes of memory per source byte (measured on
# real modules; fissix's Python 2 tree is of the same order), so a file is
# only parsed if its tree fits in the memory budget of one worker.
PARSE_MEMORY_BUDGET = 512 * 1024 * 1024
TREE_BYTES_PER_SOURCE_BYTE = 400
MAX_PARSE_BYTES = PARSE_MEMORY_BUDGET // TREE_BYTES_PER_SOURCE_BYTE


def _line_of_offset(data: bytes, offset: int) -> int:
    return len(_LINE_BREAK.findall(data, 0, offset)) + 1


def declared_encoding(data: bytes) -> Tuple[Optional[str], Optional[int]]:
    """(encoding, line) from a PEP 263 declaration, or (None, None). Lines
    end at LF, CRLF or a lone CR (Python 2.7 imports with universal
    newlines), so a CR-only file's later lines are not its first."""
    lines = _LINE_BREAK.split(data, 2)
    first = lines[0]
    m = _CODING_RE.match(first)
    if m:
        return m.group(1).decode("ascii", "replace"), 1
    if _BLANK_OR_COMMENT.match(first) and len(lines) > 1:
        second = lines[1]
        m = _CODING_RE.match(second)
        if m:
            return m.group(1).decode("ascii", "replace"), 2
    return None, None


def decode(data: bytes) -> Tuple[str, List[LoadProblem]]:
    """Text of a Python 2.7 module, or raise LoadProblem-carrying ValueError."""
    problems: List[LoadProblem] = []
    nul = data.find(b"\0")
    if nul != -1:
        raise _Fail(LoadProblem("the file contains NUL bytes (binary data, not Python source)",
                                _line_of_offset(data, nul)))
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:     # the declaration is read after the mark, as both Pythons do
        data = data[len(codecs.BOM_UTF8):]
    encoding, enc_line = declared_encoding(data)
    if bom:
        if encoding is not None and (not _known(encoding) or codecs.lookup(encoding).name != "utf-8"):
            raise _Fail(LoadProblem(f"a UTF-8 byte order mark conflicts with the declared encoding {encoding!r}", enc_line))
        encoding = "utf-8"
    if encoding is not None and not _known(encoding):
        raise _Fail(LoadProblem(f"unknown encoding {encoding!r} declared", enc_line))
    if encoding is None:
        try:
            return data.decode("ascii"), problems
        except UnicodeDecodeError as exc:
            line = _line_of_offset(data, exc.start)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc2:
                raise _Fail(LoadProblem(
                    f"byte 0x{data[exc2.start]:02x} is not valid UTF-8 and no encoding is declared (PEP 263)",
                    _line_of_offset(data, exc2.start))) from None
            # Python 3 would read this, Python 2.7 refuses to import it.
            problems.append(LoadProblem(
                f"non-ASCII byte 0x{data[exc.start]:02x} but no encoding declared: Python 2.7 refuses "
                "to import this file; add `# -*- coding: utf-8 -*-` as line 1 or 2 (PEP 263)",
                line, fatal=False))
            return text, problems
    try:
        return data.decode(encoding), problems
    except UnicodeDecodeError as exc:
        raise _Fail(LoadProblem(
            f"byte 0x{data[exc.start]:02x} is not valid in the declared encoding {encoding!r}",
            _line_of_offset(data, exc.start))) from None
    except LookupError:
        raise _Fail(LoadProblem(f"unknown encoding {encoding!r} declared", enc_line)) from None


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
        return True
    except LookupError:
        return False


class _Fail(Exception):
    def __init__(self, problem: LoadProblem):
        super().__init__(problem.reason)
        self.problem = problem


def _parse_module(text: str) -> cst.Module:
    """``libcst.parse_module`` without re-validating every node it builds.

    libcst runs each node's ``_validate`` in ``__post_init__``; its own
    comment says that is wasted work for a parsed tree (the parser only
    builds valid nodes), and here it is a quarter of the parse. Validation
    is back on as soon as the parse returns (positions build new nodes).
    """
    base = cst.CSTNode
    original = base.__dict__["__post_init__"]
    base.__post_init__ = _no_validation
    try:
        return cst.parse_module(text)
    finally:
        base.__post_init__ = original


def _no_validation(self) -> None:
    return None


def normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


TOO_DEEP = "too deeply nested for the Python parser"


def _python3_parse(text: str) -> Tuple[Optional[LoadProblem], Optional[ast.Module]]:
    """(None, CPython's ast) when CPython 3 accepts the text, else (its
    syntax error, None). The tree is kept: it is what the app-level facts
    of a file (its imports) are read from."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return None, ast.parse(text)
    except SyntaxError as exc:
        return LoadProblem(f"{exc.msg}", exc.lineno, exc.offset), None
    except (RecursionError, MemoryError):
        return LoadProblem(TOO_DEEP, None), None
    except ValueError as exc:
        return LoadProblem(str(exc), None), None


# CPython 3 allows 200 nested brackets and 100 indentation levels; CPython
# 2.7's parser stack overflows sooner (near 93 brackets: "s_push: parser stack
# overflow"), so what these errors reject, Python 2.7 rejects as well.
_NESTING_ERRORS = ("too many nested parentheses", "too many levels of indentation",
                   "too many statically nested blocks", "too complex")


def _too_deep_to_analyse(line: Optional[int]) -> "_Fail":
    """A file Python 2.7 accepts but whose expressions nest deeper than
    CPython 3's own parser goes (a chain of thousands of ``+``). CPython's
    ``ast`` is the canary: libcst's native parser is only given text ``ast``
    accepted, because on such text it can overflow the C stack."""
    return _Fail(LoadProblem(
        "Python 2.7 accepts this file, but it nests too deeply for gaelint to analyse "
        "(thousands of chained operators?); it was not checked", line, severity="info"))


def _python2_rewrite(text: str, py3_error: LoadProblem) -> Tuple[str, ast.Module]:
    """The Python 3 spelling of a Python 2 file (fast path first) and its
    CPython ast, or _Fail."""
    try:
        from gaelint.python2.fast import quick_to_python3
    except ImportError:       # pragma: no cover - the fast path is optional
        quick_to_python3 = None
    if quick_to_python3 is not None:
        try:
            quick = quick_to_python3(text)
        except Exception:  # noqa: BLE001 - the fast path is an optimisation: fall back
            quick = None
        if quick is not None:
            error, tree = _python3_parse(quick)
            if error is None:
                return quick, tree
    from gaelint.python2 import reader as python2
    try:
        rewritten = python2.to_python3(text)
    except python2.Python2SyntaxError as exc:
        # Report the dialect whose parser got further: that is most likely
        # the one the author meant.
        if py3_error.line and exc.line and py3_error.line > exc.line:
            raise _Fail(LoadProblem(f"invalid syntax for Python 2.7 and Python 3: {py3_error.reason}",
                                    py3_error.line, py3_error.column)) from None
        raise _Fail(LoadProblem(f"invalid Python 2.7 syntax: {exc.message}", exc.line, exc.column)) from None
    except RecursionError:
        raise _Fail(LoadProblem("too deeply nested to analyse", py3_error.line)) from None
    except Exception as exc:  # noqa: BLE001 - fissix can fail on text it should reject
        raise _Fail(LoadProblem(f"invalid syntax for Python 2.7 and Python 3: {py3_error.reason} "
                                f"(the Python 2 reader failed: {type(exc).__name__})",
                                py3_error.line, py3_error.column)) from None
    error, tree = _python3_parse(rewritten)
    if error is not None:
        if error.reason == TOO_DEEP:
            raise _too_deep_to_analyse(None)
        if python2_rejects(error.reason):
            # the statement is wrong in Python 2.7 too (`del f()`, `def f(a=1, b)`)
            raise _Fail(LoadProblem(f"invalid Python 2.7 syntax: {_py2_wording(error.reason)}",
                                    error.line, error.column))
        raise _Fail(LoadProblem(
            f"gaelint could not translate this Python 2 file for analysis ({error.reason}); "
            "please report it", error.line, error.column))
    return rewritten, tree


@functools.lru_cache(maxsize=1)
def _python2_rejects_re() -> "re.Pattern":
    patterns = table("py27_syntax")["python2_also_rejects"]["patterns"]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def python2_rejects(python3_message: str) -> bool:
    """Whether CPython 2.7 rejects what CPython 3 rejected with this
    message in gaelint's rewrite of a Python 2 file (data/py27_syntax.json)."""
    return _python2_rejects_re().search(python3_message) is not None


def _py2_wording(message: str) -> str:
    """CPython 3's message without its Python 3 advice ("Maybe you meant '=='")."""
    return re.sub(r"(?: here)?\. Maybe you meant .*$", "", message)


def parse_text(text: str, python3_error: Optional[LoadProblem] = None,
               build: bool = True) -> Tuple[cst.Module, bool, str]:
    """(module, python2, parsed text) or raise _Fail with the reason and line.
    ``build=False`` stops after the syntax decision (module is None)."""
    module, python2, parsed, _, _ = _load_text(text, build)
    return module, python2, parsed


def _compile_problem(text: str, tree: Optional[ast.Module]) -> Optional[LoadProblem]:
    """A compile-time error of the parsed text that Python 2.7 raises too
    (not fatal: the file is still analysed), or None."""
    compiled, error = dialect.compile_check(text)
    found = None if compiled else dialect.python27_compile_error(error, tree)
    if found is None:
        return None
    message, line, column = found
    return LoadProblem(f"Python 2.7 refuses to compile it: {message}", line, column, fatal=False)


# asked with CPython's ast and the text: False (no libcst tree), True, or the text to build instead
BuildIf = Callable[[ast.Module, str], Union[bool, str]]
_Loaded = Tuple[Optional["cst.Module"], bool, str, Optional[ast.Module], List[LoadProblem]]


def _load_text(text: str, build: bool, build_if: Optional[BuildIf] = None) -> _Loaded:
    """(libcst module or None, python2, parsed text, CPython ast of it,
    problems that do not stop the analysis), or _Fail. ``build_if``: asked
    with CPython's ast whether the libcst tree is needed after all."""
    try:
        return _load_text_once(text, build, build_if)
    except _Fail:
        # A line holding only `\`, or a `\` ending the file, trips libcst or
        # fissix where Python 2.7 reads on: try again without them.
        tried = {text}
        ended = dialect.without_final_continuation(text)
        for reading_ in dialect.BACKSLASH_READINGS:
            blanked = dialect.without_backslash_lines(ended, reading_)
            if blanked in tried:
                continue
            tried.add(blanked)
            try:
                return _load_text_once(blanked, build, build_if)
            except _Fail:
                pass
        raise


def _load_text_once(text: str, build: bool, build_if: Optional[BuildIf] = None) -> _Loaded:
    py3_error, tree = _python3_parse(text)
    python2, parsed = False, text
    if py3_error is None and dialect.python2_reads_differently(text, tree):
        # Valid in both, but `print >>f, x` or `exec(code) in ns` only means
        # what its author meant in Python 2 (the language of a python27 app).
        try:
            rewritten, rewritten_tree = _python2_rewrite(text, LoadProblem("", None))
            if rewritten != text:
                parsed, tree, python2 = rewritten, rewritten_tree, True
        except _Fail:
            pass                 # Python 2 rejects it after all: read it as Python 3
    elif py3_error is not None:
        if py3_error.reason.startswith(_NESTING_ERRORS):
            raise _Fail(LoadProblem(f"too deeply nested for Python 2.7 and 3: {py3_error.reason}",
                                    py3_error.line, py3_error.column))
        parsed, tree = _python2_rewrite(text, py3_error)
        python2 = True
    compile_error = _compile_problem(parsed, tree)
    problems = [compile_error] if compile_error is not None else []
    text_to_build = parsed
    if build and build_if is not None:
        wanted = build_if(tree, parsed)
        build = bool(wanted)
        if isinstance(wanted, str):
            text_to_build = wanted      # a slice of the module, on its lines
    if not build:
        return None, python2, parsed, tree, problems
    try:
        module = text_to_build is parsed and pieces.parse_in_pieces(parsed, tree, _parse_module)
        return module or _parse_module(text_to_build), python2, parsed, tree, problems
    except cst.ParserSyntaxError as exc:
        if python2:
            raise _Fail(LoadProblem(
                f"gaelint could not translate this Python 2 file for analysis ({exc.message}); "
                "please report it", exc.raw_line)) from None
        raise _Fail(LoadProblem(f"libcst cannot parse this Python 3 syntax: {exc.message}",
                                exc.raw_line, exc.raw_column + 1)) from None
    except RecursionError:
        raise _too_deep_to_analyse(None) from None


def python3_text(data: bytes) -> Optional[str]:
    """The text of a module in Python 3 syntax (a Python 2 file rewritten on
    the same lines), without building a libcst tree: for readers that only
    need Python's own ``ast``. None when neither Python accepts it."""
    try:
        text, _ = decode(data)
        _, _, parsed = parse_text(normalise_newlines(text), build=False)
    except _Fail:
        return None
    return parsed


def load_bytes(path: Path, data: bytes, validate_only: bool = False,
               build_if: Optional[BuildIf] = None) -> SourceFile:
    """Decode and parse ``data``; with ``validate_only``, only decide whether
    Python 2.7 or 3 accepts it (module stays None); ``build_if(tree, text)``
    decides that from CPython's ast, once the syntax is known, and may give
    the text libcst builds instead (a slice on the same lines)."""
    if len(data) > MAX_PARSE_BYTES:
        need = len(data) * TREE_BYTES_PER_SOURCE_BYTE // 2 ** 20
        return SourceFile(path, problems=(LoadProblem(
            f"the file is {len(data)} bytes: its syntax tree would need about {need} MB of memory, over "
            f"gaelint's budget of {PARSE_MEMORY_BUDGET // 2 ** 20} MB per file; it was not checked",
            severity="info"),))
    try:
        text, problems = decode(data)
        text = normalise_newlines(text)
        module, py2, parsed, tree, more = _load_text(text, not validate_only, build_if)
    except _Fail as fail:
        return SourceFile(path, problems=(fail.problem,))
    return SourceFile(path, text, module, py2, tuple(problems + more), parsed if module is not None else "",
                      tree=tree)


def read(path: Path) -> Tuple[Optional[bytes], Optional[LoadProblem]]:
    """The file's bytes, or why not: only regular files are read (a FIFO
    would block, a device never end), and none over App Engine's limit."""
    try:
        return reading.read_bytes(path, MAX_FILE_BYTES), None
    except reading.TooLarge as exc:
        return None, LoadProblem(f"file is {exc.size} bytes, over App Engine's {MAX_FILE_BYTES}-byte limit per file")
    except FileNotFoundError:
        return None, LoadProblem("cannot read the file: it does not exist (dangling symlink?)")
    except IsADirectoryError:
        return None, LoadProblem("is a directory, not a file")
    except reading.NotRegularFile as exc:
        return None, LoadProblem(f"{exc.strerror}; gaelint does not read it")
    except OSError as exc:
        return None, LoadProblem(f"cannot read the file: {exc.strerror or exc}")
