"""Sequence tasks: the course's architecture types on real data.

- sentiment (many-to-one): averaging of word embeddings vs an RNN/GRU/LSTM (uni or bi) on
  rt-polarity or yelp — :mod:`engine.tasks.sentiment`, :mod:`~engine.tasks.compare`;
- ner (many-to-many, ``T_x = T_y``): a forward-only or bidirectional tagger on WNUT-17, entity F1
  as conlleval counts it — :mod:`engine.tasks.ner`, :mod:`~engine.tasks.metrics`;
- dates (encoder-decoder, ``T_x ≠ T_y``): human-written dates → ISO, with attention, greedy and
  beam-search decoding — :mod:`engine.tasks.dates`, :mod:`~engine.tasks.beam`;
- transfer learning: GloVe or the project's own vectors as the initial E, frozen or fine-tuned,
  and a learning curve over training-set sizes — :mod:`engine.tasks.transfer`, :mod:`~engine.tasks.curve`.

The calls a front end needs (this package imports no torch until one of them is used)::

    from engine.tasks.config import TaskConfig, TASKS                   # torch-free
    from engine.tasks.architecture import architecture, TASK_KINDS      # torch-free diagrams as data
    from engine.tasks.training import build_task, train_task            # events: engine.tasks.events
    from engine.tasks.io import load_task, checkpoint_task

    task = build_task(TaskConfig(task="ner", bidirectional=True))
    for event in train_task(task.config, stop, pause=pause, save_request=save, task=task): ...
    task.predict(text)                 # sentiment: label + probabilities; ner: tags + probabilities
    task.prefix_probabilities(text)    # sentiment: P(positive) after each word (one pass for uni RNNs)
    task.by_direction(text)            # ner, bidirectional: W_→ →a + W_← ←a + b = logits, per token
    task.teddy(sentences)              # ner: one word's tag distribution in two sentences
    task.translate(text, beam_width)   # dates: greedy output, beam candidates, attention (T_y, T_x)
    task.trace(text)                   # (tokens, Trace): every gate, every layer, → and ← directions
    task.encoder.cell(layer, direction)  # the cell view: equations, course_parameters()
"""
