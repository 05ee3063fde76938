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
  the parser that got further.
"""
from __future__ import annotations

import ast
import codecs
import difflib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import libcst as cst

# PEP 263: the coding declaration must match this on line 1 or 2.
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")

MAX_FILE_BYTES = 32_000_000   # appcfg's max_file_size: larger files are not deployable


@dataclass
class LoadProblem:
    """Why a file cannot be analysed (GAE001), with a 1-based line."""

    reason: str
    line: Optional[int] = None
    column: Optional[int] = None
    fatal: bool = True     # False: reported, but the file is still analysed
    severity: Optional[str] = None   # None: GAE001's own (error)


@dataclass
class SourceFile:
    path: Path
    text: str = ""
    module: Optional[cst.Module] = None
    python2: bool = False
    problems: Tuple[LoadProblem, ...] = ()
    parsed_text: str = ""      # what libcst parsed (the Python 3 rewrite of a Python 2 file)

    _lines: Optional[List[str]] = None
    _parsed_lines: Optional[List[str]] = None

    @property
    def lines(self) -> List[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def original_column(self, line: Optional[int], column: Optional[int]) -> Optional[int]:
        """A 1-based column of the parsed text, on the line the user sees.

        The Python 2 rewrite keeps lines but not columns (tabs expanded,
        ``0777`` -> ``0o777``, backticks -> ``repr(...)``): align the two
        spellings of the line character by character and map the column
        through the matching run (a column inside inserted text goes to the
        next original character)."""
        if line is None or column is None or not self.python2 or self.parsed_text is self.text:
            return column
        if self._parsed_lines is None:
            self._parsed_lines = self.parsed_text.split("\n")
        if line > len(self.lines) or line > len(self._parsed_lines):
            return column
        original, parsed = self.lines[line - 1], self._parsed_lines[line - 1]
        if original == parsed:
            return column
        at = column - 1
        matcher = difflib.SequenceMatcher(None, parsed, original, autojunk=False)
        for start_parsed, start_original, size in matcher.get_matching_blocks():
            if at < start_parsed:
                return start_original + 1            # inside text the rewrite inserted
            if at < start_parsed + size:
                return start_original + (at - start_parsed) + 1
        return min(column, len(original) + 1)

    def original_range(self, line, column, end_line, end_column):
        """(column, end column) on the lines the user sees. A one-line node
        whose text occurs once in the original line is placed there (the
        rewrite may have moved it: ``print >>f, x`` puts ``f`` last);
        anything else is mapped column by column."""
        if self.python2 and line is not None and line == end_line and column and end_column \
                and self.parsed_text is not self.text:
            if self._parsed_lines is None:
                self._parsed_lines = self.parsed_text.split("\n")
            if line <= len(self.lines) and line <= len(self._parsed_lines):
                original = self.lines[line - 1]
                snippet = self._parsed_lines[line - 1][column - 1:end_column - 1]
                if snippet and original.count(snippet) == 1:
                    start = original.index(snippet) + 1
                    return start, start + len(snippet)
        return self.original_column(line, column), self.original_column(end_line, end_column)

    def line_text(self, line: Optional[int]) -> Optional[str]:
        if line is None or line < 1 or line > len(self.lines):
            return None
        return self.lines[line - 1]


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def declared_encoding(data: bytes) -> Tuple[Optional[str], Optional[int]]:
    """(encoding, line) from a PEP 263 declaration, or (None, None)."""
    first, _, rest = data.partition(b"\n")
    m = _CODING_RE.match(first)
    if m:
        return m.group(1).decode("ascii", "replace"), 1
    if _BLANK_OR_COMMENT.match(first):
        second = rest.partition(b"\n")[0]
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


def _python3_error(text: str) -> Optional[LoadProblem]:
    """None when CPython 3 accepts the text, else its syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        return None
    except SyntaxError as exc:
        return LoadProblem(f"{exc.msg}", exc.lineno, exc.offset)
    except (RecursionError, MemoryError):
        return LoadProblem(TOO_DEEP, None)
    except ValueError as exc:
        return LoadProblem(str(exc), None)


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


