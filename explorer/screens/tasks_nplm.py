"""The Tasks screen's fourth choice: the neural language model that learns embeddings (NPLM).

"I want a glass of orange ___": the last n typed words are looked up in E, concatenated, read by a
tanh hidden layer a, and a softmax over the vocabulary predicts the next word
(:mod:`engine.embeddings.nplm`). :class:`NPLMPanel` shows the top next words with their probabilities
beside the nearest neighbours (cosine) in the learned E of one word — the last context word at first,
``e`` picks the next one; :func:`nplm_diagram` draws the architecture above the text box in the style
of the other tasks' diagrams, with the typed words at the bottom.

The panel starts its own runs (:mod:`explorer.jobs.tasks_nplm`), so their messages stop here; it writes
its lines through the screen's ``message``/``status`` and clears the screen's ``training`` when a run
ends. It opens on the bundled model (``assets/tasks/models/nplm``); ``t`` trains one live (a capped
corpus, a few epochs) that replaces it, and ``w`` saves that one as a folder ``nplm predict DIR`` reads.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.widgets import Static

from engine.embeddings.events import EmbeddingsStarted, EpochFinished, Progress
from explorer.jobs import tasks_nplm as jobs
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import RunHandle, start_call, start_run
from explorer.screens.tasks_text import CW, bar

EXAMPLES = ("i want a glass of", "she said that she would", "the king and the", "it was a very",
            "i do not know what")
GROUP_LOAD, GROUP_TRAIN, GROUP_PREDICT, GROUP_SAVE = ("tasks.nplm.load", "tasks.nplm.train", "tasks.nplm.predict",
                                                      "tasks.nplm.save")
HINT = "type the words before the one to predict (/), e.g. \"i want a glass of\" · n an example · t trains one live"


def nplm_diagram(context: tuple[str, ...] = (), *, n: int = 4, top: str = "", vocab: int | None = None,
                 dim: int | None = None, hidden: int | None = None, width: int = 80) -> Text:
    """The NPLM as boxes per context word: x → e = E·o → (concatenated) a → ŷ, bottom to top.

    ``context`` (the words read, oldest first) labels the bottom row, ``<s>``-padded on the left as
    the model pads a sentence's first words; ``top`` the predicted word. Notes on the right when
    ``width`` leaves room.
    """
    centres = [i * CW + 3 for i in range(n)]
    mid = (centres[0] + centres[-1]) // 2
    span = n * CW
    words = ["<s>"] * (n - len(context)) + list(context[-n:])

    def at(pos: int, label: str, size: int = span) -> str:
        chars = [" "] * size
        start = max(0, pos - len(label) // 2)
        chars[start:start + len(label)] = list(label)
        return "".join(chars)[:size]

    def cols(labels: list[str]) -> str:
        return "".join(label[:CW - 1].center(CW - 1) + " " for label in labels)

    line = [" "] * span
    for i in range(centres[0], centres[-1] + 1):
        line[i] = "─"
    for i, c in enumerate(centres):
        line[c] = "┌" if i == 0 else "┐" if i == n - 1 else "┬"
    line[mid] = {"─": "┴", "┬": "┼"}.get(line[mid], line[mid])
    bus = "".join(line)
    v = f"{vocab:,}" if vocab else "V"
    rows = [  # (drawing, style, note, short note)
        (at(mid, f"ŷ⟨t⟩ = {top}" if top else "ŷ⟨t⟩"), "bold green", f"softmax(W_y a + b_y) over {v} words",
         f"softmax, V = {v}"),
        (at(mid, "↑"), "dim", "", ""),
        (at(mid, "a"), "bold cyan", "tanh(W_h x + b_h)" + (f", H = {hidden}" if hidden else ""), "tanh(W_h x + b_h)"),
        (bus, "dim", f"x = [e;…;e], the {n} concatenated", "x = [e;…;e]"),
        (cols([f"e⟨t−{n - i}⟩" for i in range(n)]), "cyan",
         "e = E·o: the word's row of E" + (f", D = {dim}" if dim else ""), "e = E·o, a row of E"),
        (cols(["↑"] * n), "dim", "", ""),
        (cols(words), "bold", "the last n words typed", "the context"),
    ]
    out = Text()
    out.append(f"NPLM (Bengio 2003): the last {n} words → E → a → softmax\n", style="bold")
    room = width - span - 1
    full = all(len(r[2]) <= room for r in rows)
    for drawing, style, note, short in rows:
        note = note if full else short if len(short) <= room else ""
        out.append(drawing.rstrip().ljust(span) if note else drawing.rstrip(), style=style)
        if note:
            out.append(" " + note, style="italic dim")
        out.append("\n")
    out.rstrip()
    return out


def nplm_view(result, width: int = 60) -> Text:
    """The top next words (bars ∝ P, scaled to the likeliest) beside the word's neighbours in E."""
    top_p = max([p for _, p in result.top] + [1e-12])
    left = [Text("next word   P(w⟨t⟩ | …)".ljust(24), style="dim")]
    for word, p in result.top:
        row = Text(f"{word[:10]:<10} ")
        row.append(bar(p / top_p, 7), style="green")
        row.append(f" {p:.3f}")
        left.append(row)
    right = [Text(f"E: nearest to {result.word}"[:24], style="dim")]
    for word, score in result.neighbours:
        right.append(Text(f"{word[:12]:<12} {score:+.2f}", style="cyan"))
    out = Text()
    if width >= 44:
        for i in range(max(len(left), len(right))):
            out.append_text(left[i] if i < len(left) else Text(" " * 24))
            out.append("  ")
            if i < len(right):
                out.append_text(right[i])
            out.append("\n")
    else:
        for row in left + [Text("")] + right:
            out.append_text(row)
            out.append("\n")
    out.append("bars ∝ P · e: neighbours of another word", style="dim")
    return out


