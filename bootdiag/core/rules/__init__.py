"""Rules are data: TOML files named by the platforms (and ``--rules``), validated on load.

:mod:`~bootdiag.core.rules.model` is what a rule may hold, :mod:`~bootdiag.core.rules.validate`
checks it against the registered events, fields and value sets, :mod:`~bootdiag.core.rules.load`
reads files and reports every mistake at once, :mod:`~bootdiag.core.rules.predicates` turns
conditions into tests.
"""
from bootdiag.core.errors import RuleError
from bootdiag.core.rules.load import load_predictions, load_rule_file, load_rules, rule_files
from bootdiag.core.rules.model import Candidate, Condition, Prediction, Rule, When
from bootdiag.core.rules.predicates import compile_condition, compile_where, is_text_search

__all__ = [
    "Candidate", "Condition", "Prediction", "Rule", "RuleError", "When", "compile_condition", "compile_where", "is_text_search", "load_predictions", "load_rule_file", "load_rules",
    "rule_files", "validate_rule",
]


def __getattr__(name: str) -> object:
    # Validation knows every event kind: it is imported when a rule file is read, not with the rules.
    if name == "validate_rule":
        from bootdiag.core.rules.validate import validate_rule

        return validate_rule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