def _python2_rewrite(text: str, py3_error: LoadProblem) -> str:
    """The Python 3 spelling of a Python 2 file (fast path first), or _Fail."""
    try:
        from gaelint.python2.fast import quick_to_python3
    except ImportError:       # pragma: no cover - the fast path is optional
        quick_to_python3 = None
    if quick_to_python3 is not None:
        try:
            quick = quick_to_python3(text)
        except Exception:  # noqa: BLE001 - the fast path is an optimisation: fall back
            quick = None
        if quick is not None and _python3_error(quick) is None:
            return quick
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
    error = _python3_error(rewritten)
    if error is not None:
        if error.reason == TOO_DEEP:
            raise _too_deep_to_analyse(None)
        raise _Fail(LoadProblem(
            f"gaelint could not translate this Python 2 file for analysis ({error.reason}); "
            "please report it", error.line, error.column))
    return rewritten


def parse_text(text: str, python3_error: Optional[LoadProblem] = None,
               build: bool = True) -> Tuple[cst.Module, bool, str]:
    """(module, python2, parsed text) or raise _Fail with the reason and line.
    ``build=False`` stops after the syntax decision (module is None)."""
    py3_error = python3_error or _python3_error(text)
    if py3_error is None:
        if not build:
            return None, False, text
        try:
            return _parse_module(text), False, text
        except cst.ParserSyntaxError as exc:
            raise _Fail(LoadProblem(f"libcst cannot parse this Python 3 syntax: {exc.message}",
                                    exc.raw_line, exc.raw_column + 1)) from None
        except RecursionError:
            raise _too_deep_to_analyse(None) from None
    if py3_error.reason.startswith(_NESTING_ERRORS):
        raise _Fail(LoadProblem(f"too deeply nested for Python 2.7 and 3: {py3_error.reason}",
                                py3_error.line, py3_error.column))
    rewritten = _python2_rewrite(text, py3_error)
    if not build:
        return None, True, rewritten
    try:
        return _parse_module(rewritten), True, rewritten
    except cst.ParserSyntaxError as exc:
        raise _Fail(LoadProblem(
            f"gaelint could not translate this Python 2 file for analysis ({exc.message}); "
            "please report it", exc.raw_line)) from None
    except RecursionError:
        raise _too_deep_to_analyse(None) from None


def validate_text(text: str) -> bool:
    """What :func:`parse_text` would decide, without building a libcst tree
    (for files no selected rule can fire on): True for Python 2, False for
    Python 3; raise _Fail when neither accepts the text."""
    py3_error = _python3_error(text)
    if py3_error is None:
        return False
    parse_text(text, python3_error=py3_error, build=False)
    return True


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


def load_bytes(path: Path, data: bytes, validate_only: bool = False) -> SourceFile:
    """Decode and parse ``data``; with ``validate_only``, only decide whether
    Python 2.7 or 3 accepts it (module stays None)."""
    try:
        text, problems = decode(data)
        text = normalise_newlines(text)
        if validate_only:
            return SourceFile(path, text, None, validate_text(text), tuple(problems))
        module, py2, parsed = parse_text(text)
    except _Fail as fail:
        return SourceFile(path, problems=(fail.problem,))
    return SourceFile(path, text, module, py2, tuple(problems), parsed)


def read(path: Path) -> Tuple[Optional[bytes], Optional[LoadProblem]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, LoadProblem(f"file is {size} bytes, over App Engine's {MAX_FILE_BYTES}-byte limit per file")
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, LoadProblem("cannot read the file: it does not exist (dangling symlink?)")
    except IsADirectoryError:
        return None, LoadProblem("is a directory, not a file")
    except OSError as exc:
        return None, LoadProblem(f"cannot read the file: {exc.strerror or exc}")