class NPLMPanel(VerticalScroll):
    """The NPLM view's result area; holds the shown model (bundled or trained here)."""

    DEFAULT_CSS = "NPLMPanel { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ready: jobs.NPLMReady | None = None
        self.handles: dict[str, RunHandle] = {}
        self.last: jobs.NPLMPredicted | None = None
        self.asked = False
        self._epochs: list[str] = []

    def compose(self):
        yield Static(Text(HINT, style="dim"), id="nplm-result")

    # ------------------------------------------------------------------ what the screen asks
    def ensure_loaded(self) -> None:
        if self.ready is None and not self.asked:
            self.asked = True
            self.handles[GROUP_LOAD] = start_call(self, jobs.load_bundled(), group=GROUP_LOAD)

    def diagram(self, *, width: int) -> Text:
        r, last = self.ready, self.last
        n = r.model.context if r else 4
        if r is None:
            return nplm_diagram(n=n, width=width)
        ok = last is not None and not last.error
        return nplm_diagram(last.context if last else (), n=n, top=last.top[0][0] if ok and last.top else "",
                            vocab=len(r.vocab), dim=r.model.embedding.embedding_dim,
                            hidden=r.model.hidden.out_features, width=width)

    def predict(self, text: str, word: str | None = None) -> None:
        if self.ready is None:
            self.screen.message("no NPLM yet: the bundled one is loading (or missing); t trains one")
            return
        self.handles[GROUP_PREDICT] = start_call(self, jobs.predict(self.ready, text, word), group=GROUP_PREDICT)

    def next_word(self) -> None:
        """Show the neighbours of the next known context word (cycling)."""
        last = self.last
        if last is None or last.error or self.ready is None:
            self.screen.message("type a context first (/), then e picks its words in turn")
            return
        known = [w for w in last.context if self.ready.vocab.index(w) >= 0]
        nxt = known[(known.index(last.word) + 1) % len(known)] if last.word in known else known[-1]
        self.predict(last.text, nxt)

    @staticmethod
    def config(values: dict, options: dict):
        """A live run's NPLMConfig: the form's epochs, and its train size as the corpus words read
        (an ``InputError`` names the field); the app's ``nplm_overrides`` option on top (tests)."""
        return jobs.live_config(epochs=values["epochs"], max_words=values["train_size"],
                                device=options.get("device", "auto"), overrides=options.get("nplm_overrides"))

    def train(self, config) -> None:
        self._epochs = []
        self.handles[GROUP_TRAIN] = start_run(self, jobs.train(config), group=GROUP_TRAIN)

    def stop(self) -> None:
        handle = self.handles.get(GROUP_TRAIN)
        if handle is not None and handle.running:
            handle.stop()
            self.screen.status("stopping… what was learned is kept")

    @property
    def trained(self) -> bool:
        return self.ready is not None and self.ready.origin == "trained"

    def save(self, path: str, overwrite: bool = False) -> None:
        if self.ready is not None:
            self.handles[GROUP_SAVE] = start_call(self, jobs.save(self.ready, path, overwrite=overwrite), group=GROUP_SAVE)

    def show(self, result=None) -> None:
        target = self.query_one("#nplm-result", Static)
        if result is None:
            what = f"shown: NPLM, {self.ready.origin} · " if self.ready else ""
            target.update(Text(what + HINT, style="dim"))
        else:
            target.update(nplm_view(result, width=max(20, self.size.width - 2)))
        self.screen.show_diagram()

    # ------------------------------------------------------------------ results
    @on(EngineEvent[jobs.NPLMReady])
    def _ready(self, message: EngineEvent) -> None:
        self.ready, last, self.last = message.event, self.last, None
        if message.group == GROUP_LOAD:
            self.screen.status(f"NPLM loaded ({len(self.ready.vocab):,} words) · type a context (/) or n")
        self.show(None)  # nothing of the previous model stays on show
        if last is not None:
            self.predict(last.text)  # the same context through the new model

    @on(EngineEvent[jobs.NPLMPredicted])
    def _predicted(self, message: EngineEvent) -> None:
        result = message.event
        self.screen.message(result.error)
        if result.error:
            return
        self.last = result
        self.show(result)

    @on(EngineEvent[EmbeddingsStarted])
    def _started(self, message: EngineEvent) -> None:
        e = message.event
        self.screen.status(f"training on {e.device}: {e.description}, {e.vocab_size:,} words · Esc stops")

    @on(EngineEvent[Progress])
    def _progress(self, message: EngineEvent) -> None:
        events = message.drain()
        if events:
            e = events[-1]
            self.screen.status(f"epoch {e.epoch} · {e.words_done:,}/{e.total_words:,} words · loss {e.loss:.3f} "
                               f"· {e.words_per_s:,.0f} words/s · Esc stops")

    @on(EngineEvent[EpochFinished])
    def _epoch(self, message: EngineEvent) -> None:
        e = message.event
        self._epochs.append(f"{e.loss:.2f}")
        self.screen.message(f"epoch {e.epoch}/{e.epochs}: mean loss {e.loss:.3f} nats (so far: "
                            f"{' → '.join(self._epochs)})", style="")

    @on(EngineEvent[jobs.NPLMSaved])
    def _saved(self, message: EngineEvent) -> None:
        self.screen.saved(message.event, f'seq-explorer nplm predict {message.event.path} "i do not"')

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if message.group == GROUP_TRAIN:
            self.screen.training = False
            if self.trained:
                self.screen.status("your trained NPLM is the one shown · w saves it · type a context (/)")
