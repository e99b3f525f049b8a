"""The peephole LSTM over a whole sequence as one autograd node, with BPTT written by hand.

Autograd through a per-step Python loop records ~15 graph nodes per step; for the peephole
LSTM that bookkeeping made training ~0.45× ``torch.nn.LSTM`` here. This Function runs the
forward loop without autograd, keeps the gates, and runs the course's backward equations
(as in :mod:`engine.recurrent.bptt`, plus the peephole terms) in its ``backward``. Checked
against autograd through :func:`engine.recurrent.loops._lstm_peephole_loop` and by
``torch.autograd.gradcheck`` in the tests.

Forward, per step (``pre`` = ``W_ih x⟨t⟩ + b`` hoisted, ``i|f|g|o`` chunks)::

    Γu = σ(pre_i + W_hi a⟨t−1⟩ + p_u∗c⟨t−1⟩)      Γf = σ(pre_f + W_hf a⟨t−1⟩ + p_f∗c⟨t−1⟩)
    c̃ = tanh(pre_g + W_hg a⟨t−1⟩)                  c⟨t⟩ = Γf∗c⟨t−1⟩ + Γu∗c̃
    Γo = σ(pre_o + W_ho a⟨t−1⟩ + p_o∗c⟨t⟩)          a⟨t⟩ = Γo∗tanh(c⟨t⟩)

Backward, per step (``d·`` w.r.t. each gate's pre-activation)::

    dΓo = da ∗ tanh(c⟨t⟩) ∗ Γo(1−Γo)
    dc  = dc_next + da ∗ Γo ∗ (1 − tanh²(c⟨t⟩)) + dΓo ∗ p_o
    dc̃ = dc ∗ Γu ∗ (1 − c̃²);  dΓu = dc ∗ c̃ ∗ Γu(1−Γu);  dΓf = dc ∗ c⟨t−1⟩ ∗ Γf(1−Γf)
    da_prev = W_hhᵀ [dΓu, dΓf, dc̃, dΓo];  dc_prev = dc ∗ Γf + dΓu ∗ p_u + dΓf ∗ p_f
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable


class PeepholeLSTMSequence(torch.autograd.Function):
    """``(xw (B,T,4H), a0, c0, weight_hh (4H,H), peephole (3,H)) → (a (B,T,H), c (B,T,H))``.

    ``xw`` holds ``W_ih x⟨t⟩ + b_ih + b_hh`` in processing order (flip it for the backward
    direction). Differentiable once (no double backward).
    """

    @staticmethod
    def forward(ctx, xw: Tensor, a0: Tensor, c0: Tensor, weight_hh: Tensor, peephole: Tensor):  # type: ignore[override]
        w_t = weight_hh.t()
        p_u, p_f, p_o = peephole.unbind(0)
        a, c = a0, c0
        As, Cs, Us, Fs, Gs, Os, TCs = [], [], [], [], [], [], []
        keep = any(ctx.needs_input_grad)
        for xw_t in xw.unbind(1):
            gi, gf, gg, go = torch.addmm(xw_t, a, w_t).chunk(4, 1)
            u = torch.sigmoid(torch.addcmul(gi, p_u, c))  # Γu reads c⟨t−1⟩
            f = torch.sigmoid(torch.addcmul(gf, p_f, c))  # Γf reads c⟨t−1⟩
            g = torch.tanh(gg)  # c̃
            c = torch.addcmul(f * c, u, g)  # c⟨t⟩
            o = torch.sigmoid(torch.addcmul(go, p_o, c))  # Γo reads c⟨t⟩
            tc = torch.tanh(c)
            a = o * tc
            As.append(a)
            Cs.append(c)
            if keep:
                for lst, v in ((Us, u), (Fs, f), (Gs, g), (Os, o), (TCs, tc)):
                    lst.append(v)
        A, C = torch.stack(As), torch.stack(Cs)  # (T, B, H): step t is contiguous
        if keep:  # keep the gates for backward only when it can happen
            ctx.save_for_backward(a0, c0, weight_hh, peephole, A, C, *(torch.stack(v) for v in (Us, Fs, Gs, Os, TCs)))
        return A.transpose(0, 1), C.transpose(0, 1)  # (B, T, H) views

    @staticmethod
    @once_differentiable
    def backward(ctx, dA: Tensor, dC: Tensor):  # type: ignore[override]
        a0, c0, weight_hh, peephole, A, C, U, F, G, O, TC = ctx.saved_tensors  # (T, B, H)
        T, B, H = A.shape
        p_u, p_f, p_o = peephole.unbind(0)
        C_prev = torch.cat([c0.unsqueeze(0), C[:-1]], 0)
        # Factors that do not depend on the recurrence, for all steps at once.
        K_o = (TC * O * (1.0 - O)).unbind(0)  # dΓo = da ∗ K_o
        K_c = (O * (1.0 - TC * TC)).unbind(0)  # dc += da ∗ K_c
        K_g = (U * (1.0 - G * G)).unbind(0)  # dc̃ = dc ∗ K_g
        K_u = (G * U * (1.0 - U)).unbind(0)  # dΓu = dc ∗ K_u
        K_f = (C_prev * F * (1.0 - F)).unbind(0)  # dΓf = dc ∗ K_f
        Fs = F.unbind(0)
        dAs, dCs = dA.transpose(0, 1).unbind(0), dC.transpose(0, 1).unbind(0)
        dPRE = A.new_empty(T, B, 4 * H)
        da_next = torch.zeros_like(a0)
        dc_next = torch.zeros_like(c0)
        for t in range(T - 1, -1, -1):
            dp = dPRE[t]
            d_u, d_f, d_g, d_o = dp[:, :H], dp[:, H : 2 * H], dp[:, 2 * H : 3 * H], dp[:, 3 * H :]
            da = dAs[t] + da_next  # total ∂L/∂a⟨t⟩
            torch.mul(da, K_o[t], out=d_o)
            dc = torch.addcmul(torch.addcmul(dc_next + dCs[t], da, K_c[t]), d_o, p_o)  # total ∂L/∂c⟨t⟩
            torch.mul(dc, K_g[t], out=d_g)
            torch.mul(dc, K_u[t], out=d_u)
            torch.mul(dc, K_f[t], out=d_f)
            da_next = dp @ weight_hh  # (B, H)
            dc_next = torch.addcmul(torch.addcmul(dc * Fs[t], d_u, p_u), d_f, p_f)
        A_prev = torch.cat([a0.unsqueeze(0), A[:-1]], 0)  # (T, B, H)
        dW_hh = dPRE.reshape(T * B, 4 * H).t() @ A_prev.reshape(T * B, H)  # Σ_t dpre⟨t⟩ a⟨t−1⟩ᵀ
        d_peep = torch.stack(
            [
                (dPRE[..., :H] * C_prev).sum((0, 1)),
                (dPRE[..., H : 2 * H] * C_prev).sum((0, 1)),
                (dPRE[..., 3 * H :] * C).sum((0, 1)),
            ]
        )
        return dPRE.transpose(0, 1), da_next, dc_next, dW_hh, d_peep


def peephole_lstm_sequence(xw: Tensor, a0: Tensor, c0: Tensor, weight_hh: Tensor, peephole: Tensor) -> tuple[Tensor, Tensor]:
    """Run :class:`PeepholeLSTMSequence`; returns ``(a, c)`` ``(B, T, H)`` in processing order."""
    return PeepholeLSTMSequence.apply(xw, a0, c0, weight_hh, peephole)
