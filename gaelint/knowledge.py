"""Access to the knowledge tables in gaelint/data/*.json.

Every table is data with a ``source`` field naming where the facts come
from (see ../shared/gae-facts.md); rule modules read them through here so the
logic never hard-codes a list.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Dict


@functools.lru_cache(maxsize=None)
def table(name: str) -> Dict[str, Any]:
    """Load ``gaelint/data/<name>.json`` once per process."""
    text = resources.files("gaelint").joinpath("data", f"{name}.json").read_text("utf-8")
    data = json.loads(text)
    if "source" not in data:
        raise ValueError(f"knowledge table {name}.json has no 'source'")
    return data
