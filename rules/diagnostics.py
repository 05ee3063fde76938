"""GAE0xx: gaelint's own diagnostics (the engine reports them)."""
from gaelint.findings import Severity
from gaelint.registry import Rule, Invalid, Valid


class UnparsableFile(Rule):
    code = "GAE001"
    name = "unparsable-file"
    severity = Severity.ERROR
    summary = "A file in the deploy set cannot be read, decoded or parsed as Python 2.7 or 3."
    message = "cannot analyse this file: {reason}"
    fix = "Fix the file so Python 2.7 can import it, or exclude it with skip_files if it is not part of the app"
    what = """
        A `.py` file that gaelint cannot read (permissions, dangling link), decode
        (bytes that are not valid in the declared PEP 263 encoding, a UTF-8 byte order mark
        followed by a `coding:` line that names another encoding, NUL bytes, binary junk)
        or parse as Python 2.7 or Python 3. The message gives the reason and
        the line. Every other file and rule still runs.
    """
    why = """
        The python27 runtime imports the file on first use: a syntax or decoding error
        there is an ImportError/SyntaxError in production, and gaelint cannot vouch for
        code it could not read.
    """
    how_to_fix = "Fix the syntax or encoding (add a `# -*- coding: ... -*-` line), or keep the file out of the deploy set."
    INVALID = (
        Invalid("def handler(:\n    pass\n", lines=(1,)),
        Invalid(files={"main.py": b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nGREETING = 'caf\xc3\xa9'\n"},
                lines=(1,), note="a UTF-8 byte order mark before a conflicting coding line: both Pythons refuse it"),
    )
    VALID = (
        Valid("print 'hello'\n"),
        Valid(files={"main.py": b"\xef\xbb\xbf# -*- coding: utf-8 -*-\nGREETING = 'caf\xc3\xa9'\n"},
              note="a byte order mark with a utf-8 coding line"),
    )


class InternalError(Rule):
    code = "GAE002"
    name = "internal-error"
    severity = Severity.ERROR
    summary = "A rule raised on a file; the rule and file are named and the run exits 2."
    message = "rule {rule} failed on this file: {error}"
    fix = "Please report this as a gaelint bug with the file (or a reduced copy); the other rules and files were checked"
    what = "gaelint itself failed: a rule raised an exception on a file. Other rules and files still run."
    why = "Not an App Engine problem: a gaelint bug. The run exits 2 so CI does not pass silently."
    how_to_fix = "Report it with the file that triggers it; `--ignore` the rule meanwhile."


class UnusedNoqa(Rule):
    """Reported by the runner (gaelint/report/suppress.py), not by a visitor."""

    code = "GAE003"
    name = "unused-noqa"
    severity = Severity.WARNING
    # Off unless asked for: `--report-unused-noqa`, or selecting GAE003 by
    # its full code (`extend-select = ["GAE003"]`); a prefix such as GAE0 or
    # the default selection does not turn it on.
    opt_in = True
    summary = "A gaelint suppression comment that suppresses nothing (off by default: --report-unused-noqa)."
    message = "unused suppression {directive}: {why}"
    fix = "Remove the comment, or the codes in it that no longer match a finding"
    what = """
        A `# noqa: GAE...` comment naming a gaelint code that matches no finding on its
        statement, a `# gaelint: noqa-file` that suppresses nothing in its file, and
        `GAE` codes that do not exist. Only reported with `--report-unused-noqa` (or
        with GAE003 selected by its full code), the way ruff's RUF100 works. Codes of
        other tools (`# noqa: E501`) and bare `# noqa` comments are left alone: they
        may be there for flake8 or ruff. Codes of rules that did not run (not
        selected, ignored) are not reported either.
    """
    why = """
        Not an App Engine problem: a stale suppression hides the next real finding on
        that line. Once the code that needed it is fixed, the comment should go.
    """
    how_to_fix = "Delete the comment or the unused codes. `# noqa: GAE003` on the same line keeps a deliberate one."
    INVALID = (
        Invalid("""
            # gaelint: noqa-file
            import webapp2
            app = webapp2.WSGIApplication([])
            """, lines=(1,)),
    )
    VALID = (
        Valid("""
            import webapp2
            import json  # noqa: F401
            app = webapp2.WSGIApplication([])  # noqa
            """),
    )
