"""Vanishing and exploding gradients, made visible and measurable.

- :mod:`~engine.gradients.through_time`: ‖∂L⟨T⟩/∂a⟨t⟩‖ (and ‖∂L/∂c⟨t⟩‖) for every step, per layer,
  by the hand-written BPTT where the cell has one and by autograd otherwise;
- :mod:`~engine.gradients.agreement`: the seeded long-range agreement task ("the cat … was");
- :mod:`~engine.gradients.agreement_training`: RNN vs GRU vs LSTM on it, equal parameter budgets;
- :mod:`~engine.gradients.exploding`: exploding gradients on purpose, and clipping by value / norm;
- :mod:`~engine.gradients.events`: the events and results these yield (no torch inside).
"""
