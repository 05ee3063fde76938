"""Edit an app.yaml the way its author would: one change at a time, every
other byte left as it was.

ruamel.yaml makes the structural change (a key added to a mapping, an entry
appended to or removed from a sequence) on its round-trip model, which keeps
comments, key order and quoting. Its dump still reformats what it does not
understand the author's way (a mapping indented by 4 where the rest is
indented by 2, a comment's indentation, a folded value), so the dump is not
written: the lines it changed for the edit are carried over to the original
text, a three-way merge of (original, dump before the edit, dump after it).
The result is then checked twice, or the file is left alone
(:class:`YamlEditError`):

* PyYAML (the loader App Engine's own tools use) must read it as the
  original data with exactly the intended change;
* every comment line of the original must still be there, once.

A sequence entry or key that ruamel drops takes the comment lines ruamel
attached to it; those lines are kept where they were, since they belong to
what follows them.
"""
from __future__ import annotations

import copy
import difflib
import io
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import yaml

Key = Union[str, int]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlEditError(Exception):
    """The edit cannot be made without changing more than it should."""


def _plain(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _comment_lines(text: str) -> Counter:
    return Counter(line.strip() for line in text.split("\n") if line.strip().startswith("#"))


Quote = Union[None, str, Dict[str, str]]


def _quoted(value: Any, quote: Optional[str]) -> Any:
    if not isinstance(value, str) or quote is None:
        return value
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    return SingleQuotedScalarString(value) if quote == "'" else DoubleQuotedScalarString(value)


def _roundtrip():
    from ruamel.yaml import YAML
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.allow_duplicate_keys = True
    rt.width = 100000          # never fold a long line (skip_files regexes)
    return rt


class YamlEditor:
    """The text of one yaml file, changed by :meth:`set`, :meth:`append`
    and :meth:`delete`; each call is one checked edit of :attr:`text`.

    ``path`` arguments name a collection from the top: ``()`` is the top
    mapping, ``("libraries",)`` the libraries sequence, ``("libraries", 2)``
    its third entry."""

    def __init__(self, text: str):
        self.original = text
        self.crlf = "\r\n" in text
        self.bom = text.startswith("\ufeff")
        body = text[1:] if self.bom else text
        self.text = body.replace("\r\n", "\n")
        self.final_newline = self.text.endswith("\n") or not self.text
        self._doc = None

    # -- reading --------------------------------------------------------------
    @property
    def data(self) -> Any:
        """The round-trip model of the current text (read it, don't change it)."""
        if self._doc is None:
            try:
                self._doc = _roundtrip().load(self.text)
            except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds
                raise YamlEditError(f"cannot read it as YAML ({type(exc).__name__})") from None
            if not hasattr(self._doc, "items"):
                raise YamlEditError("it is not a mapping of keys")
        return self._doc

    def get(self, *path: Key) -> Any:
        node = self.data
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def result(self) -> str:
        """The edited text, with the original's BOM and line endings."""
        out = self.text
        if not self.final_newline and out.endswith("\n"):
            out = out[:-1]
        if self.crlf:
            out = out.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + out

    @property
    def changed(self) -> bool:
        return self.result() != self.original

    def restore(self, text: str) -> None:
        """Go back to an earlier :attr:`text` (a fix that failed half way)."""
        self.text = text
        self._doc = None

    # -- changes ----------------------------------------------------------------
    def set(self, path: Sequence[Key], key: str, value: Any, quote: Optional[str] = None) -> None:
        """``key: value`` in the mapping at ``path`` (a top-level mapping is
        created at the end when missing)."""
        def change(doc):
            target = self._container(doc, path, create="map")
            target[key] = _quoted(value, quote)

        def expect(data):
            _plain_container(data, path, {})[key] = value
        self._edit(path, change, expect, created=key if not path and key not in self.data else None)

    def append(self, path: Sequence[Key], value: Any, quote: Quote = None) -> None:
        """Append ``value`` (a scalar, or a dict of scalars) to the sequence
        at ``path`` (a top-level sequence is created at the end when missing).
        ``quote``: the quote character for the value, or for a dict one per
        key (``{"version": '"'}``)."""
        def change(doc):
            target = self._container(doc, path, create="seq")
            target.append(self._node(value, quote))

        def expect(data):
            _plain_container(data, path, []).append(copy.deepcopy(value))
        self._edit(path, change, expect)

    def delete(self, path: Sequence[Key], key: Key) -> None:
        """Remove a key of the mapping, or an entry of the sequence, at ``path``."""
        def change(doc):
            del self._container(doc, path, create=None)[key]

        def expect(data):
            container = _plain_container(data, path, None)
            if isinstance(container, dict):
                container.pop(key)
            else:
                del container[key]
        self._edit(path, change, expect)

    # -- machinery ----------------------------------------------------------------
    def _node(self, value: Any, quote: Quote) -> Any:
        if isinstance(value, dict):
            from ruamel.yaml.comments import CommentedMap
            quotes = quote if isinstance(quote, dict) else {k: quote for k in value}
            return CommentedMap((k, _quoted(v, quotes.get(k))) for k, v in value.items())
        return _quoted(value, quote if not isinstance(quote, dict) else None)

    def _container(self, doc, path: Sequence[Key], create: Optional[str]):
        node = doc
        for depth, key in enumerate(path):
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                node = None
            if node is None:
                if create is None or depth != len(path) - 1 or depth != 0:
                    raise YamlEditError(f"it has no {'/'.join(map(str, path[:depth + 1]))}")
                from ruamel.yaml.comments import CommentedMap, CommentedSeq
                node = CommentedSeq() if create == "seq" else CommentedMap()
                doc[key] = node
        return node

    def _indent(self, doc, path: Sequence[Key]) -> Tuple[int, int, int]:
        """(mapping, sequence, offset) for ruamel's dumper, read from the
        collection being edited (else from the file's other collections),
        so the lines around the edit dump as the author wrote them."""
        mapping, sequence, offset = 2, 2, 0
        seen_map = seen_seq = False
        targets = [self.get(*path[:1])] if path else []
        others = [v for v in doc.values()] if hasattr(doc, "values") else []
        for value in targets + others:
            lc = getattr(value, "lc", None)
            if lc is None or not len(value):
                continue
            if hasattr(value, "keys") and not seen_map:
                first = next(iter(value))
                mapping, seen_map = max(lc.key(first)[1], 1), True
            elif isinstance(value, list) and not seen_seq:
                offset = lc.col
                sequence, seen_seq = max(lc.item(0)[1], offset + 2), True
            if seen_map and seen_seq:
                break
        return mapping, sequence, offset

    def _dump(self, doc, indent: Tuple[int, int, int]) -> str:
        rt = _roundtrip()
        rt.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
        buffer = io.StringIO()
        rt.dump(doc, buffer)
        return buffer.getvalue()

    def _edit(self, path: Sequence[Key], change, expect, created: Optional[str] = None) -> None:
        doc = self.data
        indent = self._indent(doc, path)
        before = self._dump(doc, indent)
        if path and self.get(path[0]) is None:
            created = str(path[0])
        try:
            change(doc)
        except (TypeError, KeyError, IndexError, AttributeError):
            raise YamlEditError(f"{'/'.join(map(str, path)) or 'the top level'} is not the kind of "
                                "collection the edit expects") from None
        after = self._dump(doc, indent)
        self._doc = None            # re-read from the new text next time
        merged = _merge(self.text if self.text.endswith("\n") else self.text + "\n", before, after)
        if created:
            merged = _blank_line_before(merged, created)
        wanted = _plain(self.text) if self.text.strip() else {}
        if not isinstance(wanted, dict):
            raise YamlEditError("it is not a mapping of keys")
        expect(wanted)
        try:
            got = _plain(merged)
        except yaml.YAMLError:
            raise YamlEditError("the edited text would not be valid YAML") from None
        if got != wanted:
            raise YamlEditError("the edit would change more than it should")
        if _comment_lines(merged) != _comment_lines(self.text):
            raise YamlEditError("the edit would move or drop a comment")
        self.text = merged


def _plain_container(data: Any, path: Sequence[Key], default: Any) -> Any:
    node = data
    for depth, key in enumerate(path):
        nxt = node.get(key) if isinstance(node, dict) else (node[key] if isinstance(key, int) and
                                                              isinstance(node, list) and key < len(node) else None)
        if nxt is None:
            if default is None:
                raise YamlEditError(f"it has no {'/'.join(map(str, path[:depth + 1]))}")
            nxt = copy.deepcopy(default)
            node[key] = nxt
        node = nxt
    return node


def _merge(original: str, before: str, after: str) -> str:
    """``original`` with the change from ``before`` to ``after`` (ruamel's
    dumps without and with the edit) carried over, line by line."""
    olines = original.split("\n")[:-1]
    blines, alines = before.split("\n")[:-1], after.split("\n")[:-1]
    # which line of the original each line of `before` is
    where: Dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, blines, olines, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            where[block.a + k] = block.b + k
    replaced: Dict[int, Optional[List[str]]] = {}   # original line -> its new lines (None: dropped)
    inserted: Dict[int, List[str]] = {}            # new lines before an original line
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, blines, alines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        new = alines[j1:j2]
        if i1 == i2:    # pure insertion: anchor it to the line before (or after) it
            if i1 - 1 in where:
                at = where[i1 - 1] + 1
                if new and new[0][:1] in (" ", "-"):
                    # an entry of a collection goes right after its last entry,
                    # not after the comments that introduce the next section
                    while at > 0 and _is_comment_or_blank(olines[at - 1]):
                        at -= 1
                inserted.setdefault(at, []).extend(new)
            elif i1 in where:
                inserted.setdefault(where[i1], []).extend(new)
            elif i1 == 0:
                inserted.setdefault(0, []).extend(new)
            else:
                raise YamlEditError("the lines around the edit are written differently from what the editor expects")
            continue
        if any(i not in where for i in range(i1, i2)):
            raise YamlEditError("the lines around the edit are written differently from what the editor expects")
        targets = [where[i] for i in range(i1, i2)]
        if targets != list(range(targets[0], targets[0] + len(targets))):
            raise YamlEditError("the lines around the edit are written differently from what the editor expects")
        if len(targets) == 1 and len(new) == 1:
            new = [_keep_comment_gap(olines[targets[0]], new[0])]
        # comment and blank lines the dump dropped with a removed entry stay
        kept = [i for i in targets if _is_comment_or_blank(olines[i]) and olines[i] not in new]
        first = True
        for i in targets:
            if i in kept:
                continue
            replaced[i] = new if first else None
            first = False
        if first:   # only comment lines: the new lines go before them
            inserted.setdefault(targets[0], []).extend(new)
    out: List[str] = []
    for i in range(len(olines) + 1):
        out.extend(inserted.get(i, ()))
        if i == len(olines):
            break
        if i in replaced:
            out.extend(replaced[i] or ())
        else:
            out.append(olines[i])
    return "".join(line + "\n" for line in out)


_EOL_COMMENT = re.compile(r"(\s+)(#[^'\"]*)$")


def _keep_comment_gap(old: str, new: str) -> str:
    """A value changed on a line with a comment keeps the spaces the author
    put before the comment (ruamel pins the comment's column instead)."""
    before, after = _EOL_COMMENT.search(old), _EOL_COMMENT.search(new)
    if before and after and before.group(2) == after.group(2):
        return new[:after.start()] + before.group(1) + before.group(2)
    return new


def _blank_line_before(text: str, key: str) -> str:
    """A section created at the end gets the blank line before it that the
    file's other sections have."""
    lines = text.split("\n")
    if not any(not line.strip() for line in lines[:-1]):
        return text
    for i in range(len(lines) - 1, 0, -1):
        if lines[i].startswith(f"{key}:"):
            if lines[i - 1].strip():
                lines.insert(i, "")
            break
    return "\n".join(lines)
