"""Find the apps under the given paths (and the files each one lints).

App roots: a directory holding ``app.yaml``/``app.yml``, or another service
yaml with ``runtime: python27``. A file belongs to the nearest app root above
it. An app directory inside another app is its own app: its files are linted
with its own config and left out of the outer app's target (they are still in
the outer ``DeploySet``, because the outer deploy uploads them too). With no
app at, above or below a path, the path is one implicit app (default
settings); files beside apps but in none are not deployed, so not linted
unless ``all_files``, which then gathers them in an implicit app.

A file argument (pre-commit passes the changed files) is placed the way
``gaelint check .`` would place it: in the nearest app above it; with none,
in no app at all when there are apps below the directory the check runs
from (the current directory), else in the implicit app rooted there.

Which files an app uploads is :mod:`gaelint.app.deployset`'s job.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .. import reading
from .appyaml import MAX_YAML_BYTES, AppConfig, load_app_config, might_be_service, yaml_file_name, yaml_kind
from . import deployroot, deployset, dirwalk
from .deployset import DEFAULT_RE, VCS_DIRS, DeploySet, Problem, upload_rules_of, deploy_set
from .dirwalk import real_dir, scan_dir

APP_YAML_NAMES = ("app.yaml", "app.yml")

@dataclass(eq=False)
class App:
    root: Path  # absolute, resolved
    config_path: Optional[Path]
    config: Optional[AppConfig]
    service_configs: List[AppConfig] = field(default_factory=list)
    implicit: bool = False  # no app.yaml: a python27 app with default settings
    # Where the handlers' imports start when that is an ancestor of root
    # (a Bazel or bundle layout: src/pkg/web/app.yaml + `pkg.web.urls.app`).
    import_root: Optional[Path] = None
    notes: List[str] = field(default_factory=list)     # how its roots were chosen
    root_unknown: bool = False     # no handler resolves, and no deploy root was found for them
    # The outermost path given on the command line that holds the app:
    # symlinked directories are followed up to it (dirwalk.link_boundary).
    checked_root: Optional[Path] = None
    deploy_sets: Dict[bool, "DeploySet"] = field(default_factory=dict, repr=False)
    upload_rules: Dict[bool, "deployset.UploadRules"] = field(default_factory=dict, repr=False)


@dataclass
class AppTarget:
    app: App
    files: List[Path]  # files to lint
    explicit: bool  # every file came from a file argument (pre-commit)
    excluded: List[Path] = field(default_factory=list)  # file arguments not deployed


def find_apps(paths: Iterable[Path], all_files: bool = False,
              deploy_roots: Optional[Dict[Path, Path]] = None) -> Tuple[List[AppTarget], List[Problem]]:
    """One target per app under (or above) the given paths, sorted by root;
    ``deploy_roots`` maps a service yaml to the directory it deploys."""
    finder = Finder(all_files, deploy_roots)
    with dirwalk.shared_scans():
        for path in paths:
            finder.add(os.path.abspath(path))
    return finder.result()


class Finder:
    def __init__(self, all_files: bool, deploy_roots: Optional[Dict[Path, Path]] = None) -> None:
        self.all_files = all_files
        self.deploy_roots = deploy_roots or {}
        self.problems: List[Problem] = []
        self._at: Dict[str, Optional[App]] = {}  # directory as walked -> app rooted there
        self._by_root: Dict[Path, App] = {}
        self._targets: Dict[Path, AppTarget] = {}
        self._has_apps: Dict[str, bool] = {}

    def app_at(self, directory: str, names: Optional[List[str]] = None) -> Optional[App]:
        if directory not in self._at:
            if names is None:
                try:
                    names = os.listdir(directory)
                except OSError:
                    names = []  # e.g. an unreadable /home on the way up
            app = detect(directory, names)
            if app is not None:
                app = self._place(app)
                app = self._by_root.setdefault(app.root, app)
            self._at[directory] = app
        return self._at[directory]

    def _place(self, app: App) -> App:
        """Move an app whose handlers import from elsewhere (deployroot)."""
        configs = [c for c in [app.config, *app.service_configs]
                   if c is not None and c.error is None and c.runtime == "python27"]
        if app.config_path is None or not configs:
            return app
        mapped = deployroot.mapped_root(app.config_path, self.deploy_roots)
        if mapped is not None:
            app.root = Path(os.path.realpath(mapped))
            app.notes.append(f"deploy root {mapped} (the `deploy-roots` setting)")
            return app
        scripts = deployroot.wsgi_scripts(configs)
        if not scripts or any(deployroot.resolves(app.root, s) for s in scripts):
            return app
        ancestor = deployroot.ancestor_root(app.root, scripts)
        if ancestor is not None:
            app.import_root = ancestor
            app.notes.append(f"its handlers name modules from {ancestor} (the path above the yaml is part "
                             "of their package): imports are followed from there")
            return app
        root, note = deployroot.relocated_root(app.root, scripts, deployroot.repository_root(app.root))
        if root is not None:
            app.root = Path(os.path.realpath(root))
        else:
            app.root_unknown = True
        if note:
            app.notes.append(note)
        return app

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
            entries = scan_dir(directory, self.problems)
            if directory != start:
                app = self.app_at(directory, [e.name for e in entries if yaml_file_name(e.name) is not None])
                if app is not None:
                    found.append((app, directory))
                    owner, prefix = app, ""
            rules = upload_rules_of(owner, self.all_files) if owner is not None else None
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
                    skip = entry.name in VCS_DIRS if self.all_files else bool(DEFAULT_RE.match(rel))
                real = None if skip else real_dir(entry, chain, [])
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
                start = self._check_start(parent)
                if not self.all_files and self._apps_below(start):
                    return      # beside the apps, in none: `gaelint check .` does not lint it either
                app, found_in = self.implicit(start), start
            # Relative to where the app was found, so a path through a
            # symlinked directory names the file as the deploy walk does.
            rel = Path(os.path.relpath(path, found_in)).as_posix()
            file = app.root / rel
            rules = upload_rules_of(app, False)
            self.problems.extend(rules.problems)
            target = self._target(app, True)
            (target.files if self.all_files or rules.uploads(rel) else target.excluded).append(file)
        elif os.path.lexists(path):
            why = "dangling symlink" if os.path.islink(path) else "not a regular file or directory"
            self.problems.append(Problem(Path(path), why))
        else:
            self.problems.append(Problem(Path(path), "no such file or directory"))

    @staticmethod
    def _check_start(directory: str) -> str:
        """Where ``gaelint check .`` would start for a file in ``directory``:
        the current directory when the file is under it, else its own."""
        cwd = os.path.abspath(os.getcwd())
        return cwd if _under(directory, cwd) else directory

    def _apps_below(self, start: str) -> bool:
        if start not in self._has_apps:
            self._has_apps[start] = bool(self.discover(start, None))
        return self._has_apps[start]

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
        checked = os.path.realpath(start)
        for app, within in apps:
            if _under(str(app.root), checked) and (app.checked_root is None or len(checked) < len(str(app.checked_root))):
                app.checked_root = Path(checked)
            deploy = deploy_set(app, self.all_files)
            self.problems.extend(deploy.problems)
            root = str(app.root)
            inner = {r for r in roots if r != root and _under(r, root)}     # nested apps own their files
            inner_dirs = tuple(r.rstrip(os.sep) + os.sep for r in inner)
            target = self._target(app, False)
            for file in deploy.files:
                name = str(file)
                if (within is None or _under(name, within)) and not (name in inner or name.startswith(inner_dirs)):
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


def detect(directory: str, names: List[str]) -> Optional[App]:
    """The app rooted at directory, or None when it holds no service yaml
    that makes it one (app.yaml/app.yml, or any with runtime: python27)."""
    yamls = sorted(n for n in names if yaml_file_name(n) is not None)
    if not yamls:
        return None
    root = Path(os.path.realpath(directory))
    configs: List[AppConfig] = []
    for name in yamls:
        kind = yaml_kind(Path(name))
        if kind == "service" or (kind == "other" and _sniff(root / name)):
            config = load_app_config(root / name)
            if yaml_kind(config.path, config) == "service":
                configs.append(config)
    primary = next((c for c in configs if c.path.name in APP_YAML_NAMES), None)
    primary = primary or next((c for c in configs if yaml_file_name(c.path.name) in APP_YAML_NAMES
                               and c.runtime == "python27"), None)
    primary = primary or next((c for c in configs if c.runtime == "python27"), None)
    if primary is None:
        return None
    others = [c for c in configs if c is not primary]
    return App(root=root, config_path=primary.path, config=primary, service_configs=others)


def _sniff(path: Path) -> bool:
    """Cheap look for a top-level runtime key before a full parse."""
    try:
        return might_be_service(reading.read_text(path, limit=MAX_YAML_BYTES))
    except OSError:
        return False
