"""The deploy set: the files ``gcloud app deploy`` / ``appcfg.py update``
would upload for one python27 service, decided the way both tools walk the
service directory (appcfg.py ``FileIterator``, gcloud
``api_lib/app/util.FileIterator``):

* ``skip_files`` is one regex, used with ``re.match`` (anchored at the start
  only) on the path relative to the app root with ``/`` separators. A list is
  joined as ``(?:a)|(?:b)``; an explicit value REPLACES ``DEFAULT_SKIP_FILES``.
* The regex is tried on directories too, on their path without a trailing
  ``/``; a matching directory is not descended into, so nothing below it is
  uploaded whatever it is called. Symlinks are followed.
* A ``.gcloudignore`` in the service directory (gitignore syntax plus
  ``#!include:FILE``) replaces skip_files for gcloud. With an explicit
  skip_files as well, gcloud refuses to deploy (GAE406 says so); the deploy
  set then follows skip_files, which is what the tool that does deploy such an
  app (appcfg.py) uploads.
* appcfg.py also dropped a ``foo.pyc`` beside ``foo.py``; gcloud, the only
  deploy tool left, uploads both, so both are in the deploy set (GAE401).

Nothing here raises on a bad tree: symlink loops, dangling links and
unreadable directories become ``Problem`` entries. Files are not opened here;
one that cannot be read is reported when it is linted (GAE001).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Pattern, Tuple, Union

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

from .. import reading
from ..knowledge import table
from .appyaml import SkipEntry
from .dirwalk import Problem, classify, link_boundary, real_dir, scan_dir
from .entrypoints import nested_includes
from .userregex import PatternTimeout, UserPattern, budget_note

DEFAULT_SKIP_FILES: str = table("app_yaml")["default_skip_files"]["regex"]
DEFAULT_RE = re.compile(DEFAULT_SKIP_FILES)
GCLOUDIGNORE = ".gcloudignore"
APP_YAML_NAMES = ("app.yaml", "app.yml")
# --all-files lints everything, but version-control metadata is never code
# and can hold hundreds of thousands of files.
VCS_DIRS = frozenset((".git", ".hg", ".svn", ".bzr"))
_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_MAX_IGNORE_BYTES = 4_000_000       # a .gcloudignore (or a file it includes)


@dataclass
class DeploySet:
    root: Path
    files: List[Path]  # uploaded files of any type, sorted by relative path
    skipped: List[Path]  # files seen in walked directories but not uploaded
    skipped_dirs: List[Path]  # directories not descended into
    problems: List[Problem]
    # 'default_skip_files' | 'skip_files' | 'gcloudignore' | 'all_files'
    mechanism: str
    uses_gcloudignore: bool  # a .gcloudignore exists in the root
    has_explicit_skip_files: bool
    _rules: "UploadRules" = field(repr=False)
    _deployed: frozenset = field(default=frozenset(), repr=False)

    def relpath(self, path: Path) -> str:
        """Path relative to the app root with '/' separators (ValueError if outside)."""
        # String work: pathlib's relative_to is a hot spot on warm runs.
        text, root = os.path.abspath(path), str(self.root)
        if text.startswith(root) and text[len(root):len(root) + 1] == os.sep:
            return text[len(root) + 1:].replace(os.sep, "/")
        return Path(text).relative_to(self.root).as_posix()

    def is_deployed(self, relpath: str) -> bool:
        """Whether this existing file is uploaded."""
        return relpath in self._deployed

    def would_upload(self, relpath: str) -> bool:
        """Whether a file at relpath would be uploaded, existing or not."""
        return self._rules.uploads(relpath)


class UploadRules:
    """The upload decision for one app: which paths are skipped."""

    def __init__(self, app, all_files: bool) -> None:
        self.problems: List[Problem] = []
        config = app.config
        entries = config.skip_files if config is not None and config.error is None else None
        self.has_explicit_skip_files = entries is not None
        included = _included_skip_files(config, app.root) if config is not None and config.error is None else []
        if included:
            # appinfo's MergeSkipFiles: the app's own (or the default) | each include's
            base = entries if entries is not None else [SkipEntry(DEFAULT_SKIP_FILES, 0)]
            entries = list(base) + included
            self.has_explicit_skip_files = True
        ignore_path = app.root / GCLOUDIGNORE
        self.uses_gcloudignore = reading.is_regular_file(ignore_path)
        self._regex = None          # re.Pattern (the default) or UserPattern (the app's own)
        self._spec: Optional[GitIgnoreSpec] = None
        self._entries: List[SkipEntry] = []
        self._config_path = config.path if config is not None else None
        if all_files:
            self.mechanism = "all_files"
        elif self.uses_gcloudignore and not self.has_explicit_skip_files:
            self.mechanism = "gcloudignore"
            self._spec = _load_gcloudignore(ignore_path, self.problems)
        elif self.has_explicit_skip_files:
            self.mechanism = "skip_files"
            self._entries = list(entries or [])
            self._regex = _compile_skip_files(self._entries, config.path, self.problems)
        else:
            self.mechanism = "default_skip_files"
            self._regex = DEFAULT_RE

    def skips(self, rel: str, is_dir: bool = False) -> bool:
        """Whether the deploy leaves this path out (a directory: all below it)."""
        if self._regex is not None:
            try:
                return self._regex.match(rel) is not None
            except PatternTimeout:
                self._drop_slow_entries(rel)
                return self.skips(rel, is_dir)
        if self._spec is not None:
            return self._spec.match_file(rel + "/" if is_dir else rel)
        return is_dir and rel.rpartition("/")[2] in VCS_DIRS  # all_files

    def _drop_slow_entries(self, rel: str) -> None:
        """The app's skip_files blew its time budget on ``rel``: report each
        entry that does on its own and go on without them (without any
        skip_files if no single entry is to blame)."""
        slow = [e for e in self._entries if not _entry_matches_in_time(e, rel)]
        for entry in slow or self._entries:
            self.problems.append(Problem(self._config_path, f"skip_files entry {entry.regex!r} "
                                         f"{budget_note(rel)}; gaelint ignores it, so what it skips is linted",
                                         entry.line))
        self._entries = [e for e in self._entries if e not in slow] if slow else []
        self._regex = _compile_skip_files(self._entries, self._config_path, []) if self._entries else re.compile("(?!)")

    def uploads(self, rel: str) -> bool:
        parts = rel.split("/")
        return not any(self.skips("/".join(parts[:i]), True) for i in range(1, len(parts))) and not self.skips(rel)


def _included_skip_files(config, root: Path) -> List[SkipEntry]:
    """The ``skip_files`` of the files ``includes:`` names, which appinfo
    joins to the app's (AppInclude.MergeSkipFiles)."""
    return [entry for _, included in nested_includes(config, root)
            if included is not None and included.error is None for entry in included.skip_files or ()]


