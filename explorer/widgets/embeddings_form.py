"""The Embeddings screen's form: word2vec or GloVe, each with its own settings, and the watch-list.

* word2vec: model (skip-gram / CBOW), loss (negative sampling, hierarchical or full softmax), how
  the negatives are drawn (shared / per-pair, with a line saying what that means), dim, window,
  epochs, min count.
* GloVe: dim, window, epochs, min count, x_max and α of the weighting f(x) = (x/x_max)^α.
* Both: the corpus (``default`` or a path) and the watch words.

:meth:`EmbeddingsForm.settings` turns the strings into the engine config's fields, typed, and
nothing more: what a value may be is ``Word2VecConfig`` / ``GloveConfig``'s to say, and the
screen builds the config. A string that is not a number where one is needed is an
:class:`~engine.errors.InputError` naming the field, like the configs' own refusals; :data:`LABELS`
names each field in the form's words for the error dialog and :meth:`focus_field` goes back to it.
Nothing here imports torch (nor the engine beyond its error type).
"""

from __future__ import annotations

from textual import on
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static

DEFAULT_WATCH = ("king", "france", "two", "good")
METHODS = [("word2vec", "word2vec"), ("GloVe", "glove")]
MODELS = [("skip-gram", "skipgram"), ("CBOW", "cbow")]
LOSSES = [("negative sampling", "negative"), ("hierarchical softmax", "hierarchical"), ("full softmax", "softmax")]
NEGATIVES = [("shared (fast)", "shared"), ("per-pair (course)", "per-pair")]
NOTES = {
    "shared": "a window's predictions share K negatives: fewer draws, faster",
    "per-pair": "K fresh negatives for every (context, target) pair, as in the course",
    "hierarchical": "~log₂V yes/no decisions down a Huffman tree instead of V outputs",
    "softmax": "every word of the vocabulary scored for every prediction: slow",
    "glove": "fits θᵢᵀeⱼ + bᵢ + b'ⱼ to log Xᵢⱼ, weighted f(x) = (x/x_max)^α, capped at 1",
}
"""The one-line explanation under the choices, by what is chosen."""

DEFAULTS: dict[str, dict[str, str]] = {
    "word2vec": {"model": "skipgram", "loss": "negative", "negatives": "shared", "dim": "50", "window": "5",
                 "epochs": "1", "min_count": "5"},
    "glove": {"dim": "50", "window": "10", "epochs": "5", "min_count": "5", "x_max": "100", "alpha": "0.75"},
}
"""The form's first values: small enough to train in a minute or two on the bundled corpus."""

IDS: dict[str, dict[str, str]] = {
    "word2vec": {"corpus": "embeddings-corpus", "model": "embeddings-model", "loss": "embeddings-loss-kind",
                 "negatives": "embeddings-negatives", "dim": "embeddings-dim", "window": "embeddings-window",
                 "epochs": "embeddings-epochs", "min_count": "embeddings-min-count",
                 "watch": "embeddings-watch-words"},
    "glove": {"corpus": "embeddings-corpus", "dim": "glove-dim", "window": "glove-window", "epochs": "glove-epochs",
              "min_count": "glove-min-count", "x_max": "glove-x-max", "alpha": "glove-alpha",
              "watch": "embeddings-watch-words"},
}
"""Config field → the id of its control, per method."""

LABELS: dict[str, dict[str, str]] = {
    "word2vec": {"corpus": "corpus", "model": "model", "loss": "loss", "negatives": "negatives", "dim": "dim",
                 "window": "window", "epochs": "epochs", "min_count": "min count", "watch": "watch"},
    "glove": {"corpus": "corpus", "dim": "dim", "window": "window", "epochs": "epochs", "min_count": "min count",
              "x_max": "x_max", "alpha": "α", "watch": "watch"},
}
"""Config field → its name on the form, per method (the error dialog speaks of "min count")."""

_WHOLE = r"[0-9]*"  # sizes and counts: digits only (a minus sign cannot be typed)
_INTS = ("dim", "window", "epochs", "min_count")
_FLOATS = ("x_max", "alpha")


def parse_watch(text: str) -> tuple[str, ...]:
    """'king, france two' → ('king', 'france', 'two'): commas or spaces, duplicates dropped."""
    seen: list[str] = []
    for word in text.replace(",", " ").split():
        if word not in seen:
            seen.append(word)
    return tuple(seen)


def parse_settings(method: str, raw: dict[str, str]) -> dict[str, object]:
    """The form's strings for ``method`` as config fields of the right type.

    Raises :class:`~engine.errors.InputError` (with ``field``) for text that is not a number where one
    is needed; the values themselves are the config's to judge.
    """
    from engine.errors import InputError

    out: dict[str, object] = {"corpus": raw.get("corpus", "").strip() or "default"}
    for key in _INTS:
        text = str(raw.get(key, "")).strip()
        try:
            out[key] = int(text)
        except ValueError:
            raise InputError(f"{key} must be a whole number, got {text!r}" if text else
                             f"{key} is empty: type a whole number", field=key) from None
    for key in _FLOATS if method == "glove" else ():
        text = str(raw.get(key, "")).strip()
        try:
            out[key] = float(text)
        except ValueError:
            raise InputError(f"{key} must be a number, got {text!r}" if text else
                             f"{key} is empty: type a number", field=key) from None
    if method == "word2vec":
        out.update(model=raw["model"], loss=raw["loss"], negatives=raw["negatives"])
    watch = parse_watch(raw.get("watch", ""))
    if watch:
        out["watch"] = watch
    return out


