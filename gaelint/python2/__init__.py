"""Stage 1, the Python 2 front end: Python 2.7 text -> Python 3 syntax that
means the same thing, every token on its original line.

Owns: the full reader on fissix's Python 2 grammar (:mod:`.reader`, with its
tree primitives in :mod:`.tree` and the rewrites in :mod:`.fixes`) and the
token-level fast path (:mod:`.fast`, :mod:`.fast_stmt`, :mod:`.fast_expr`),
which must give the same ``ast`` as the full reader or step aside.

May import: the standard library and fissix only (nothing else of gaelint).
"""