def _compile_skip_files(entries: List[SkipEntry], path: Path, problems: List[Problem]) -> Union[Pattern[str], UserPattern]:
    """Build appinfo's combined regex with Python 3's ``re``.

    Each entry is compiled alone first so a bad one is reported on its own
    line. Python 2 took a global flag such as ``(?i)`` anywhere; Python 3.11
    only at the very start, which the ``(?:...)`` wrapping breaks, so leading
    flags are hoisted. Python 2 unicode patterns without ``(?u)`` matched
    ``\\w`` as ASCII only, hence ``re.ASCII``.
    """
    if not entries:
        # '|'.join([]) is '', which re.match()es every path: nothing uploads.
        problems.append(Problem(path, "skip_files is empty: the combined regex matches every path, so nothing is uploaded"))
        return re.compile("")
    flags, bodies = set(), []
    for entry in entries:
        body, found = entry.regex, _GLOBAL_FLAGS.match(entry.regex)
        if found:
            flags.update(found.group(1).replace("L", ""))
            body = body[found.end():]
        bodies.append((entry, body))
    prefix = f"(?{''.join(sorted(flags))})" if flags else ""
    base = 0 if "u" in flags else re.ASCII
    valid = []
    for entry, body in bodies:
        try:
            re.compile(prefix + body, base)
        except (re.error, ValueError) as exc:
            problems.append(Problem(path, f"skip_files entry {entry.regex!r} is not a valid regular expression ({exc}); it is ignored", entry.line))
            continue
        valid.append(body)
    if not valid:
        return re.compile("(?!)")
    return UserPattern(prefix + "|".join(f"(?:{body})" for body in valid), base)


def _entry_pattern(entry: SkipEntry) -> UserPattern:
    """One skip_files entry compiled as in the combined regex (raises re.error)."""
    found = _GLOBAL_FLAGS.match(entry.regex)
    flags = found.group(1).replace("L", "") if found else ""
    body = entry.regex[found.end():] if found else entry.regex
    return UserPattern((f"(?{flags})" if flags else "") + body, 0 if "u" in flags else re.ASCII)


def _entry_matches_in_time(entry: SkipEntry, rel: str) -> bool:
    """False when this entry alone blows the time budget on ``rel``."""
    try:
        _entry_pattern(entry).match(rel)
    except PatternTimeout:
        return False
    except (re.error, ValueError):
        pass
    return True


