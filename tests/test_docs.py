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
