"""AppContext: one app as every rule sees it (app.yaml model, deploy set)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

from gaelint import reading
from gaelint.findings import Finding, Severity, fix_pairs, format_template

MAX_FACT_INPUT_BYTES = 32_000_000     # App Engine's limit per file


class AppContext:
    def __init__(self, app, deploy):
        self.app = app                    # discovery.App
        self.deploy = deploy              # discovery.DeploySet
        self.root: Path = app.root
        self.config = app.config          # appyaml.AppConfig or None
        self.findings: List[Finding] = []
        self._memo: Dict[str, Any] = {}
        self._texts: Dict[Path, List[str]] = {}
        self.cache = None                 # cache.ResultCache when the run uses one
        self.production = None            # production.Production, for rules that need it
        # What the checkout outside the deploy set answered (app.untracked):
        # (root, module parts, answer). A snapshot of the app's result holds
        # them and is used again only while the checkout answers the same.
        self.checkout_answers: List[tuple] = []

    # -- derived facts, computed once per app ---------------------------
    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def cgi_scripts(self) -> Set[str]:
        """Relative paths of modules that a handler runs as a CGI script
        (their ``if __name__ == '__main__':`` block *is* production code)."""
        def compute():
            out = set()
            configs = [self.config, *(getattr(self.app, "service_configs", None) or ())]
            for h in (h for c in configs for h in (getattr(c, "handlers", None) or ())):
                script = getattr(h, "script", None)
                if isinstance(script, str) and ("/" in script or script.endswith(".py")):
                    out.add(script.lstrip("/"))
            return out
        return self.memo("cgi_scripts", compute)

    def file_fact(self, path: Path, name: str, compute: Callable[[Path], Any],
                  valid: Optional[Callable[[Any], bool]] = None) -> Any:
        """``compute(path)``, a JSON-able fact that depends on that file's
        bytes alone (the names a module binds, the paths it adds to
        sys.path), memoised per run and, with the result cache on, across
        runs by content. ``valid`` checks the shape of a cached value: one
        it rejects (or a foreign entry) is computed again."""
        def lookup():
            cache = self.cache
            if cache is None:
                return compute(path)
            try:
                data = reading.read_bytes(path, MAX_FACT_INPUT_BYTES)
            except OSError:
                return compute(path)
            key = cache.fact_key(name, data)
            value = cache.get_value(key, data, f"fact:{name}", valid)
            if value is cache.MISSING:
                value = compute(path)
                cache.put_value(key, value, data, f"fact:{name}")
            return value
        return self.memo(f"fact:{name}:{path}", lookup)

    def relpath(self, path: Path) -> str:
        try:
            return self.deploy.relpath(path)
        except ValueError:
            return path.as_posix()

    def line_text(self, path: Path, line: Optional[int]) -> Optional[str]:
        if line is None:
            return None
        if path not in self._texts:
            try:
                self._texts[path] = reading.read_text(path, limit=MAX_FACT_INPUT_BYTES).replace(
                    "\r\n", "\n").split("\n")
            except OSError:
                self._texts[path] = []
        lines = self._texts[path]
        return lines[line - 1] if 0 < line <= len(lines) else None

    # -- reporting (app rules) -------------------------------------------
    def report(self, rule, path: Path, line: Optional[int] = None, *, message: Optional[str] = None,
               fix: Optional[str] = None, severity: Optional[Severity] = None, column: Optional[int] = None,
               fix_data: Optional[Dict[str, str]] = None, **fmt: Any) -> None:
        """A finding of an app rule; ``fix_data``: what its ``--fix`` needs."""
        self.findings.append(Finding(
            code=rule.code, name=rule.name, severity=severity or rule.severity, path=path,
            message=format_template(message or rule.message, fmt), fix=format_template(fix or rule.fix, fmt),
            line=line, column=(column or 1) if line else None, end_line=line,
            end_column=None, statement=(line, line) if line else None,
            source_line=self.line_text(path, line), fix_data=fix_pairs(fix_data)))
