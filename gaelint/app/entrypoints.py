"""What the python27 runtime runs of an app: its entry points.

Every handler ``script:`` of every python27 service yaml of the app (WSGI
``module.attr`` paths and CGI scripts), the handlers of the files its
``includes:`` name (resolved from the including app, as appinfo merges
them), and ``appengine_config.py``, which the runtime imports for every
request. ``builtins:`` and the ``google.appengine...`` / ``$PYTHON_LIB``
scripts are the SDK's own code, not the app's.

Services whose runtime is not python27 (python3x, go, java, ``env: flex``,
``vm: true``) are not entry points: their code is out of scope.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from gaelint.knowledge import table

from .appyaml import AppConfig, load_app_config, yaml_kind
from .environment import not_the_python27_sandbox

FACTS = table("app_yaml")["handler_scripts"]
SDK_PREFIX = FACTS["sdk_script_prefix"]
_MAX_INCLUDE_DEPTH = 5


@dataclass(frozen=True)
class EntryPoint:
    config: Path            # the service yaml (or included file) naming it
    line: Optional[int]     # the handler's script line
    script: str             # `main.app`, `reports.py`, or `appengine_config`
    cgi: bool               # runs as a CGI script: its `__main__` block is production code
    service: str            # the service yaml that brought it in (for includes)
    url: Optional[str] = None
    earlier_urls: Tuple[Tuple[int, str], ...] = ()   # (line, url) of the handlers before it

    @property
    def sdk(self) -> bool:
        return self.script.startswith(("google.appengine.", SDK_PREFIX))


def python27_configs(app) -> List[AppConfig]:
    """The app's service yamls that parsed and run on python27."""
    configs = [c for c in [app.config, *getattr(app, "service_configs", ())] if c is not None]
    return [c for c in configs if c.error is None and yaml_kind(c.path, c) == "service"
            and c.runtime == "python27" and not_the_python27_sandbox(c) is None]


def include_files(config: AppConfig, root: Path) -> List[Tuple[Path, int]]:
    """The files an ``includes:`` list names (a directory means its
    ``include.yaml``), relative to the app root, with the entry's line."""
    out = []
    for entry in config.includes:
        if not isinstance(entry.value, str) or not entry.value.strip():
            continue
        path = root / entry.value.strip()
        if path.is_dir():
            path = path / "include.yaml"
        out.append((path, entry.line))
    return out


def nested_includes(config: AppConfig, root: Path, deepest: int = _MAX_INCLUDE_DEPTH + 1
                    ) -> Iterator[Tuple[Path, Optional[AppConfig]]]:
    """(path, its loaded yaml, or None when the checkout lacks it) of every
    file ``config``'s ``includes:`` names and, as appinfo merges them, the
    files those name in turn, ``deepest`` levels down; each existing file
    once, in the order appinfo's MergeSkipFiles joins them."""
    seen = set()
    stack = [(config, 1)]
    while stack:
        current, level = stack.pop()
        for path, _ in include_files(current, root):
            if path in seen or level > deepest:
                continue
            if not path.is_file():
                yield path, None
                continue
            seen.add(path)
            included = load_app_config(path)
            yield path, included
            if included.error is None:
                stack.append((included, level + 1))


def handler_entry_points(config: AppConfig, service: str) -> List[EntryPoint]:
    out = []
    earlier: List[Tuple[int, str]] = []
    for handler in config.handlers:
        script = handler.script
        url = handler.url if isinstance(handler.url, str) else None
        if isinstance(script, str) and script.strip():
            script = script.strip()
            cgi = "/" in script or script.endswith(".py")
            out.append(EntryPoint(config.path, handler.script_line or handler.line, script, cgi, service,
                                  url, tuple(earlier)))
        if url is not None:
            earlier.append((handler.line, url))
    return out


def entry_points(app, root: Path) -> Tuple[List[EntryPoint], List[str]]:
    """(entry points, notes) of an app whose modules import from ``root``."""
    points: List[EntryPoint] = []
    notes: List[str] = []
    seen = set()
    for config in python27_configs(app):
        service = config.path.name
        stack = [(config, 0)]
        while stack:
            current, depth = stack.pop()
            key = os.path.abspath(current.path)
            if key in seen:
                continue
            seen.add(key)
            points.extend(handler_entry_points(current, service))
            if depth >= _MAX_INCLUDE_DEPTH:
                continue
            for path, line in include_files(current, root):
                if not path.is_file():
                    notes.append(f"{_rel(current.path, root)}:{line}: `includes:` names {_rel(path, root)}, "
                                 "which is not in the checkout (a build step makes it?): its handlers are unknown")
                    continue
                included = load_app_config(path)
                if included.error is None:
                    stack.append((included, depth + 1))
    if (root / "appengine_config.py").is_file():
        points.append(EntryPoint(root / "appengine_config.py", None, "appengine_config", False, ""))
    return points, notes


_ENTRYPOINT_MODULE = re.compile(r"(?<![\w.:/-])([A-Za-z_][\w.]*):([A-Za-z_]\w*)")


def other_runtime_entry_points(app) -> List[EntryPoint]:
    """The WSGI modules that services of other runtimes in the same
    directory run (``entrypoint: gunicorn -b :$PORT worker:app``, or a
    handler's ``script: worker.app``): their code is out of scope."""
    out: List[EntryPoint] = []
    configs = [c for c in [app.config, *getattr(app, "service_configs", ())] if c is not None and c.error is None]
    for config in configs:
        if config.runtime == "python27" and not_the_python27_sandbox(config) is None:
            continue
        entry = config.data.get("entrypoint") if isinstance(config.data, dict) else None
        if isinstance(entry, str):
            for module, attr in _ENTRYPOINT_MODULE.findall(entry):
                out.append(EntryPoint(config.path, config.line_of("entrypoint"), f"{module}.{attr}", False,
                                      config.path.name))
        out.extend(e for e in handler_entry_points(config, config.path.name) if not e.cgi)
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return str(path)
