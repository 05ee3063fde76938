"""The python27 ``libraries:`` catalogue (gaelint/data/libraries.json) and
what an app has enabled from it.

What the runtime enables is what appinfo computes: the entries app.yaml
lists (``latest`` resolved to the library's latest_version), each one's
REQUIRED_LIBRARIES companions that the app does not list itself
(``GetAllLibraries``), and every default-enabled library not already there
(``GetNormalizedLibraries``).
"""
from __future__ import annotations

import functools
from typing import Dict, List, Optional, Set, Tuple

from gaelint.knowledge import table

DATA = table("libraries")
LIBRARIES: Dict[str, dict] = DATA["libraries"]


@functools.lru_cache(maxsize=None)
def _by_import() -> Dict[str, Tuple[str, ...]]:
    out: Dict[str, List[str]] = {}
    for name, lib in LIBRARIES.items():
        for module in lib["imports"]:
            out.setdefault(module, []).append(name)
    preferred = DATA["preferred"]
    return {m: tuple(sorted(names, key=lambda n: (preferred.get(m) != n, n))) for m, names in out.items()}


def for_import(dotted: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(import name, catalogue libraries providing it) for the longest
    import name that ``dotted`` is or is inside, else None."""
    table_ = _by_import()
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key in table_:
            return key, table_[key]
    return None


def import_tops() -> Set[str]:
    """Every component of every import name."""
    return {part for module in _by_import() for part in module.split(".")}


def undeclarable_import_words() -> Set[str]:
    """Trigger words for GAE302: the last component of every import name
    (present in any spelling of that import: ``import google.protobuf``,
    ``from google import protobuf``) of a library that is not enabled by
    default (a default-enabled one can never be missing)."""
    return {module.rsplit(".", 1)[-1] for module, libs in _by_import().items()
            if not all(LIBRARIES[lib]["default"] for lib in libs)}


def resolve(name: str, version: Optional[str]) -> Optional[str]:
    """``latest`` -> the library's latest_version (Library.CheckInitialized)."""
    lib = LIBRARIES.get(name)
    if lib is not None and version == "latest":
        return lib["latest"]
    return version


def companions(name: str, version: Optional[str]) -> List[Tuple[str, str]]:
    """REQUIRED_LIBRARIES of (name, version), versions resolved."""
    lib = LIBRARIES.get(name) or {}
    req = lib.get("requires", {})
    found = req.get(resolve(name, version) or "") or req.get(version or "") or []
    return [(n, resolve(n, v) or v) for n, v in found]


_DECOMMISSIONED = DATA.get("decommissioned", {})


def decommissioned(name: str, version: Optional[str]) -> Optional[dict]:
    """{'why', 'use'} when the runtime no longer serves that version (or
    gcloud refuses to deploy it), else None."""
    versions = _DECOMMISSIONED.get("versions", {}).get(name, {})
    return versions.get(resolve(name, version) or "") or versions.get(version or "")


def instead(name: str) -> Optional[str]:
    """What to do instead of a library the runtime no longer serves at all."""
    return _DECOMMISSIONED.get("instead", {}).get(name)


def vendored_replacement(name: str) -> Optional[str]:
    """What an app vendors in place of a library the runtime no longer
    serves (Endpoints Frameworks v2 for ``endpoints``), in words."""
    return _DECOMMISSIONED.get("vendored_replacement", {}).get(name)


def pip_names_of(name: str) -> Tuple[str, ...]:
    """The PyPI distribution names that install a catalogue library
    (``google-endpoints`` for ``endpoints``), besides its own name."""
    return tuple(pip for pip, library in DATA["pip_names"]["names"].items() if library == name)


def newest(name: str) -> Optional[str]:
    """The highest supported version that is neither deprecated nor
    decommissioned (None when the runtime serves none any more)."""
    lib = LIBRARIES[name]
    live = [v for v in lib["versions"] if not decommissioned(name, v)]
    usable = [v for v in live if v not in lib["deprecated"]] or live
    return max(usable, key=_version_key) if usable else None


def recommended(name: str) -> str:
    """The version ``--fix`` writes: the newest supported one that is
    neither deprecated nor experimental (else the newest supported)."""
    lib = LIBRARIES[name]
    usable = [v for v in lib["versions"] if v not in lib["deprecated"] and v not in lib.get("experimental", ())]
    return max(usable, key=_version_key) if usable else newest(name)


def companion_version(name: str, implicit: str) -> Tuple[str, bool]:
    """(version to list, whether it differs from what the runtime uses now)
    for a companion appinfo adds implicitly at ``implicit``: that version,
    unless it is deprecated."""
    lib = LIBRARIES[name]
    if implicit in lib["versions"] and implicit not in lib["deprecated"]:
        return implicit, False
    return recommended(name), True


def _version_key(version: str):
    out = []
    for piece in version.replace("-", ".").split("."):
        digits = "".join(c for c in piece if c.isdigit())
        out.append((int(digits) if digits else -1, piece))
    return out


def enabled(app, config=None) -> Dict[str, str]:
    """{library: how it is enabled} for an app's app.yaml (or another of its
    service yamls, ``config``): 'listed', 'required by X' or 'enabled by
    default' (cached per app and yaml)."""
    config = config if config is not None else app.config

    def compute() -> Dict[str, str]:
        entries = list(getattr(config, "libraries", None) or ())
        out: Dict[str, str] = {}
        for e in entries:
            if e.name in LIBRARIES:
                out[e.name] = "listed"
        for e in entries:
            if e.name in LIBRARIES:
                for companion, _ in companions(e.name, e.version_runtime or e.version):
                    out.setdefault(companion, f"required by {e.name}")
        for name, lib in LIBRARIES.items():
            if lib["default"]:
                out.setdefault(name, "enabled by default")
        return out
    return app.memo(f"catalogue.enabled:{getattr(config, 'path', None)}", compute)
