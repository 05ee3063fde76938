"""The report shown in README.md is the one gaelint prints for the bundled
example app (what a user sees on a first run)."""
import re
import shlex
from pathlib import Path

import pytest

from integration_util import cli

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"<!-- report: (?P<command>[^>]+) -->\n```text\n(?P<output>.*?)```\n", re.S)


def _blocks():
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_shows_the_full_and_the_concise_report():
    commands = [command for command, _ in _blocks()]
    assert commands == ["gaelint check examples/guestbook",
                        "gaelint check examples/guestbook --output-format concise",
                        "gaelint check examples/guestbook --diff"]


@pytest.mark.parametrize("command,shown", _blocks(), ids=lambda v: v if v.startswith("gaelint") else "")
def test_readme_report_is_what_gaelint_prints(monkeypatch, command, shown):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = cli(*shlex.split(command)[1:], cwd=ROOT)
    assert code == 1
    assert err == ("gaelint: would fix 1 finding in 1 file (run with --fix to write)\n"
                   if "--diff" in command else "")
    assert out == shown, "README.md is out of date: paste the output of `" + command + "`"
