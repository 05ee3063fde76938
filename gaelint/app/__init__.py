"""Stage 4, the app model: what one App Engine app is and what it deploys.

Owns: finding apps (:mod:`.discovery`), the app.yaml model with the line of
every key (:mod:`.appyaml`), the deploy set (:mod:`.deployset`: skip_files,
.gcloudignore), where the app's own modules import from
(:mod:`.vendoring`), the ``libraries:`` catalogue (:mod:`.catalogue`), the
environment a service runs in (:mod:`.environment`) and the
:class:`~.context.AppContext` app rules read.

May import: :mod:`gaelint.analysis`, :mod:`gaelint.source`,
:mod:`gaelint.python2` and the foundation modules.
"""
