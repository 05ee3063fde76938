"""Every rule's VALID and INVALID examples run as tests (Fixit-style)."""
import pytest

from gaelint import registry
from gaelint.testing import check_example

CASES = [
    pytest.param(rule, example, valid, id=f"{rule.code}-{'valid' if valid else 'invalid'}-{i}")
    for rule in registry.all_rules()
    for valid, examples in ((True, rule.VALID), (False, rule.INVALID))
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize("rule,example,valid", CASES)
def test_rule_example(rule, example, valid):
    problem = check_example(rule, example, valid)
    assert problem is None, problem


def test_every_rule_is_documented_with_examples():
    for rule in registry.all_rules():
        assert rule.name and rule.summary and rule.message and rule.fix, rule.code
        assert rule.what and rule.why and rule.how_to_fix, rule.code
        if rule.code not in ("GAE002",):
            assert rule.INVALID, f"{rule.code} has no INVALID example"


def test_every_fixable_rule_has_a_fix_and_a_fixed_example():
    fixable = [rule.code for rule in registry.all_rules() if rule.fixable]
    assert fixable == ["GAE302", "GAE305", "GAE401", "GAE403", "GAE405", "GAE406"]
    for rule in registry.all_rules():
        if rule.fixable:
            assert "fix_app_yaml" in vars(rule), rule.code
            assert any(e.fixed is not None for e in rule.INVALID), f"{rule.code}: no INVALID example with fixed="
        else:
            assert not any(e.fixed is not None for e in rule.INVALID), rule.code
