"""Stage 5, checking: every selected rule on every file and app.

Owns: checking one file (:mod:`.check`: the trigger prefilter, one parse,
one walk, dispatch, GAE001/GAE002), running the files of many apps in
parallel while the app rules run (:mod:`.parallel`) and the content-keyed
result cache (:mod:`.cache`).

May import: :mod:`gaelint.app`, :mod:`gaelint.analysis`,
:mod:`gaelint.source`, the rules (through the registry) and the foundation
modules.
"""
