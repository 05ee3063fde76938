"""Find the apps under the given paths and the files each one deploys.

gaelint lints what production runs, so the file list is the deploy set: what
``appcfg.py update`` / ``gcloud app deploy`` would upload for a python27
service. Both tools walk the service directory the same way (appcfg.py
``FileIterator``, gcloud ``api_lib/app/util.FileIterator``), and this module
does what they do:

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

App roots: a directory holding ``app.yaml``/``app.yml``, or another service
yaml with ``runtime: python27``. A file belongs to the nearest app root above
it. An app directory inside another app is its own app: its files are linted
with its own config and left out of the outer app's target (they are still in
the outer ``DeploySet``, because the outer deploy uploads them too). With no
app at, above or below a path, the path is one implicit app (default
settings); files beside apps but in none are not deployed, so not linted
unless ``all_files``, which then gathers them in an implicit app.

Nothing here raises on a bad tree: symlink loops, dangling links and
unreadable directories become ``Problem`` entries. Files are not opened here;
one that cannot be read is reported when it is linted (GAE001).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Pattern, Tuple

from pathspec import GitIgnoreSpec

from .appyaml import AppConfig, SkipEntry, load_app_config, might_be_service, yaml_kind
from .knowledge import table

DEFAULT_SKIP_FILES: str = table("app_yaml")["default_skip_files"]["regex"]
_DEFAULT_RE = re.compile(DEFAULT_SKIP_FILES)
GCLOUDIGNORE = ".gcloudignore"
APP_YAML_NAMES = ("app.yaml", "app.yml")
# --all-files lints everything, but version-control metadata is never code
# and can hold hundreds of thousands of files.
_VCS_DIRS = frozenset((".git", ".hg", ".svn", ".bzr"))
_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


@dataclass(frozen=True)
class Problem:
    """Something gaelint could not look at or that breaks the deploy itself."""

    path: Path
    message: str
    line: Optional[int] = None


@dataclass(eq=False)
class App:
    root: Path  # absolute, resolved
    config_path: Optional[Path]
    config: Optional[AppConfig]
    service_configs: List[AppConfig] = field(default_factory=list)
    implicit: bool = False  # no app.yaml: a python27 app with default settings
    _deploy: Dict[bool, "DeploySet"] = field(default_factory=dict, repr=False)
    _rules: Dict[bool, "_Rules"] = field(default_factory=dict, repr=False)


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
    _rules: "_Rules" = field(repr=False)
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


@dataclass
class AppTarget:
    app: App
    files: List[Path]  # files to lint
    explicit: bool  # every file came from a file argument (pre-commit)
    excluded: List[Path] = field(default_factory=list)  # file arguments not deployed


class _Rules:
    """The upload decision for one app: which paths are skipped."""

    def __init__(self, app: App, all_files: bool) -> None:
        self.problems: List[Problem] = []
        config = app.config
        entries = config.skip_files if config is not None and config.error is None else None
        self.has_explicit_skip_files = entries is not None
        ignore_path = app.root / GCLOUDIGNORE
        self.uses_gcloudignore = ignore_path.is_file()
        self._regex: Optional[Pattern[str]] = None
        self._spec: Optional[GitIgnoreSpec] = None
        if all_files:
            self.mechanism = "all_files"
        elif self.uses_gcloudignore and not self.has_explicit_skip_files:
            self.mechanism = "gcloudignore"
            self._spec = _load_gcloudignore(ignore_path, self.problems)
        elif self.has_explicit_skip_files:
            self.mechanism = "skip_files"
            self._regex = _compile_skip_files(entries or [], config.path, self.problems)
        else:
            self.mechanism = "default_skip_files"
            self._regex = _DEFAULT_RE

    def skips(self, rel: str, is_dir: bool = False) -> bool:
        """Whether the deploy leaves this path out (a directory: all below it)."""
        if self._regex is not None:
            return self._regex.match(rel) is not None
        if self._spec is not None:
            return self._spec.match_file(rel + "/" if is_dir else rel)
        return is_dir and rel.rpartition("/")[2] in _VCS_DIRS  # all_files

    def uploads(self, rel: str) -> bool:
        parts = rel.split("/")
        return not any(self.skips("/".join(parts[:i]), True) for i in range(1, len(parts))) and not self.skips(rel)


def _compile_skip_files(entries: List[SkipEntry], path: Path, problems: List[Problem]) -> Pattern[str]:
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
    return re.compile(prefix + "|".join(f"(?:{body})" for body in valid), base)


def _read_lines(path: Path, problems: List[Problem], why: str) -> List[str]:
    try:
        return path.read_text("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, f"{why}: {getattr(exc, 'strerror', None) or exc}"))
        return []


def _load_gcloudignore(path: Path, problems: List[Problem]) -> GitIgnoreSpec:
    """gcloud's FileChooser.FromFile: gitignore lines plus one level of includes."""
    patterns: List[str] = []
    for line in _read_lines(path, problems, "cannot read .gcloudignore"):
        if line.startswith("#"):
            if line[1:].lstrip().startswith("!include:"):
                name = line[line.find("!include:") + len("!include:"):].strip()
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


