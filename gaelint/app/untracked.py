"""Why a module a handler names may exist where the app is deployed from,
though the checkout gaelint reads does not hold it.

A developer's tree holds more than git does: a library kept untracked
(`.gitignore` lists `/mapreduce`), a git submodule that a plain checkout
leaves as an empty directory. gcloud uploads the developer's tree, not git's,
so a handler naming such a module is likely fine: GAE407 says so at warning
instead of failing the deploy. Unless `.gcloudignore` includes the app
directory's `.gitignore`: then gcloud skips what it lists too, and the
handler really is missing.

What a rule learns here about files the app does not deploy is recorded on
the AppContext (``why_absent_in``, ``exists_in``): an app's snapshot
(engine.snapshot) keeps those answers and is used again only while the
checkout gives the same ones. A rule that reads the checkout outside the
deploy set must ask through these, or its result can come back stale.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

from gaelint import reading

from .deployset import gcloudignore_include

_MAX_LEVELS = 8             # .gitignore files read from the app root upwards
_MAX_BYTES = 1_000_000


def why_absent(app_root: Path, parts: List[str]) -> Optional[str]:
    """Why the module ``parts`` (a dotted path as a list, relative to the
    app root) may exist in the deploying tree; None when nothing says so."""
    present = 0         # how many leading parts are directories of the checkout
    while present < len(parts) and app_root.joinpath(*parts[:present + 1]).is_dir():
        present += 1
        if not _holds_files(app_root.joinpath(*parts[:present])):
            return (f"`{'/'.join(parts[:present])}/` is empty in the checkout (a git submodule not checked out, "
                    "or a build step fills it)")
    if present == len(parts):
        return None
    # gcloud applies the app directory's .gitignore when .gcloudignore includes it
    applied = app_root / ".gitignore" if _gcloudignore_includes_gitignore(app_root) else None
    first_missing = "/".join(parts[:present + 1])
    for directory in _gitignore_dirs(app_root):
        spec = _gitignore(directory / ".gitignore") if directory / ".gitignore" != applied else None
        if spec is None:
            continue
        prefix = os.path.relpath(app_root, directory).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        # an ignored directory the checkout holds anyway: this tree has the
        # untracked files, so they do not explain a missing module
        held = [prefix.rstrip("/")] if prefix else []
        held += [prefix + "/".join(parts[:k]) for k in range(1, present + 1)]
        if any(spec.match_file(d + "/") for d in held if d):
            continue
        if spec.match_file(prefix + first_missing + ".py") or spec.match_file(prefix + first_missing + "/"):
            shown = os.path.relpath(directory / ".gitignore", app_root).replace(os.sep, "/")
            return f"`{shown}` lists it: it may be in the deploying tree, untracked by git"
    return None


def why_absent_in(app, app_root: Path, parts: List[str]) -> Optional[str]:
    """:func:`why_absent`, with the answer recorded on the AppContext
    (``checkout_answers``): it depends on files the app does not deploy."""
    answer = why_absent(app_root, parts)
    app.checkout_answers.append(("why_absent", str(app_root), list(parts), answer))
    return answer


def exists_in(app, path: Path) -> bool:
    """Whether ``path`` (a file the app may not deploy) exists, recorded on
    the AppContext like :func:`why_absent_in`."""
    answer = path.exists()
    app.checkout_answers.append(("exists", str(path), answer))
    return answer


def answers_unchanged(answers) -> bool:
    """Whether the checkout still gives these recorded answers (anything
    unreadable or malformed: no)."""
    try:
        for kind, *question in answers:
            if kind == "why_absent":
                root, parts, answer = question
                if why_absent(Path(root), list(parts)) != answer:
                    return False
            elif kind == "exists":
                path, answer = question
                if Path(path).exists() != answer:
                    return False
            else:
                return False
        return True
    except Exception:  # noqa: BLE001 - a directory gone unreadable, a foreign entry: not the same answers
        return False


def _gitignore_dirs(app_root: Path) -> List[Path]:
    """The app root and its parents up to the repository root."""
    out = []
    current = app_root
    for _ in range(_MAX_LEVELS):
        out.append(current)
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
    return out


def _holds_files(directory: Path) -> bool:
    try:
        for _, _, files in os.walk(directory):
            if files:
                return True
    except OSError:
        return True
    return False


def _gitignore(path: Path) -> Optional["GitIgnoreSpec"]:
    try:
        lines = reading.read_text(path, limit=_MAX_BYTES).splitlines()
    except OSError:
        return None
    from pathspec import GitIgnoreSpec      # only when a handler module is missing
    try:
        return GitIgnoreSpec.from_lines([line for line in lines if line.strip() and not line.startswith("#")])
    except Exception:  # noqa: BLE001 - a line pathspec rejects: no answer rather than a crash
        return None


def _gcloudignore_includes_gitignore(app_root: Path) -> bool:
    try:
        text = reading.read_text(app_root / ".gcloudignore", limit=_MAX_BYTES)
    except OSError:
        return False
    return any(gcloudignore_include(line) == ".gitignore" for line in text.splitlines())
