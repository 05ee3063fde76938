"""Stage 6, the report: what the user sees of a run.

Owns: ``# noqa`` suppressions and what the configuration decides per file
(:mod:`.suppress`, :mod:`.postprocess`), baselines (:mod:`.baseline`), the
:class:`~.result.RunResult` and the output formats (text, json, sarif,
github, junit, gitlab, statistics), each a module with ``render(result, options)``.

May import: the foundation modules only (findings, knowledge, registry,
config, docs). A reporter reads a RunResult, never the stages that made it.
"""
from __future__ import annotations

import importlib
from typing import Callable, Dict

from .common import display_path, finding_dict  # noqa: F401 - the formats' shared helpers


# format -> (module of this package, its renderer): a module is imported when
# its format is used (junit's xml.etree alone is 3 ms of every run's start).
_FORMATS = {"text": ("text", "render"), "full": ("text", "render"), "concise": ("text", "render_concise"),
            "json": ("json_report", "render"), "sarif": ("sarif", "render"), "github": ("github", "render"),
            "junit": ("junit", "render"), "gitlab": ("gitlab", "render")}


def formats() -> Dict[str, Callable]:
    return {name: _renderer(module, function) for name, (module, function) in _FORMATS.items()}


def _renderer(module: str, function: str) -> Callable:
    def render(*args, **kwargs):
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)(*args, **kwargs)
    render.__name__ = f"{module}.{function}"
    return render
