"""Stage 8, fixes: edits that remove findings, made only when asked
(``gaelint check --fix``, ``--diff``, ``--add-noqa``).

Owns: planning the edits of a run's findings through each rule's
``fix_app_yaml`` (:mod:`.plan`), ``# noqa`` comments for every finding
(:mod:`.noqa`), and the files they change: read once, shown as a unified
diff, written only if unchanged on disk since (:mod:`.files`).

May import: :mod:`gaelint.report` and every stage below it. Nothing but the
conductor (checking.py) imports it.
"""
