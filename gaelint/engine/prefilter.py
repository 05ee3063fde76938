"""The prefilter: which rules could fire on a file, decided before (and
while) it is parsed, exactly: a rule left out could not have reported.

Step 1 reads the bytes: a rule's trigger words must occur outside comments
(with the words the bases of the app's classes the file names are spelled
with). Step 2, once CPython's ast and the file's facts exist
(:meth:`Selection.narrow`), keeps a rule only where its words can mean what
it looks for (:mod:`gaelint.analysis.trigger_modules`). Tests prove that
both steps give what every rule on every file gives.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Type

from gaelint import source
from gaelint.analysis import trigger_modules
from gaelint.registry import AppRule, Rule, SourceRule

_WORD = re.compile(rb"[A-Za-z0-9_]+")
# A string literal (kept whole: a `#` inside it is not a comment) or a comment.
_COMMENT_OR_STRING = re.compile(
    rb"'''(?:\\.|[^\\])*?'''"
    rb'|"""(?:\\.|[^\\])*?"""'
    rb"|'(?:\\.|[^'\\\n])*'"
    rb'|"(?:\\.|[^"\\\n])*"'
    rb"|#[^\n]*", re.S)


# Encodings where a byte below 0x80 (a quote, `#`, a backslash) may be half
# of a character: Shift_JIS's 'ソ' is 83 5C. Their comments are not looked
# for in the bytes (every word counts).
_ASCII_SAFE_CODECS = ("utf-8", "ascii", "iso8859", "cp125", "cp437", "cp850", "koi8", "mac-",
                      "euc_")


def _is_word(trigger: bytes) -> bool:
    """A trigger matched as a whole word (else as a substring: ``AF_``, ``ftp://``)."""
    return _WORD.fullmatch(trigger) is not None and not trigger.endswith(b"_")


def _bytes_read_as_ascii(data: bytes) -> bool:
    """Whether quotes, ``#`` and backslashes in ``data`` are those characters."""
    if data.isascii():
        return True
    encoding, _ = source.declared_encoding(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    if encoding is None:
        return True             # UTF-8, or not Python 2.7 at all
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith(_ASCII_SAFE_CODECS)


def _drop_comment(match) -> bytes:
    text = match.group()
    return b"" if text.startswith(b"#") else text


@dataclass
class RuleSet:
    """The selected rules, instantiated once, with a dispatch table."""

    rules: Tuple[Type[Rule], ...]
    prefilter: bool = True      # False: run every rule on every file (tests prove it changes nothing)

    def __post_init__(self):
        self.source_rules = [r() for r in self.rules if issubclass(r, SourceRule)]
        self.app_rules = [r() for r in self.rules if issubclass(r, AppRule)]
        self.codes = {r.code for r in self.rules}
        self._dispatch_table = None
        # Triggers are words (identifiers, numbers): a rule can only fire on a
        # name it resolves, and every spelling of a name (`from os import
        # remove`, `os.remove`, `from os import *` then `remove(...)`) holds
        # its last part as a whole word. A trigger ending in `_` (`AF_`) or
        # holding other characters (`ftp://`) is matched as a substring.
        # A tuple trigger needs all its words (`("connect", "25")`). Words
        # are looked for outside comments: a licence header's "this file"
        # cannot name anything.
        self._always = [r for r in self.source_rules if r.triggers is None]
        self._by_word: Dict[bytes, List[SourceRule]] = {}
        self._by_substring: List[Tuple[bytes, SourceRule]] = []
        self._by_all_words: List[Tuple[FrozenSet[bytes], SourceRule]] = []
        for rule in self.source_rules:
            for trigger in rule.triggers or ():
                if isinstance(trigger, tuple):
                    self._by_all_words.append((frozenset(t.encode() for t in trigger), rule))
                    continue
                raw = trigger.encode()
                if _is_word(raw):
                    self._by_word.setdefault(raw, []).append(rule)
                else:
                    self._by_substring.append((raw, rule))
        self._words = frozenset(self._by_word)

    def dispatch(self, rule: SourceRule) -> List[Tuple[type, object]]:
        """(libcst node type, bound visit method) of a rule; built on the
        first file parsed, since naming node types imports libcst."""
        if self._dispatch_table is None:
            self._dispatch_table = {id(r): [(t, getattr(r, m)) for t, m in type(r).node_types().items()]
                                    for r in self.source_rules}
        return self._dispatch_table[id(rule)]

    def select(self, data: bytes, class_words: Optional[Dict[bytes, FrozenSet[bytes]]] = None) -> "Selection":
        """The rules that could fire on a file with these bytes, in rule
        order, with the words that chose them (for :meth:`Selection.narrow`).
        ``class_words``: for classes of the app, the words their bases are
        spelled with (a file naming ``Worker`` names ``Process`` too)."""
        if not self.prefilter:
            return Selection(list(self.source_rules), {}, frozenset(), narrows=False)
        # rule -> the trigger words the file holds; `free`: chosen otherwise
        # (no triggers, all the words of a tuple, a substring), which the
        # second step does not narrow
        hits: Dict[int, List[str]] = {}
        free = set(map(id, self._always))
        if b"#" in data and _bytes_read_as_ascii(data):
            if b"\r" in data:          # CR-only files: a comment ends at \r too
                data = data.replace(b"\r", b"\n")
            code = _COMMENT_OR_STRING.sub(_drop_comment, data)
        else:
            code = data
        words = set(_WORD.findall(code))
        gained: Set[bytes] = set()
        if class_words:
            for name in words.intersection(class_words):
                gained |= class_words[name]
            words |= gained
        for word in self._words.intersection(words):
            for rule in self._by_word[word]:
                hits.setdefault(id(rule), []).append(word.decode("ascii"))
        for needed, rule in self._by_all_words:
            if id(rule) not in free and needed <= words:
                free.add(id(rule))
        for raw, rule in self._by_substring:
            if id(rule) not in free and raw in data:
                free.add(id(rule))
        return Selection([r for r in self.source_rules if id(r) in free or id(r) in hits],
                         {rule: found for rule, found in hits.items() if rule not in free},
                         frozenset(gained))


@dataclass
class Selection:
    """The rules a file's words choose, and what :meth:`narrow` needs to
    keep only those whose words mean what they look for in this file
    (:mod:`gaelint.analysis.trigger_modules`)."""

    rules: List[SourceRule]
    # id(rule) -> the trigger words that alone chose it (outside comments,
    # with the file's class words); a rule also chosen otherwise (a tuple of
    # words, a substring, no triggers) is not in it and stays
    words: Dict[int, Sequence[str]]
    gained: FrozenSet[bytes]         # the words its app classes brought
    narrows: bool = True

    def needs_facts(self) -> bool:
        return self.narrows and any(r.module_triggers is not None or r.triggers_in_imports for r in self.rules)

    def narrow(self, file_facts: dict, tree=None, class_bases=None,
               read: Optional[Dict[str, object]] = None) -> List[SourceRule]:
        """The rules still possible once the file's imports, its uses of
        builtins (from its CPython ``tree``) and the bases of the app's
        classes it uses (``class_bases``: ``AppFacts.class_bases``) are
        known. Without one of those, what it would decide is kept.
        ``read``: what was read from the tree (the builtins used, the
        imported names used), filled here and used when the same bytes come
        again without their tree."""
        if not self.needs_facts() or file_facts.get("partial", True):
            return self.rules
        roots, parts = trigger_modules.imported(file_facts)
        gained = {w.decode("ascii", "replace") for w in self.gained}
        lineage: List[Optional[FrozenSet[str]]] = []     # None: too long to follow, unknown

        def related(spec) -> bool:
            """A class the file uses may derive from what the rule looks for."""
            if not gained.isdisjoint(spec.related):
                return True
            if class_bases is None:
                return True
            if not lineage:
                if "names" not in known:
                    if tree is None:
                        return True
                    try:
                        known["names"] = trigger_modules.imported_names_used(tree)
                    except RecursionError:
                        return True
                lineage.append(trigger_modules.lineage_words(known["names"], class_bases))
            return lineage[0] is None or not lineage[0].isdisjoint(spec.related)

        known = read if read is not None else {}

        def uses_builtin(rule: SourceRule, word: str) -> bool:
            key = f"builtins:{rule.code}"
            if key not in known:
                if tree is None:
                    return True
                spec = rule.module_triggers
                modes = {w: spec.builtin_modes.get(w) for w, r in spec.roots.items() if trigger_modules.BUILTIN in r}
                known[key] = trigger_modules.builtins_used(tree, modes)
            return word in known[key]

        return [r for r in self.rules if _still_possible(r, self, roots, parts, related, uses_builtin)]


def _still_possible(rule: SourceRule, selection: Selection, roots, parts, related, uses_builtin) -> bool:
    spec = rule.module_triggers
    if (spec is None and not rule.triggers_in_imports) or id(rule) not in selection.words:
        return True
    for trigger in selection.words[id(rule)]:
        if rule.triggers_in_imports:
            if trigger in parts:
                return True
            continue
        needed = spec.roots.get(trigger)
        if needed is None or not needed.isdisjoint(roots):
            return True
        if trigger_modules.BUILTIN in needed and uses_builtin(rule, trigger):
            return True
    # last, as it may read other modules of the app: a class the file uses
    return spec is not None and related(spec)
