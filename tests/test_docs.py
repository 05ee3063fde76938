"""docs/rules.md is generated from the registry; `gaelint explain` prints
the same text. Regenerate with `python -m gaelint.docs`."""
from pathlib import Path

from integration_util import cli

from gaelint import docs, registry

RULES_MD = Path(__file__).parent.parent / "docs" / "rules.md"


def test_rules_md_is_in_sync_with_the_registry():
    assert RULES_MD.read_text(encoding="utf-8") == docs.render_all(), (
        "docs/rules.md is out of date: run `python -m gaelint.docs` and commit the result")


def test_every_rule_has_its_section_and_index_row():
    text = docs.render_all()
    for rule in registry.all_rules():
        assert f"\n## {rule.code} {rule.name}\n" in text
        assert f"| [{rule.code}](#{docs.anchor(rule)}) | {rule.name} |" in text


def test_explain_prints_the_same_page():
    rule = registry.get("GAE201")
    code, out, _ = cli("explain", "GAE201")
    assert code == 0 and out == rule.documentation()
    assert out in docs.render_all()
    code, out, _ = cli("explain", "gae201")
    assert code == 0 and out.startswith("## GAE201 filesystem-write")
    code, out, _ = cli("explain", "--all")
    assert code == 0 and out == docs.render_all()
    code, _, err = cli("explain", "GAE999")
    assert code == 2 and "unknown rule code" in err


def test_check_mode_of_the_generator(tmp_path):
    target = tmp_path / "rules.md"
    assert docs.main([str(target), "--check"]) == 1
    assert docs.main([str(target)]) == 0
    assert docs.main([str(target), "--check"]) == 0


INTEGRATIONS = Path(__file__).parent.parent / "docs" / "integrations.md"


def _blocks(lang):
    import re
    return re.findall(rf"```{lang}\n(.*?)```", INTEGRATIONS.read_text(encoding="utf-8"), re.S)


def test_integration_snippets_are_valid():
    """The README snippets users copy: YAML parses, the pre-commit config
    names hooks that exist, the config example passes gaelint's validation."""
    import sys

    import yaml

    from gaelint.config import from_mapping
    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    ids = {h["id"] for h in hooks}
    assert ids == {"gaelint", "gaelint-app"}
    documents = [yaml.safe_load(block) for block in _blocks("yaml")]
    pre_commit = [d for d in documents if "repos" in d]
    assert pre_commit and {h["id"] for d in pre_commit for r in d["repos"] if r["repo"] != "local"
                           for h in r["hooks"]} <= ids
    workflow = next(d for d in documents if "jobs" in d)
    steps = workflow["jobs"]["gaelint"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert any("--format sarif" in s.get("run", "") for s in steps)
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    for block in _blocks("toml"):
        data = tomllib.loads(block)["tool"]["gaelint"]
        from_mapping(data, "docs/integrations.md", Path("."))
