"""Real bytecode for the deployment tests, made at run time (no .pyc is
committed).

* Python 3: ``py_compile`` with the interpreter running the tests.
* Python 2.7: built from the documented format, so no Python 2.7 is needed:
  the magic number 62211 (``b'\\x03\\xf3\\r\\n'``), a 4-byte mtime, then one
  code object in Python 2.7's marshal format. The code object is a real
  module body (``NAME = 'value'`` assignments): a Python 2.7 interpreter
  imports it (checked in test_deployment.py when python2.7 is installed).
"""
import importlib.util
import py_compile
import struct
import sys
from pathlib import Path

PY27_MAGIC = b"\x03\xf3\r\n"
LOAD_CONST, STORE_NAME, RETURN_VALUE = 100, 90, 83


def _s(data: bytes) -> bytes:
    return b"s" + struct.pack("<i", len(data)) + data


def _t(items) -> bytes:
    items = list(items)
    return b"(" + struct.pack("<i", len(items)) + b"".join(items)


def py27_pyc(filename: str, assignments: dict, magic: bytes = PY27_MAGIC, mtime: int = 1262304000) -> bytes:
    """A Python 2.7 .pyc of a module that binds string constants."""
    names = list(assignments)
    code = b""
    for i in range(len(names)):
        code += bytes([LOAD_CONST]) + struct.pack("<H", i) + bytes([STORE_NAME]) + struct.pack("<H", i)
    code += bytes([LOAD_CONST]) + struct.pack("<H", len(names)) + bytes([RETURN_VALUE])
    consts = [_s(assignments[n].encode()) for n in names] + [b"N"]
    interned = [b"t" + struct.pack("<i", len(n)) + n.encode() for n in names]
    body = (b"c" + struct.pack("<iiii", 0, 0, 1, 0x40) + _s(code) + _t(consts) + _t(interned)
            + _t([]) + _t([]) + _t([]) + _s(filename.encode()) + _s(b"<module>")
            + struct.pack("<i", 1) + _s(b""))
    return magic + struct.pack("<I", mtime) + body


def magic_of(version_magic: int) -> bytes:
    return version_magic.to_bytes(2, "little") + b"\r\n"


def py3_pyc(source: Path, dest: Path) -> Path:
    """Compile ``source`` with the running Python 3 into ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    py_compile.compile(str(source), cfile=str(dest), doraise=True)
    return dest


def py3_cache(source: Path) -> Path:
    """Compile into __pycache__ as Python 3 does by itself."""
    return Path(py_compile.compile(str(source), doraise=True))


def running_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def running_magic() -> int:
    return int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little")


def running_label() -> str:
    """How GAE402 names the running Python: 'Python 3.11' when gaelint's
    magic table knows it (3.0-3.13), else 'a Python newer than 3.13'."""
    from gaelint.rules.bytecode import version_of
    version = version_of(running_magic())
    return f"Python {version}" if version[0].isdigit() else version
