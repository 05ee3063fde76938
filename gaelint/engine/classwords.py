"""The class words of the app's files, remembered across runs by stat.

The prefilter reads a file that names ``Worker`` as if it named what
``Worker``'s bases are spelled with (:func:`gaelint.app.module_facts.class_words`),
so the words of every class of the app are part of every file's cache key.
Reading them means reading every module of the app: most of a pre-commit
run over one changed file. As :mod:`.filehashes` does for hashes, the words
of a file are taken from the last run when its stat (device, inode, size,
mtime and ctime in ns) is the one recorded then, and only words read well
after the file's last change are remembered (``module_facts`` decides that).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

from gaelint.app import module_facts

from .filehashes import read_table, write_table

NAME = "class-words.json"
_FORMAT = 1
_MAX_ENTRIES = 100_000


def _entry(item) -> Optional[tuple]:
    """(stat key, class words) of one stored row, or None when malformed
    (a row is ``[dev, ino, size, mtime_ns, ctime_ns, [[class, [word, ...]], ...]]``)."""
    try:
        *key, rows = item
        if len(key) != 5 or not all(type(n) is int for n in key):
            return None
        if not rows:
            return tuple(key), ()           # most modules: no class with bases
        return tuple(key), tuple((name.encode("ascii"), tuple(w.encode("ascii") for w in words))
                                 for name, words in rows)
    except (TypeError, ValueError, AttributeError, UnicodeEncodeError):
        return None     # not a list, a row of another shape, a word that is not ASCII text


class ClassWordsTable:
    def __init__(self, directory: Optional[Path]):
        """``directory``: the cache directory, or None to remember nothing.
        The table is read when the app stage first needs it."""
        self.directory = directory if os.name != "nt" else None
        self._old: Dict[tuple, tuple] = {}
        if self.directory is not None:
            module_facts.remember_class_words_from(self._load)

    def _load(self) -> Dict[tuple, tuple]:
        files = read_table(self.directory, NAME, _FORMAT)
        for item in files if isinstance(files, list) else ():
            found = _entry(item)
            if found is not None:
                self._old[found[0]] = found[1]
        return self._old

    def save(self) -> None:
        """Remember what this run read: its files first, then the others."""
        new = {k: v for k, v in module_facts.settled_class_words().items() if self._old.get(k) != v}
        if self.directory is None or not new:
            return
        if not self._old:
            self._load()        # never needed this run: kept all the same
        rows = dict(new)
        for key, words in self._old.items():
            if len(rows) >= _MAX_ENTRIES:
                break
            rows.setdefault(key, words)
        write_table(self.directory, NAME, {"format": _FORMAT, "files": [
            [*key, [[name.decode("ascii"), [w.decode("ascii") for w in words]] for name, words in value]]
            for key, value in rows.items()]})
