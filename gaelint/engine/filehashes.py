"""The SHA-256 of a file's bytes, remembered across runs by the file's stat.

A warm run proves that not one deployed byte of an app changed
(engine.snapshot) by hashing every file the app deploys: on a large
checkout, reading 10,000 files is most of a run that has nothing to do.
Like git's index, the hash of a file is taken from the last run when the
file's stat is exactly the one recorded then: size, mtime and ctime in
nanoseconds, inode and device. ctime cannot be set by any user-level call
(``touch -d`` and ``git checkout`` both move it to *now*), so a file written
since gives another signature.

The one race: a file written again within the filesystem's timestamp
granularity of the moment it was hashed keeps its signature. So a hash is
only remembered for a file whose ctime was at least ``reading.SETTLED_NS`` older
than the moment its bytes were read; a file younger than that is read again
next time. (That assumes the file system's clock is this machine's, within
those seconds; on Windows, whose st_ctime is the creation time, nothing is
remembered.) The cache is still keyed by content: this only decides when the
bytes need reading to know their hash.

The table is one JSON file in the (trusted) cache directory, written to a
temporary file and renamed; a table that does not parse or has the wrong
shape is ignored.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

from gaelint import reading

NAME = "file-hashes.json"
_FORMAT = 2           # 2: the signature in reading.stat_key's order
_MAX_ENTRIES = 100_000
_MAX_TABLE_BYTES = 64 * 1024 * 1024




class FileHashes:
    def __init__(self, directory: Optional[Path]):
        """``directory``: the cache directory, or None to remember nothing."""
        # Windows reports the creation time as st_ctime: a changed file could keep its signature
        self.directory = directory if os.name != "nt" else None
        self._old: Dict[str, list] = self._load() if directory is not None else {}
        self._used: Dict[str, list] = {}
        # this run's answers (a FileHashes lasts one run): the services of a monorepo deploy the same files
        self._known: Dict[Tuple[str, int], bytes] = {}
        self.read = 0           # files whose bytes had to be read (for tests)

    def _load(self) -> Dict[str, list]:
        files = read_table(self.directory, NAME, _FORMAT)
        return files if isinstance(files, dict) else {}

    def sha256(self, path: Path, limit: int) -> bytes:
        """The SHA-256 of the file's bytes; raises OSError as
        :func:`gaelint.reading.read_bytes` does (missing, not a regular
        file, over ``limit``)."""
        name = str(path)
        found = self._known.get((name, limit))
        if found is not None:
            return found
        digest = self._sha256(name, path, limit)
        self._known[(name, limit)] = digest
        return digest

    def _sha256(self, name: str, path: Path, limit: int) -> bytes:
        try:
            st = os.stat(name)
        except OSError:
            st = None
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size <= limit:
            signature = list(reading.stat_key(st))
            known = self._old.get(name)
            if (isinstance(known, list) and len(known) == 2 and known[0] == signature
                    and isinstance(known[1], str) and len(known[1]) == 64):
                try:
                    digest = bytes.fromhex(known[1])
                except ValueError:
                    digest = None
                if digest is not None:
                    self._used[name] = known
                    return digest
        read_at = time.time_ns()
        digest = hashlib.sha256(reading.read_bytes(path, limit)).digest()
        self.read += 1
        if st is not None and stat.S_ISREG(st.st_mode) and reading.settled(name, st, read_at):
            self._used[name] = [list(reading.stat_key(st)), digest.hex()]
        return digest

    def save(self) -> None:
        """Write the table: this run's files first, then the others known
        (other checkouts), up to a bound."""
        if self.directory is None or (not self._used and not self._old):
            return
        if all(self._old.get(k) == v for k, v in self._used.items()):
            return              # nothing new to remember
        files = dict(self._used)
        for name, known in self._old.items():
            if len(files) >= _MAX_ENTRIES:
                break
            files.setdefault(name, known)
        write_table(self.directory, NAME, {"format": _FORMAT, "files": files})


def read_table(directory: Path, name: str, format_: int) -> object:
    """The ``files`` of a JSON table in the cache directory (see
    :func:`write_table`), or None when it is missing, unreadable, of another
    format or not a table at all: then nothing is remembered."""
    try:
        doc = json.loads(reading.read_bytes(directory / name, _MAX_TABLE_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != format_:
        return None
    return doc.get("files")


def write_table(directory: Path, name: str, doc: object) -> None:
    """Write a JSON table into the cache directory: to a temporary file,
    then renamed over the old one. A read-only or full cache only costs
    speed, so failures are silent."""
    tmp = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.replace(tmp, directory / name)
        tmp = None
    except (OSError, TypeError, ValueError):
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
