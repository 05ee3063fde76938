"""A whole app's result, cached by the content of every file it deploys.

The per-file cache saves the parse and the rules, but a warm run would
still rebuild each app's production model (its import graph) and run its
app rules. When not one byte of an app changed (nor gaelint, nor the rules
selected), the app's findings (judged, with their chains, before the
configuration's suppressions, which are cheap and always applied) are
taken whole from one entry. The key hashes the app's root, every deployed
file's path and bytes, and the engine; reading and hashing the files costs
far less than checking them, and a file whose stat is the one of the last
run is not even read (engine.filehashes).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import List, Optional, Tuple

from gaelint.app import buildsteps, untracked
from gaelint.app.entrypoints import nested_includes
from gaelint.findings import Finding, Step

from .cache import MISSING, ResultCache, decode_finding, encode_finding

KIND = "app"
_MAX_FILE_BYTES = 64 * 1024 * 1024


def key(cache: ResultCache, app, all_files: bool, checked: List[Path]) -> Optional[str]:
    """The app's snapshot key, or None when a file cannot be read or the
    app's result depends on files it does not deploy.

    ``checked`` are the app's files this run checks: the configuration's
    ``exclude`` and the deploy set decide them, so they are part of the key.
    """
    if getattr(app.app, "import_root", None) is not None:
        return None     # its handlers import modules from above the app root
    h = hashlib.sha256()
    # root_unknown: discovery found no handler module on disk (deployed or not)
    h.update(f"{cache.engine_key}|{KIND}|{app.root}|{all_files}|{app.app.config_path}|"
             f"{getattr(app.app, 'root_unknown', False)}\0".encode())
    for path in sorted(checked):
        h.update(os.fsencode(str(path)) + b"\1")
    deployed = set(app.deploy.files)
    configs = [c.path for c in [app.config, *getattr(app.app, "service_configs", ())] if c is not None]
    # build scripts, requirements files and Bazel markers decide what a build adds (app.buildsteps);
    # `includes:` may name yamls outside the app
    extra = sorted({p for p in (*configs, *_included(app), app.root / ".gcloudignore", *buildsteps.inputs(app.root))
                    if p not in deployed})
    hashes = cache.file_hashes
    for path in [*app.deploy.files, *extra]:
        try:
            digest = hashes.sha256(path, _MAX_FILE_BYTES)
        except FileNotFoundError:
            digest = b"\0missing"
        except OSError:
            return None
        h.update(os.fsencode(str(path)) + b"\0" + digest)
    # the files the deploy skips, too: rules look at them (a skipped .pyc's bytes, GAE3xx)
    h.update(b"\1skipped\0")
    for path in app.deploy.skipped:
        try:
            digest = hashes.sha256(path, _MAX_FILE_BYTES)
        except OSError as exc:      # a socket, a huge file: its name and kind only
            digest = f"\0{type(exc).__name__}".encode()
        h.update(os.fsencode(str(path)) + b"\0" + digest)
    return h.hexdigest()


def _valid(value) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("findings"), list)
            and isinstance(value.get("chains"), list) and len(value["chains"]) == len(value["findings"])
            and isinstance(value.get("notes"), list) and all(isinstance(n, str) for n in value["notes"])
            and isinstance(value.get("checkout"), list))


def load(cache: ResultCache, snapshot_key: str, root: Path) -> Optional[Tuple[List[Finding], List[str]]]:
    """(findings, notes) of an unchanged app, or None."""
    value = cache.get_value(snapshot_key, kind=KIND, valid=_valid)
    if value is MISSING:
        return None
    # a missing handler module is judged by what the checkout holds beyond
    # the deploy set (.gitignore files, empty directories): asked again
    if not untracked.answers_unchanged(value["checkout"]):
        return None
    try:
        findings = []
        for encoded, chain in zip(value["findings"], value["chains"]):
            steps = tuple(Step(Path(p), line, str(what)) for p, line, what in chain)
            findings.append(decode_finding(encoded, root).with_(reached_from=steps))
    except (KeyError, TypeError, ValueError):
        return None
    return findings, list(value["notes"])


def _included(app) -> List[Path]:
    """The yamls the app's service yamls pull in through `includes:` (nested
    too), also those the checkout lacks: one appearing changes the result."""
    configs = [c for c in [app.config, *getattr(app.app, "service_configs", ())] if c is not None]
    return [path for config in configs for path, _ in nested_includes(config, app.root)]


def store(cache: ResultCache, snapshot_key: str, app, findings: List[Finding], notes: List[str]) -> None:
    if any(f.code == "GAE002" for f in findings):
        return          # gaelint failed on something: never keep that
    root = app.root
    cache.put_value(snapshot_key, {"findings": [encode_finding(f, root) for f in findings],
                                   "chains": [[[str(s.path), s.line, s.what] for s in f.reached_from]
                                              for f in findings],
                                   "notes": notes,
                                   "checkout": [list(a) for a in app.checkout_answers]}, kind=KIND)
