"""docs/rules.md, generated from the registry (the one source of rule docs).

    python -m gaelint.docs            # rewrite docs/rules.md
    python -m gaelint.docs --check    # exit 1 if it is out of date
    gaelint explain --all             # the same page on stdout

Each rule's section is exactly what ``gaelint explain CODE`` prints, and its
heading's anchor is what SARIF ``helpUri`` points at.
"""
from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import registry

# Where docs/rules.md is published; SARIF helpUri = DOCS_URL#<anchor>. A
# "Rules" entry in the package's [project.urls] overrides it.
DOCS_URL = "https://github.com/gaelint/gaelint/blob/main/docs/rules.md"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
REGENERATE = "python -m gaelint.docs"

FAMILIES = {
    "GAE0": "gaelint's own diagnostics",
    "GAE1": "sockets and network",
    "GAE2": "filesystem and processes",
    "GAE3": "imports and native code",
    "GAE4": "deployment and app.yaml",
    "GAE5": "runtime behaviour",
}


def anchor(rule) -> str:
    """GitHub's anchor for the rule's '## CODE name' heading."""
    title = f"{rule.code} {rule.name}".strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", title))


@functools.lru_cache(maxsize=None)
def docs_url() -> str:
    try:
        from importlib.metadata import metadata
        for entry in metadata("gaelint").get_all("Project-URL") or ():
            label, _, url = entry.partition(",")
            if label.strip().lower() == "rules" and url.strip():
                return url.strip()
    except Exception:  # noqa: BLE001 - not installed (running from a checkout): the default
        pass
    return DOCS_URL


def help_uri(rule) -> str:
    return f"{docs_url()}#{anchor(rule)}"


def family(code: str) -> str:
    return FAMILIES.get(code[:4], "other rules")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_all() -> str:
    rules = registry.all_rules()
    out = ["# gaelint rules", "",
           f"<!-- Generated from the rule registry by `{REGENERATE}`: do not edit by hand. -->", "",
           "Every rule gaelint has, with what it flags, why the App Engine python27 sandbox "
           "rejects it, how to fix it and an example. `gaelint explain CODE` prints the same "
           "section for one rule; `gaelint rules` lists them.", "",
           "Severities: **error** fails in production; **warning** is likely to fail or "
           "misbehave; **info** is worth knowing (e.g. code that only runs off App Engine). "
           "Suppress a finding with `# noqa: CODE` on its statement, or see "
           "[integrations](integrations.md) for config, baselines and CI.", ""]
    current = None
    for rule in rules:
        fam = family(rule.code)
        if fam != current:
            out += ([] if current is None else [""]) + [f"**{rule.code[:4]}xx: {fam}**", "",
                    "| code | name | severity | summary |", "|---|---|---|---|"]
            current = fam
        out.append(f"| [{rule.code}](#{anchor(rule)}) | {rule.name} | {rule.severity} | {_cell(rule.summary)} |")
    out.append("")
    for rule in rules:
        out += [rule.documentation().rstrip(), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gaelint.docs", description="Regenerate docs/rules.md.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render_all()
    current = args.path.read_text(encoding="utf-8") if args.path.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.path} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.path.parent.mkdir(parents=True, exist_ok=True)
        args.path.write_text(text, encoding="utf-8")
        print(f"wrote {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
