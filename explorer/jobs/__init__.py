"""The app's jobs: what a screen asks the engine to do, one module per feature.

A screen builds the engine's frozen config from its form (the config validates itself and raises
:class:`engine.errors.InputError`, naming the field at fault) and hands it to its job module, which
says how the engine runs it: a generator factory for :func:`explorer.runs.start_run`, a call for
:func:`explorer.runs.start_call`, or a :class:`explorer.child_runs.ChildJob` for a child process.

- :mod:`~explorer.jobs.train` — a language model's training (``engine.training.train``), in a child process;
- :mod:`~explorer.jobs.lm` — looking at a language model: load, trace, sample, walk, score;
- :mod:`~explorer.jobs.vectors` — the word vectors the Embeddings and Analogies screens share;
- :mod:`~explorer.jobs.word2vec` — word2vec training and saving; :mod:`~explorer.jobs.glove` — GloVe training;
- :mod:`~explorer.jobs.projection` — the scatter's PCA / t-SNE and the one-hot lookup;
- :mod:`~explorer.jobs.analogies` — queries, the Google analogy evaluation, the debias view;
- :mod:`~explorer.jobs.gradients` — gradients through time, the agreement race, exploding gradients.

Job modules import neither Textual nor, at module level, torch: their results are small frozen
dataclasses that arrive at the screen as ``EngineEvent[Result]`` messages (:mod:`explorer.messages`).
"""
