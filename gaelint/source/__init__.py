"""Stage 2, source loading: bytes -> text (PEP 263) -> one libcst tree, for
Python 2 (through :mod:`gaelint.python2`) and Python 3 alike.

Owns: reading a file within limits, decoding, newline normalisation, the
decision Python 2 or 3 by what CPython accepts, GAE001 reasons
(:class:`LoadProblem`).

May import: :mod:`gaelint.python2` and the foundation modules.
"""
from .loading import (MAX_FILE_BYTES, TOO_DEEP, LoadProblem, SourceFile, declared_encoding, decode,
                      load_bytes, normalise_newlines, parse_text, python3_text, read)

__all__ = ["MAX_FILE_BYTES", "TOO_DEEP", "LoadProblem", "SourceFile", "declared_encoding", "decode",
           "load_bytes", "normalise_newlines", "parse_text", "python3_text", "read"]
