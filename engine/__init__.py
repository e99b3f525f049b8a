"""seq-explorer's engine: PyTorch models, training, data and embeddings.

Rules (tested in ``tests/test_import_hygiene.py``): never import textual, rich or
explorer; never print. Long work is a generator of frozen event dataclasses
(see :mod:`engine.events`) that takes a ``threading.Event`` to stop.
"""
