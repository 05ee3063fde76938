"""Stage 3, one file's semantics: what a rule can ask about one parsed file.

Owns: the one walk per file (:mod:`.walk`: scopes, bindings, ``self.``
attributes, the site of every node a rule asked for), Python 2 module names
(:mod:`.names`), off-App-Engine guards (:mod:`.guards`), name resolution and
values (:mod:`.context`, the :class:`FileContext` rules read) and positions
computed only for statements with findings (:mod:`.positions`).

May import: :mod:`gaelint.source`, :mod:`gaelint.python2` and the
foundation modules (findings, knowledge, registry, config).
"""
