"""What loading a file gives: the text, the trees, the problems, and the
way back from the parsed text's columns to the lines the user sees."""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from gaelint.lazycst import cst


@dataclass
class LoadProblem:
    """Why a file cannot be analysed (GAE001), with a 1-based line."""

    reason: str
    line: Optional[int] = None
    column: Optional[int] = None
    fatal: bool = True     # False: reported, but the file is still analysed
    severity: Optional[str] = None   # None: GAE001's own (error)


@dataclass
class SourceFile:
    path: Path
    text: str = ""
    module: Optional[cst.Module] = None
    python2: bool = False
    problems: Tuple[LoadProblem, ...] = ()
    parsed_text: str = ""      # what libcst parsed (the Python 3 rewrite of a Python 2 file)
    tree: Optional[ast.Module] = None   # CPython's ast of that text (also when validating only)

    _lines: Optional[List[str]] = None
    _parsed_lines: Optional[List[str]] = None

    @property
    def lines(self) -> List[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def original_column(self, line: Optional[int], column: Optional[int]) -> Optional[int]:
        """A 1-based column of the parsed text, on the line the user sees.

        The Python 2 rewrite keeps lines but not columns (tabs expanded,
        ``0777`` -> ``0o777``, backticks -> ``repr(...)``): align the two
        spellings of the line character by character and map the column
        through the matching run (a column inside inserted text goes to the
        next original character)."""
        if line is None or column is None or not self.python2 or self.parsed_text is self.text:
            return column
        if self._parsed_lines is None:
            self._parsed_lines = self.parsed_text.split("\n")
        if line > len(self.lines) or line > len(self._parsed_lines):
            return column
        original, parsed = self.lines[line - 1], self._parsed_lines[line - 1]
        if original == parsed:
            return column
        at = column - 1
        matcher = difflib.SequenceMatcher(None, parsed, original, autojunk=False)
        for start_parsed, start_original, size in matcher.get_matching_blocks():
            if at < start_parsed:
                return start_original + 1            # inside text the rewrite inserted
            if at < start_parsed + size:
                return start_original + (at - start_parsed) + 1
        return min(column, len(original) + 1)

    def original_range(self, line, column, end_line, end_column):
        """(column, end column) on the lines the user sees. A one-line node
        whose text occurs once in the original line is placed there (the
        rewrite may have moved it: ``print >>f, x`` puts ``f`` last);
        anything else is mapped column by column."""
        if self.python2 and line is not None and line == end_line and column and end_column \
                and self.parsed_text is not self.text:
            if self._parsed_lines is None:
                self._parsed_lines = self.parsed_text.split("\n")
            if line <= len(self.lines) and line <= len(self._parsed_lines):
                original = self.lines[line - 1]
                snippet = self._parsed_lines[line - 1][column - 1:end_column - 1]
                if snippet and original.count(snippet) == 1:
                    start = original.index(snippet) + 1
                    return start, start + len(snippet)
        return self.original_column(line, column), self.original_column(end_line, end_column)

    def line_text(self, line: Optional[int]) -> Optional[str]:
        if line is None or line < 1 or line > len(self.lines):
            return None
        return self.lines[line - 1]
