"""Reading ``.pyc`` files: which Python wrote one, and whether Python 2.7
can load it. Used by the deployment rules (GAE401-GAE403); no rules here.

Python 2.7 imports a ``.pyc`` by checking its 4-byte magic number, skipping
the 4-byte mtime and unmarshalling one code object (CPython 2.7
``import.c read_compiled_module``). A wrong magic is an ``ImportError: Bad
magic number``; a file cut short, or one whose first object is not code,
fails the import too. Python 3 cannot unmarshal Python 2 code objects, so
the 2.7 marshal stream is walked here byte by byte, exactly as far as
Python 2.7's ``r_object`` would read it, without building anything.

Nothing here raises on bad input: every problem becomes a sentence.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from gaelint.knowledge import table

FACTS = table("bytecode")
PY27_MAGIC: int = FACTS["python27"]["magic"]
PY27_HEADER: int = FACTS["python27"]["header_size"]
_SUFFIX = bytes.fromhex(FACTS["encoding"]["suffix_hex"])
_LAST_MAGIC: List[Tuple[str, int]] = [(v, n) for v, n in FACTS["versions"]["last_magic"]]
_FAMILIES = FACTS["versions"]["families"]
_HEADERS: List[Tuple[int, int]] = [tuple(x) for x in FACTS["header_size"]["from_magic"]]
PYCACHE = FACTS["pycache"]["directory"]
MAX_BYTES = 32_000_000  # appcfg's max_file_size: nothing bigger is deployed


@dataclass(frozen=True)
class PycInfo:
    magic: Optional[int]          # None when the file has no magic number at all
    version: Optional[str]        # '2.7', '3.11', 'a Python 3.8 pre-release', None
    problem: Optional[str] = None  # why no Python could load it (truncated, garbage)

    @property
    def python27(self) -> bool:
        return self.magic == PY27_MAGIC


def version_of(magic: int) -> Optional[str]:
    """The Python release that writes ``magic``, as words for a message."""
    for version, value in _LAST_MAGIC:
        if value == magic:
            return version
    for family in ("python3", "python2"):
        low, high = _FAMILIES[family]
        if not low <= magic <= high:
            continue
        known = sorted((n, v) for v, n in _LAST_MAGIC if low <= n <= high)
        for value, version in known:
            if magic < value:
                return f"a Python {version} pre-release"
        return f"a Python newer than {known[-1][1]}"
    return None


def header_size(magic: int) -> int:
    size = 8
    for first, length in _HEADERS:
        if magic >= first and magic < 20000:
            size = length
    return size


def inspect_pyc(data: bytes) -> PycInfo:
    """Magic number, version and (for 2.7 files) whether the body loads."""
    if len(data) < 4:
        return PycInfo(None, None, f"the file is {len(data)} bytes long, too short to hold a magic number")
    if data[2:4] != _SUFFIX:
        return PycInfo(None, None, "it does not start with a Python magic number "
                                   f"(first bytes {data[:4].hex(' ')}): it is not a compiled Python file")
    magic = int.from_bytes(data[:2], "little")
    version = version_of(magic)
    if magic != PY27_MAGIC:
        size = header_size(magic)
        problem = None
        if len(data) < size:
            problem = f"the file is truncated: {len(data)} bytes, shorter than the {size}-byte header"
        return PycInfo(magic, version, problem)
    if len(data) < PY27_HEADER:
        return PycInfo(magic, version, f"the file is truncated: {len(data)} bytes, "
                                       f"shorter than the {PY27_HEADER}-byte header")
    if len(data) == PY27_HEADER:
        return PycInfo(magic, version, "the file is truncated: it ends after the header, with no code object")
    if data[PY27_HEADER] != ord("c"):
        return PycInfo(magic, version, "the data after the header is not a code object "
                                       "(Python 2.7: 'Non-code object in ...')")
    return PycInfo(magic, version, scan_py27_marshal(data, PY27_HEADER))


# -- the Python 2.7 marshal format (Python/marshal.c r_object) -------------------
_FIXED = {ord("0"): 0, ord("N"): 0, ord("F"): 0, ord("T"): 0, ord("S"): 0, ord("."): 0,
          ord("i"): 4, ord("I"): 8, ord("g"): 8, ord("y"): 16, ord("R"): 4}
_SIZED = frozenset(map(ord, "stu"))      # int32 length + bytes
_SEQUENCES = frozenset(map(ord, "([<>"))  # int32 count + objects
_CODE_OBJECTS_BEFORE_LINENO = 8          # code consts names varnames freevars cellvars filename name


class _Bad(Exception):
    pass


def scan_py27_marshal(data: bytes, pos: int) -> Optional[str]:
    """None when one complete object starts at ``pos``, else why not."""
    try:
        _scan(data, pos)
    except _Bad as exc:
        return str(exc)
    return None


def _scan(data: bytes, pos: int) -> int:
    end = len(data)

    def take(n: int, what: str) -> int:
        nonlocal pos
        if pos + n > end:
            raise _Bad(f"the file is truncated: it ends at byte {end} inside {what}")
        start, pos = pos, pos + n
        return start

    def int32(what: str) -> int:
        return struct.unpack_from("<i", data, take(4, what))[0]

    # 'o': one object; 'i': a 4-byte int; 'd': dict entries until a NULL key
    todo = ["o"]
    while todo:
        task = todo.pop()
        if task == "i":
            take(4, "a code object's line number")
            continue
        if task == "d":
            if data[take(1, "a dictionary")] == ord("0"):
                continue
            pos -= 1
            todo += ["d", "o", "o"]
            continue
        at = take(1, "an object")
        kind = data[at]
        if kind == ord("0"):
            raise _Bad(f"bad marshal data: NULL object at byte {at}")
        if kind in _FIXED:
            take(_FIXED[kind], "a number")
        elif kind in _SIZED:
            size = int32("a string length")
            if size < 0:
                raise _Bad(f"bad marshal data: negative string size at byte {at}")
            take(size, "a string")
        elif kind in _SEQUENCES:
            count = int32("a sequence length")
            if count < 0 or count > end - pos:
                raise _Bad(f"bad marshal data: impossible sequence size {count} at byte {at}")
            todo += ["o"] * count
        elif kind == ord("{"):
            todo.append("d")
        elif kind == ord("l"):
            digits = int32("a long")
            take(2 * abs(digits), "a long")
        elif kind == ord("f"):
            take(data[take(1, "a float")], "a float")
        elif kind == ord("x"):
            take(data[take(1, "a complex")], "a complex")
            take(data[take(1, "a complex")], "a complex")
        elif kind == ord("c"):
            take(16, "a code object header")
            todo += ["o", "i"] + ["o"] * _CODE_OBJECTS_BEFORE_LINENO
        else:
            raise _Bad(f"bad marshal data: unknown type code 0x{kind:02x} at byte {at}")
    return pos


# -- files -----------------------------------------------------------------------
def read_pyc(path: Path) -> Tuple[Optional[PycInfo], Optional[str]]:
    """(info, None) or (None, why the file cannot be read)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    return inspect_pyc(data), None


def in_pycache(relpath: str) -> bool:
    """Python 3 caches: Python 2.7 never imports them."""
    return PYCACHE in relpath.split("/")[:-1]


def zip_pycs(path: Path) -> Iterator[Tuple[str, PycInfo, bool]]:
    """(member, info, has_source) for every importable .pyc in a zip archive.

    A zip that cannot be opened yields nothing: it may be any data file, and
    zipimport would only fail on it if the app put it on sys.path.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            names = {i.filename for i in infos}
            for info in infos:
                name = info.filename
                if not name.endswith(".pyc") or in_pycache(name):
                    continue
                if info.file_size > MAX_BYTES:
                    continue
                try:
                    data = archive.read(info)
                except Exception as exc:  # noqa: BLE001 - bad CRC, unsupported compression...
                    yield name, PycInfo(None, None, f"cannot be extracted ({exc})"), False
                    continue
                yield name, inspect_pyc(data), name[:-1] in names
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return