def _scan(path: str, problems: List[Problem]) -> List[os.DirEntry]:
    try:
        with os.scandir(path) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(Path(path), f"cannot read directory: {exc.strerror or exc}"))
        return []


def _classify(entry: os.DirEntry, problems: List[Problem], skips_file) -> str:
    """'dir', 'file' or 'other'; broken links become problems."""
    try:
        if entry.is_dir():
            return "dir"
        if entry.is_file():
            return "file"
    except OSError as exc:  # ELOOP: a link that resolves to itself
        problems.append(Problem(Path(entry.path), f"symlink loop ({exc.strerror}); not followed"))
        return "other"
    if entry.is_symlink() and not skips_file():
        problems.append(Problem(Path(entry.path), "dangling symlink (its target does not exist); not uploaded"))
    return "other"


def _walk(root: Path, rules: _Rules, problems: List[Problem]) -> Tuple[List[str], List[str], List[str]]:
    """Relative paths of uploaded files, skipped files and pruned directories."""
    files: List[str] = []
    skipped: List[str] = []
    pruned: List[str] = []
    stack = [("", str(root), (os.path.realpath(root),))]
    while stack:
        prefix, directory, chain = stack.pop()
        for entry in _scan(directory, problems):
            rel = prefix + entry.name
            kind = _classify(entry, problems, lambda: rules.skips(rel))
            if kind == "file":
                (skipped if rules.skips(rel) else files).append(rel)
            elif kind == "dir" and rules.skips(rel, True):
                pruned.append(rel)
            elif kind == "dir":
                real = _real(entry, chain, problems)
                if real is not None:
                    stack.append((rel + "/", entry.path, chain + (real,)))
    return sorted(files), sorted(skipped), sorted(pruned)


def _real(entry: os.DirEntry, chain: Tuple[str, ...], problems: List[Problem]) -> Optional[str]:
    """Real path of a directory, None when it loops back to an ancestor."""
    if not entry.is_symlink():
        return os.path.join(chain[-1], entry.name)
    real = os.path.realpath(entry.path)
    if real in chain:
        problems.append(Problem(Path(entry.path), f"symlink loop: points back to {real}; not followed"))
        return None
    return real


def _rules(app: App, all_files: bool) -> _Rules:
    if all_files not in app._rules:
        app._rules[all_files] = _Rules(app, all_files)
    return app._rules[all_files]


def deploy_set(app: App, all_files: bool = False) -> DeploySet:
    """Every file the deploy uploads (cached per app)."""
    if all_files in app._deploy:
        return app._deploy[all_files]
    rules = _rules(app, all_files)
    problems = list(rules.problems)
    files, skipped, pruned = _walk(app.root, rules, problems)
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
    app._deploy[all_files] = result
    return result


def find_apps(paths: Iterable[Path], all_files: bool = False) -> Tuple[List[AppTarget], List[Problem]]:
    """One target per app under (or above) the given paths, sorted by root."""
    finder = _Finder(all_files)
    for path in paths:
        finder.add(os.path.abspath(path))
    return finder.result()


