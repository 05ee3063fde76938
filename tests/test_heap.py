"""Workers give the heap a big file freed back to the system
(gaelint.engine.heap), once they have grown enough for it to matter."""
import os

import pytest

from gaelint.engine import heap


def test_the_heap_is_trimmed_once_the_process_has_grown_enough(monkeypatch):
    monkeypatch.setattr(heap, "TRIM_AFTER_MB", 24)
    sizes = iter([100.0, 110.0, 123.9, 130.0, 95.0, 120.0, 122.0])
    monkeypatch.setattr(heap, "resident_mb", lambda: next(sizes))
    trims = []
    monkeypatch.setattr(heap, "_trim", lambda pad: trims.append(pad) or 1)
    trimmer = heap.Trimmer()            # baseline 100 MB
    trimmer.after()                     # 110: small growth, no trim
    trimmer.after()                     # 123.9: still under TRIM_AFTER_MB
    assert trims == []
    trimmer.after()                     # 130: trimmed, and the new baseline is what is left (95)
    assert trims == [0] and trimmer.baseline == 95.0
    trimmer.after()                     # 120: 25 MB over the new baseline
    assert trims == [0, 0] and trimmer.baseline == 122.0


def test_without_malloc_trim_nothing_is_measured(monkeypatch):
    monkeypatch.setattr(heap, "_trim", None)
    monkeypatch.setattr(heap, "resident_mb", lambda: (_ for _ in ()).throw(AssertionError("measured")))
    trimmer = object.__new__(heap.Trimmer)     # the constructor measures; after() must not
    trimmer.baseline = 0.0
    trimmer.after()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="no /proc")
def test_resident_size_is_read_from_proc():
    assert 1 < heap.resident_mb() < 100_000