class EmbeddingsForm(VerticalScroll):
    """Method, corpus, the chosen method's settings, the watch words; scrolls when it does not fit."""

    can_focus = False  # Tab goes straight to the method; the form scrolls to whichever field has the focus

    DEFAULT_CSS = """
    EmbeddingsForm { height: 1fr; scrollbar-size-vertical: 1; }
    EmbeddingsForm Horizontal { height: 1; }
    EmbeddingsForm Vertical { height: auto; }
    EmbeddingsForm Label { width: 10; color: $text-muted; }
    EmbeddingsForm Input, EmbeddingsForm Select { width: 1fr; }
    EmbeddingsForm .half { width: 10; }
    EmbeddingsForm .label2 { width: 11; padding-left: 1; }
    EmbeddingsForm #embeddings-note { height: auto; color: $text-muted; padding-left: 10; }
    """

    def compose(self):
        w2v, glove = DEFAULTS["word2vec"], DEFAULTS["glove"]

        def row(*widgets, **kwargs):
            return Horizontal(*widgets, **kwargs)

        def whole(value: str, id_: str) -> Input:
            return Input(value, restrict=_WHOLE, compact=True, id=id_, classes="half")

        yield row(Label("method"), Select(METHODS, value="word2vec", allow_blank=False, compact=True,
                                          id="embeddings-method"))
        yield row(Label("corpus"), Input("default", placeholder="default or a text file path", compact=True,
                                         id="embeddings-corpus"))
        yield Vertical(
            row(Label("model"), Select(MODELS, value=w2v["model"], allow_blank=False, compact=True,
                                       id="embeddings-model")),
            row(Label("loss"), Select(LOSSES, value=w2v["loss"], allow_blank=False, compact=True,
                                      id="embeddings-loss-kind")),
            row(Label("negatives"), Select(NEGATIVES, value=w2v["negatives"], allow_blank=False, compact=True,
                                           id="embeddings-negatives"), id="embeddings-negatives-row"),
            row(Label("dim"), whole(w2v["dim"], "embeddings-dim"),
                Label("window", classes="label2"), whole(w2v["window"], "embeddings-window")),
            row(Label("epochs"), whole(w2v["epochs"], "embeddings-epochs"),
                Label("min count", classes="label2"), whole(w2v["min_count"], "embeddings-min-count")),
            id="embeddings-w2v-settings")
        yield Vertical(
            row(Label("dim"), whole(glove["dim"], "glove-dim"),
                Label("window", classes="label2"), whole(glove["window"], "glove-window")),
            row(Label("epochs"), whole(glove["epochs"], "glove-epochs"),
                Label("min count", classes="label2"), whole(glove["min_count"], "glove-min-count")),
            row(Label("x_max"), Input(glove["x_max"], type="number", compact=True, id="glove-x-max", classes="half"),
                Label("α", classes="label2"),
                Input(glove["alpha"], type="number", compact=True, id="glove-alpha", classes="half")),
            id="embeddings-glove-settings")
        yield row(Label("watch"), Input(", ".join(DEFAULT_WATCH), placeholder="words to follow, e.g. king, france",
                                        compact=True, id="embeddings-watch-words"))
        yield Static(NOTES["shared"], id="embeddings-note", markup=False)

    def on_mount(self) -> None:
        self._show_method()

    @property
    def method(self) -> str:
        return str(self.query_one("#embeddings-method", Select).value)

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        self._show_method()

    def _show_method(self) -> None:
        method = self.method
        self.query_one("#embeddings-w2v-settings").display = method == "word2vec"
        self.query_one("#embeddings-glove-settings").display = method == "glove"
        loss = str(self.query_one("#embeddings-loss-kind", Select).value)
        self.query_one("#embeddings-negatives-row").display = loss == "negative"
        if method == "glove":
            note = NOTES["glove"]
        else:
            note = NOTES[str(self.query_one("#embeddings-negatives", Select).value)] if loss == "negative" \
                else NOTES[loss]
        self.query_one("#embeddings-note", Static).update(note)

    def raw_values(self, method: str | None = None) -> dict[str, str]:
        """The strings of ``method``'s controls (the chosen method by default), by config field."""
        ids = IDS[method or self.method]
        return {field: str(self.query_one(f"#{id_}").value) for field, id_ in ids.items()}

    def settings(self) -> tuple[str, dict[str, object]]:
        """(method, its config fields typed): see :func:`parse_settings`."""
        method = self.method
        return method, parse_settings(method, self.raw_values(method))

    def focus_field(self, field: str | None, method: str | None = None) -> bool:
        """Focus the control of config field ``field`` for ``method``; False if the form has none."""
        id_ = IDS[method or self.method].get(field or "")
        if id_ is None:
            return False
        self.query_one(f"#{id_}").focus()
        return True