class _Finder:
    def __init__(self, all_files: bool) -> None:
        self.all_files = all_files
        self.problems: List[Problem] = []
        self._at: Dict[str, Optional[App]] = {}  # directory as walked -> app rooted there
        self._by_root: Dict[Path, App] = {}
        self._targets: Dict[Path, AppTarget] = {}

    def app_at(self, directory: str, names: Optional[List[str]] = None) -> Optional[App]:
        if directory not in self._at:
            if names is None:
                try:
                    names = os.listdir(directory)
                except OSError:
                    names = []  # e.g. an unreadable /home on the way up
            app = _detect(directory, names)
            if app is not None:
                app = self._by_root.setdefault(app.root, app)
            self._at[directory] = app
        return self._at[directory]

    def upward(self, directory: str) -> Tuple[Optional[App], str]:
        current = directory
        while True:
            app = self.app_at(current)
            parent = os.path.dirname(current)
            if app is not None or parent == current:
                return app, current
            current = parent

    def implicit(self, directory: str) -> App:
        root = Path(os.path.realpath(directory))
        return self._by_root.setdefault(root, App(root=root, config_path=None, config=None, implicit=True))

    def discover(self, start: str, owner: Optional[App]) -> List[Tuple[App, str]]:
        """Apps strictly below start; only directories the enclosing app
        uploads are searched (outside any app: those the default uploads)."""
        found: List[Tuple[App, str]] = []
        stack = [(start, "", owner, (os.path.realpath(start),))]
        while stack:
            directory, prefix, owner, chain = stack.pop()
            entries = _scan(directory, self.problems)
            if directory != start:
                app = self.app_at(directory, [e.name for e in entries if e.name.endswith((".yaml", ".yml"))])
                if app is not None:
                    found.append((app, directory))
                    owner, prefix = app, ""
            rules = _rules(owner, self.all_files) if owner is not None else None
            for entry in entries:
                try:
                    if not entry.is_dir():
                        continue
                except OSError:
                    continue  # reported by the deploy walk
                rel = prefix + entry.name
                if rules is not None:
                    skip = rules.skips(rel, True)
                else:
                    skip = entry.name in _VCS_DIRS if self.all_files else bool(_DEFAULT_RE.match(rel))
                real = None if skip else _real(entry, chain, [])
                if real is not None:
                    stack.append((entry.path, rel + "/", owner, chain + (real,)))
        return found

    def add(self, path: str) -> None:
        if os.path.isdir(path):
            self._add_dir(path)
        elif os.path.isfile(path):
            parent = os.path.dirname(path)
            app, found_in = self.upward(parent)
            if app is None:
                app, found_in = self.implicit(parent), parent
            # Relative to where the app was found, so a path through a
            # symlinked directory names the file as the deploy walk does.
            rel = Path(os.path.relpath(path, found_in)).as_posix()
            file = app.root / rel
            rules = _rules(app, False)
            self.problems.extend(rules.problems)
            target = self._target(app, True)
            (target.files if self.all_files or rules.uploads(rel) else target.excluded).append(file)
        elif os.path.lexists(path):
            why = "dangling symlink" if os.path.islink(path) else "not a regular file or directory"
            self.problems.append(Problem(Path(path), why))
        else:
            self.problems.append(Problem(Path(path), "no such file or directory"))

    def _add_dir(self, start: str) -> None:
        owner, owner_dir = self.upward(start)
        nested = self.discover(start, owner)
        apps: List[Tuple[App, Optional[str]]] = [(app, None) for app, _ in nested]
        if owner is not None:
            # Files of the owning app below start only: start as seen from the
            # resolved root (the path given may run through symlinks).
            apps.append((owner, str(owner.root / os.path.relpath(start, owner_dir))))
        elif not nested or self.all_files:
            apps.append((self.implicit(start), None))
        roots = {str(app.root) for app, _ in nested} | {d for _, d in nested}
        for app, within in apps:
            deploy = deploy_set(app, self.all_files)
            self.problems.extend(deploy.problems)
            root = str(app.root)
            inner = [r for r in roots if r != root and _under(r, root)]
            target = self._target(app, False)
            for file in deploy.files:
                name = str(file)
                if (within is None or _under(name, within)) and not any(_under(name, r) for r in inner):
                    target.files.append(file)

    def _target(self, app: App, explicit: bool) -> AppTarget:
        target = self._targets.get(app.root)
        if target is None:
            target = self._targets[app.root] = AppTarget(app=app, files=[], explicit=explicit)
        target.explicit = target.explicit and explicit
        return target

    def result(self) -> Tuple[List[AppTarget], List[Problem]]:
        targets = []
        for root in sorted(self._targets):
            target = self._targets[root]
            target.files = sorted(set(target.files), key=lambda f: f.as_posix())
            target.excluded = sorted(set(target.excluded) - set(target.files))
            targets.append(target)
        return targets, list(dict.fromkeys(self.problems))


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _detect(directory: str, names: List[str]) -> Optional[App]:
    """The app rooted at directory, or None when it holds no service yaml
    that makes it one (app.yaml/app.yml, or any with runtime: python27)."""
    root = Path(os.path.realpath(directory))
    configs: List[AppConfig] = []
    for name in sorted(n for n in names if n.endswith((".yaml", ".yml"))):
        kind = yaml_kind(Path(name))
        if kind == "service" or (kind == "other" and _sniff(root / name)):
            config = load_app_config(root / name)
            if yaml_kind(config.path, config) == "service":
                configs.append(config)
    primary = next((c for c in configs if c.path.name in APP_YAML_NAMES), None)
    primary = primary or next((c for c in configs if c.runtime == "python27"), None)
    if primary is None:
        return None
    others = [c for c in configs if c is not primary]
    return App(root=root, config_path=primary.path, config=primary, service_configs=others)


def _sniff(path: Path) -> bool:
    """Cheap look for a top-level runtime key before a full parse."""
    try:
        if not path.is_file():
            return False
        return might_be_service(path.read_bytes().decode("utf-8", "replace"))
    except OSError:
        return False
