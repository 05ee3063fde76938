"""Stage 6, the report: what the user sees of a run.

Owns: ``# noqa`` suppressions and what the configuration decides per file
(:mod:`.suppress`, :mod:`.postprocess`), baselines (:mod:`.baseline`), the
:class:`~.result.RunResult` and the output formats (text, json, sarif,
github, junit, gitlab, statistics), each a module with ``render(result, options)``.

May import: the foundation modules only (findings, knowledge, registry,
config, docs). A reporter reads a RunResult, never the stages that made it.
"""
from __future__ import annotations

from typing import Callable, Dict

from .common import display_path, finding_dict  # noqa: F401 - the formats' shared helpers


def formats() -> Dict[str, Callable]:
    from . import gitlab, github, json_report, junit, sarif, text
    return {"text": text.render, "full": text.render, "concise": text.render_concise,
            "json": json_report.render, "sarif": sarif.render, "github": github.render,
            "junit": junit.render, "gitlab": gitlab.render}