def entry_matches(entry: SkipEntry, rel: str) -> bool:
    """Whether one skip_files entry matches ``rel`` (``re.match``), within
    the time budget: an entry that blows it matches nothing."""
    try:
        return _entry_pattern(entry).match(rel) is not None
    except (PatternTimeout, re.error, ValueError):
        return False


def _read_lines(path: Path, problems: List[Problem], why: str) -> List[str]:
    try:
        return reading.read_bytes(path, _MAX_IGNORE_BYTES).decode("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, f"{why}: {getattr(exc, 'strerror', None) or exc}"))
        return []


def gcloudignore_include(line: str) -> Optional[str]:
    """The file a ``.gcloudignore`` line includes (``#!include:NAME``, as
    gcloud's FileChooser reads it), or None."""
    if line.startswith("#") and line[1:].lstrip().startswith("!include:"):
        return line[line.find("!include:") + len("!include:"):].strip()
    return None


def _load_gcloudignore(path: Path, problems: List[Problem]) -> "GitIgnoreSpec":
    """gcloud's FileChooser.FromFile: gitignore lines plus one level of includes."""
    from pathspec import GitIgnoreSpec      # only apps with a .gcloudignore pay its import
    patterns: List[str] = []
    for line in _read_lines(path, problems, "cannot read .gcloudignore"):
        if line.startswith("#"):
            name = gcloudignore_include(line)
            if name is not None:
                if "/" in name:
                    problems.append(Problem(path, f"#!include:{name}: gcloud only includes files in the same directory and fails"))
                    continue
                included = _read_lines(path.parent / name, problems, f"#!include:{name} cannot be read and gcloud fails")
                # Includes inside an included file are not followed (gcloud
                # reads it with recurse=0); its '#' lines are comments.
                patterns.extend(x for x in included if not x.startswith("#"))
            continue
        patterns.append(line)

    def valid(pattern: str) -> bool:  # pathspec rejects a few lines gcloud skips
        try:
            return GitIgnoreSpec.from_lines([pattern]) is not None
        except Exception:  # noqa: BLE001
            problems.append(Problem(path, f"invalid pattern {pattern!r} is ignored"))
            return False

    return GitIgnoreSpec.from_lines([p for p in patterns if valid(p)])


def _walk(root: Path, rules: UploadRules, problems: List[Problem],
          boundary: Optional[str] = None) -> Tuple[List[str], List[str], List[str]]:
    """Relative paths of uploaded files, skipped files and pruned directories."""
    files: List[str] = []
    skipped: List[str] = []
    pruned: List[str] = []
    stack = [("", str(root), (os.path.realpath(root),))]
    while stack:
        prefix, directory, chain = stack.pop()
        for entry in scan_dir(directory, problems):
            rel = prefix + entry.name
            kind = classify(entry, problems, lambda: rules.skips(rel))
            if kind == "file":
                (skipped if rules.skips(rel) else files).append(rel)
            elif kind == "dir" and rules.skips(rel, True):
                pruned.append(rel)
            elif kind == "dir":
                real = real_dir(entry, chain, problems, boundary)
                if real is not None:
                    stack.append((rel + "/", entry.path, chain + (real,)))
    return sorted(files), sorted(skipped), sorted(pruned)


def upload_rules_of(app, all_files: bool) -> UploadRules:
    if all_files not in app.upload_rules:
        app.upload_rules[all_files] = UploadRules(app, all_files)
    return app.upload_rules[all_files]


def deploy_set(app, all_files: bool = False) -> DeploySet:
    """Every file the deploy uploads (cached per app)."""
    if all_files in app.deploy_sets:
        return app.deploy_sets[all_files]
    rules = upload_rules_of(app, all_files)
    walk_problems: List[Problem] = []
    checked = getattr(app, "checked_root", None)
    boundary = link_boundary(os.path.realpath(app.root), str(checked) if checked is not None else None)
    files, skipped, pruned = _walk(app.root, rules, walk_problems, boundary)
    problems = list(rules.problems) + walk_problems   # after the walk: a pattern may blow its budget there
    result = DeploySet(
        root=app.root,
        files=[app.root / rel for rel in files],
        skipped=[app.root / rel for rel in skipped],
        skipped_dirs=[app.root / rel for rel in pruned],
        problems=problems,
        mechanism=rules.mechanism,
        uses_gcloudignore=rules.uses_gcloudignore,
        has_explicit_skip_files=rules.has_explicit_skip_files,
        _rules=rules,
        _deployed=frozenset(files),
    )
    app.deploy_sets[all_files] = result
    return result
