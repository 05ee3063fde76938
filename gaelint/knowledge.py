"""Access to the knowledge tables in gaelint/data/*.json.

Every table is data with a ``source`` field naming where the facts come
from (see ../shared/gae-facts.md); rule modules read them through here so the
logic never hard-codes a list.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Dict

# Beside this module in the installed package (importlib.resources would
# cost every run 7 ms of imports for the same path).
_DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=None)
def table(name: str) -> Dict[str, Any]:
    """Load ``gaelint/data/<name>.json`` once per process."""
    text = (_DATA / f"{name}.json").read_text("utf-8")
    data = json.loads(text)
    if "source" not in data:
        raise ValueError(f"knowledge table {name}.json has no 'source'")
    return data
