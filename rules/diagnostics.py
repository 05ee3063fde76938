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
        (bytes that are not valid in the declared PEP 263 encoding, NUL bytes, binary
        junk) or parse as Python 2.7 or Python 3. The message gives the reason and
        the line. Every other file and rule still runs.
    """
    why = """
        The python27 runtime imports the file on first use: a syntax or decoding error
        there is an ImportError/SyntaxError in production, and gaelint cannot vouch for
        code it could not read.
    """
    how_to_fix = "Fix the syntax or encoding (add a `# -*- coding: ... -*-` line), or keep the file out of the deploy set."
    INVALID = (Invalid("def handler(:\n    pass\n", lines=(1,)),)
    VALID = (Valid("print 'hello'\n"),)


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
