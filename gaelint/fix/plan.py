"""Plan the fixes of a run: each fixable finding's rule edits its app's
files through :class:`AppEdits`; the result is the changed files, what was
fixed and what could not be.

Findings are fixed in report order, each on the text the previous fixes
left, so two findings with one fix (two imports of lxml) make one edit and a
rule's fix reads the file as it is now, not as it was checked. A fix that
fails leaves every file as it was before that fix.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from gaelint import registry
from gaelint.app.yamledit import YamlEditError, YamlEditor
from gaelint.findings import Finding
from gaelint.report.common import display_path

from .files import FileChange, Snapshots


class TextLines:
    """A plain text file (``.gcloudignore``) edited line by line."""

    def __init__(self, text: str):
        self.original = text
        self.text = text

    @property
    def lines(self) -> List[str]:
        return self.text.splitlines()

    def append(self, line: str) -> None:
        newline = "\r\n" if "\r\n" in self.text else "\n"
        if self.text and not self.text.endswith(("\n", "\r")):
            self.text += newline
        self.text += line + newline

    def result(self) -> str:
        return self.text

    def restore(self, text: str) -> None:
        self.text = text


Editor = Union[YamlEditor, TextLines]


class Editors:
    """One editor per file, over the snapshots of the files' bytes."""

    def __init__(self, snapshots: Snapshots):
        self.snapshots = snapshots
        self.by_path: Dict[Path, Editor] = {}
        self.what: Dict[Path, List[str]] = {}

    def _text(self, path: Path) -> str:
        data = self.snapshots.read(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{display_path(path)} is not UTF-8 text") from None

    def yaml(self, path: Path) -> YamlEditor:
        key = Path(os.path.abspath(path))
        editor = self.by_path.get(key)
        if editor is None:
            editor = self.by_path[key] = YamlEditor(self._text(key))
        if not isinstance(editor, YamlEditor):
            raise ValueError(f"{display_path(key)} is not edited as YAML")
        return editor

    def lines(self, path: Path) -> TextLines:
        key = Path(os.path.abspath(path))
        editor = self.by_path.get(key)
        if editor is None:
            editor = self.by_path[key] = TextLines(self._text(key))
        if not isinstance(editor, TextLines):
            raise ValueError(f"{display_path(key)} is not edited as text")
        return editor

    def checkpoint(self) -> Dict[Path, str]:
        return {p: e.text for p, e in self.by_path.items()}

    def rollback(self, saved: Dict[Path, str]) -> None:
        for path in list(self.by_path):
            if path not in saved:
                del self.by_path[path]
            else:
                self.by_path[path].restore(saved[path])

    def changes(self) -> List[FileChange]:
        out = []
        for path in sorted(self.by_path, key=str):
            editor = self.by_path[path]
            before = self.snapshots.original(path) or b""
            after = editor.result().encode("utf-8")
            if after != before:
                out.append(FileChange(path, before, after, list(dict.fromkeys(self.what.get(path, [])))))
        return out


class AppEdits:
    """What a rule's ``fix_app_yaml`` sees of the finding's app."""

    def __init__(self, root: Path, config_path: Optional[Path], editors: Editors):
        self.root = root
        self.config_path = config_path
        self._editors = editors
        self._touched: List[Path] = []

    def yaml(self, path: Optional[Path] = None) -> YamlEditor:
        """The editor of ``path`` (a service yaml), by default the app's app.yaml."""
        target = path if path is not None else self.config_path
        if target is None:
            raise ValueError("the app has no app.yaml to fix (it is checked with default settings)")
        self._touched.append(Path(os.path.abspath(target)))
        return self._editors.yaml(target)

    def lines(self, path: Path) -> TextLines:
        self._touched.append(Path(os.path.abspath(path)))
        return self._editors.lines(path)

    def relpath(self, path: Path) -> str:
        return Path(os.path.abspath(path)).relative_to(self.root).as_posix()


@dataclass
class FixPlan:
    changes: List[FileChange] = field(default_factory=list)
    fixed: List[Tuple[Finding, str, Tuple[Path, ...]]] = field(default_factory=list)   # finding, what, files
    failed: List[Tuple[Finding, str]] = field(default_factory=list)
    unsafe: List[Finding] = field(default_factory=list)    # need --unsafe-fixes


def owner(path: Path, configs: Dict[Path, Optional[Path]]) -> Optional[Path]:
    """The root of the app holding ``path`` (the innermost one)."""
    absolute = os.path.abspath(path)
    best = None
    for root in configs:
        base = os.path.abspath(root)
        if absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep):
            if best is None or len(base) > len(str(best)):
                best = Path(base)
    return best


def plan(findings: List[Finding], configs: Dict[Path, Optional[Path]], *, unsafe: bool = False,
         since_ns: Optional[int] = None) -> FixPlan:
    """Fix every active finding that carries a fix, on in-memory copies."""
    out = FixPlan()
    editors = Editors(Snapshots(since_ns))
    apps: Dict[Path, AppEdits] = {}
    for finding in findings:
        if finding.suppressed or not finding.fixable:
            continue
        rule = registry.get(finding.code)
        if rule is None or not rule.fixable:
            continue
        if finding.unsafe_fix and not unsafe:
            out.unsafe.append(finding)
            continue
        root = owner(finding.path, configs)
        if root is None:
            out.failed.append((finding, "gaelint does not know its app"))
            continue
        app = apps.get(root)
        if app is None:
            app = apps[root] = AppEdits(root, configs.get(root), editors)
        saved = editors.checkpoint()
        app._touched = []
        try:
            what = rule.fix_app_yaml(finding, app)
        except (YamlEditError, ValueError) as exc:
            editors.rollback(saved)
            target = display_path(app._touched[-1]) if app._touched else "the app"
            out.failed.append((finding, f"cannot edit {target}: {exc}"))
            continue
        out.fixed.append((finding, what or "already fixed by an earlier edit", tuple(dict.fromkeys(app._touched))))
        if what and app._touched:
            editors.what.setdefault(app._touched[-1], []).append(what)
    out.changes = editors.changes()
    return out
