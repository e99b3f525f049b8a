"""Deep and bidirectional recurrent layers, with a fused fast path and a recording loop.

Deep: ``a^[l]⟨t⟩ = g(W_a^[l][a^[l]⟨t−1⟩, a^[l−1]⟨t⟩] + b_a^[l])`` with ``a^[0]⟨t⟩ = x⟨t⟩``.
Bidirectional: a forward pass →a and a backward pass ←a over the reversed sequence; the
per-step output is ``[→a⟨t⟩, ←a⟨t⟩]`` and feeds the next layer.

Parameters are stored exactly as ``torch.nn.RNN/GRU/LSTM`` names them (``weight_ih_l0``,
``weight_hh_l0_reverse``, ...), so ``Recurrent.load_state_dict(torch.nn.LSTM(...).state_dict())``
works as is. The peephole LSTM adds ``peephole_l{k}[_reverse]`` ``(3, H)`` rows ``p_u|p_f|p_o``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.errors import InputError
from engine.recurrent.cells import RecurrentCell, State, check_nonlinearity, check_positive_int
from engine.recurrent.kinds import CellKind, kind_of
from engine.recurrent.loops import run_sequence
from engine.recurrent.recording import record_gates, record_preactivation, to_numpy
from engine.recurrent.trace import LayerTrace, Trace

DIRECTIONS: tuple[str, ...] = ("forward", "backward")


class Recurrent(torch.nn.Module):
    """A stack of ``num_layers`` recurrent layers of one cell kind, optionally bidirectional.

    ``forward(x, state=None, *, record=False)`` takes ``x`` ``(B, T, input_size)`` (batch
    first) and returns ``(output, state, trace)``: ``output`` ``(B, T, D·H)`` (D = 2 when
    bidirectional), the final ``state`` laid out as in ``torch.nn`` (``h`` ``(L·D, B, H)``, or
    ``(h, c)`` for the LSTM kinds; the GRU kinds carry ``h`` only), and a :class:`Trace` when
    ``record`` (else ``None``).

    ``rnn``/``gru``/``lstm`` run the fused ``torch.nn.RNN/GRU/LSTM`` kernel on these very
    parameters (cuDNN on a GPU); the other kinds run a TorchScript-compiled per-step loop
    (:mod:`engine.recurrent.loops`) with the input projection of the whole sequence hoisted
    out of it. With ``record`` the layers run one at a time by the same means, and after each
    layer every gate of every step is evaluated at once from the states it produced
    (:mod:`engine.recurrent.recording`) and copied to numpy; the outputs stay differentiable.
    Dropout (training only) applies to the input of every layer but the first.
    """

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        self.spec: CellKind = kind_of(kind, field="kind")
        self.kind = self.spec.name
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        self.nonlinearity = check_nonlinearity(kind, nonlinearity)
        if not isinstance(bidirectional, bool):
            raise InputError(f"bidirectional must be True or False, got {bidirectional!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise InputError(f"dropout must be a number in [0, 1), got {dropout!r}")
        self.bidirectional = bidirectional
        self.dropout = float(dropout)
        self.num_directions = 2 if bidirectional else 1
        self.has_memory_cell = self.spec.memory_cell
        H = hidden_size
        self._flat_names: list[str] = []
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else H * self.num_directions
            for d in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                cell = RecurrentCell(kind, n_in, H, nonlinearity=nonlinearity)  # fresh, torch.nn init
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    self.register_parameter(name + sfx, getattr(cell, name))
                    self._flat_names.append(name + sfx)
                if cell.peephole is not None:
                    self.register_parameter("peephole" + sfx, cell.peephole)

    # ------------------------------------------------------------ parameter access

    def _suffix(self, layer: int, direction: str) -> str:
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= self.num_layers:
            raise InputError(f"layer must be in 1..{self.num_layers}, got {layer!r}")
        if direction not in DIRECTIONS[: self.num_directions]:
            raise InputError(
                f"direction must be one of {', '.join(DIRECTIONS[: self.num_directions])}, got {direction!r}"
            )
        return f"_l{layer - 1}" + ("_reverse" if direction == "backward" else "")

    def layer_parameters(self, layer: int, direction: str = "forward") -> dict[str, torch.nn.Parameter]:
        """The Parameter objects (not copies) of layer ``layer`` (1-based) in ``direction``."""
        sfx = self._suffix(layer, direction)
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["peephole"] if self.spec.peephole else [])
        return {n: getattr(self, n + sfx) for n in names}

    def cell(self, layer: int = 1, direction: str = "forward") -> RecurrentCell:
        """A :class:`RecurrentCell` sharing (not copying) layer ``layer``'s parameters in ``direction``.

        Use it for ``course_parameters()``, ``equations`` and ``variant_note``, or to step by hand.
        """
        n_in = self.input_size if layer == 1 else self.hidden_size * self.num_directions
        params = self.layer_parameters(layer, direction)
        return RecurrentCell(self.kind, n_in, self.hidden_size, nonlinearity=self.nonlinearity, parameters=params)

    @property
    def cells(self) -> tuple[RecurrentCell, ...]:
        """Every layer's cell view, layer by layer, forward before backward."""
        return tuple(
            self.cell(layer, d) for layer in range(1, self.num_layers + 1) for d in DIRECTIONS[: self.num_directions]
        )

    @property
    def gates(self) -> tuple[str, ...]:
        """The gate names this kind records (a subset of ``GATE_NAMES``)."""
        return self.spec.gates

    @property
    def variant_note(self) -> str:
        """One line for the UI on how this variant differs (see ``RecurrentCell.variant_note``)."""
        return self.spec.note

    @property
    def equations(self) -> tuple[str, ...]:
        """The course-notation equations of one layer's cell."""
        return self.spec.equations

    def extra_repr(self) -> str:
        s = f"{self.kind!r}, {self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s

    # ------------------------------------------------------------ forward

    def _check(self, x: Tensor, state: State | None) -> tuple[Tensor, Tensor | None]:
        if not isinstance(x, Tensor) or x.dim() != 3 or x.shape[2] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise InputError(f"input must have shape (batch, time, {self.input_size}), got {shape}")
        if x.shape[1] == 0:
            raise InputError("input sequence is empty (time = 0); give at least one step")
        dtype = self.weight_hh_l0.dtype
        if x.dtype != dtype:
            raise InputError(f"input dtype {x.dtype} does not match the model's {dtype}; convert with x.to({dtype})")
        if state is None:
            return None, None
        B = x.shape[0]
        want = (self.num_layers * self.num_directions, B, self.hidden_size)
        if self.has_memory_cell:
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise InputError(f"state for {self.kind!r} must be a pair (h, c), each of shape {want}")
            h, c = state
        else:
            if not isinstance(state, Tensor):
                raise InputError(f"state for {self.kind!r} must be one tensor h of shape {want}, not a pair")
            h, c = state, None
        for name, t in (("h", h), ("c", c)):
            if t is not None and tuple(t.shape) != want:
                raise InputError(f"state {name} must have shape {want}, got {tuple(t.shape)}")
        return h, c

    def forward(
        self, x: Tensor, state: State | None = None, *, record: bool = False
    ) -> tuple[Tensor, State, Trace | None]:
        h0, c0 = self._check(x, state)
        if not record and self.spec.fused:
            return self._fused(x, h0, c0, self.num_layers, self._flat_names) + (None,)
        return self._by_layer(x, h0, c0, record)

    def _fused(
        self, x: Tensor, h0: Tensor | None, c0: Tensor | None, num_layers: int, names: list[str]
    ) -> tuple[Tensor, State]:
        """The ``torch.nn.RNN/GRU/LSTM`` kernel on these parameters (``torch._VF``, called exactly
        as ``torch.nn.LSTM.forward`` calls it; cuDNN on a GPU)."""
        B = x.shape[0]
        if h0 is None:
            h0 = x.new_zeros(num_layers * self.num_directions, B, self.hidden_size)
        weights = [getattr(self, n) for n in names]
        args = (True, num_layers, self.dropout, self.training, self.bidirectional, True)
        if self.spec.family == "lstm":  # the fused kinds are the plain RNN, GRU and LSTM
            if c0 is None:
                c0 = torch.zeros_like(h0)
            out, h, c = torch._VF.lstm(x, (h0, c0), weights, *args)
            return out, (h, c)
        if self.spec.family == "gru":
            fn = torch._VF.gru
        else:
            fn = torch._VF.rnn_tanh if self.nonlinearity == "tanh" else torch._VF.rnn_relu
        out, h = fn(x, h0, weights, *args)
        return out, h

    def _by_layer(self, x: Tensor, h0: Tensor | None, c0: Tensor | None, record: bool) -> tuple[Tensor, State, Trace | None]:
        """Layer by layer: the fused kernel one layer at a time (rnn/gru/lstm) or the per-step loop
        (other kinds); when ``record``, each layer's gates are evaluated from its states."""
        B = x.shape[0]
        D, H = self.num_directions, self.hidden_size
        lstm = self.has_memory_cell
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        traces: list[LayerTrace] = []
        inp = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                inp = F.dropout(inp, self.dropout, training=True)
            rows = slice(layer * D, (layer + 1) * D)
            a0s = h0[rows] if h0 is not None else x.new_zeros(D, B, H)
            c0s = (c0[rows] if c0 is not None else x.new_zeros(D, B, H)) if lstm else None
            params = [self.layer_parameters(layer + 1, DIRECTIONS[d]) for d in range(D)]
            c_seqs: list[Tensor | None] = [None] * D
            if self.spec.fused:
                names = self._flat_names[layer * D * 4 : (layer + 1) * D * 4]
                out, s_n = self._fused(inp, a0s, c0s, 1, names)
                if lstm:
                    h_n.append(s_n[0])
                    c_n.append(s_n[1])
                else:
                    h_n.append(s_n)
                a_seqs = [out[..., d * H : (d + 1) * H] for d in range(D)]
            else:
                a_seqs = []
                for d in range(D):
                    p = params[d]
                    s0: State = (a0s[d], c0s[d]) if lstm else a0s[d]  # type: ignore[index]
                    a_d, c_seqs[d], s_d = run_sequence(
                        self.kind, inp, s0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"],
                        p.get("peephole"), self.nonlinearity, reverse=bool(d),
                    )
                    a_seqs.append(a_d)
                    if lstm:
                        h_n.append(s_d[0])
                        c_n.append(s_d[1])
                    else:
                        h_n.append(s_d)
                out = a_seqs[0] if D == 1 else torch.cat(a_seqs, dim=2)  # (B, T, D·H)
            if record:
                x_np = to_numpy(inp)
                for d in range(D):
                    gates, c_rebuilt = record_gates(
                        self.kind, inp, a_seqs[d], a0s[d], c_seqs[d], c0s[d] if lstm else None,  # type: ignore[index]
                        params[d], self.nonlinearity, reverse=bool(d),
                    )
                    a_np = to_numpy(a_seqs[d])
                    if lstm:
                        c_np = c_rebuilt if c_rebuilt is not None else to_numpy(c_seqs[d])  # type: ignore[arg-type]
                        c0_np = to_numpy(c0s[d])  # type: ignore[index]
                    elif self.spec.c_is_a:  # GRUs: c == a
                        c_np, c0_np = a_np, to_numpy(a0s[d])
                    else:
                        c_np = c0_np = None
                    traces.append(
                        LayerTrace(
                            layer=layer + 1, direction=DIRECTIONS[d], x=x_np,  # type: ignore[arg-type]
                            a0=to_numpy(a0s[d]), c0=c0_np, a=a_np, c=c_np, gates=gates,
                            z=record_preactivation(inp, a_seqs[d], a0s[d], params[d], reverse=bool(d))
                            if self.spec.family == "rnn" else None,
                        )
                    )
            inp = out
        join = torch.cat if self.spec.fused else torch.stack  # fused: (D, B, H) per layer; loops: (B, H)
        h = join(h_n, 0)  # (L·D, B, H)
        if lstm:
            c = join(c_n, 0)
            state: State = (h, c)
        else:
            state = h
        trace = Trace(cell=self.kind, layers=tuple(traces)) if record else None
        return inp, state, trace


__all__ = ["Recurrent", "DIRECTIONS"]
