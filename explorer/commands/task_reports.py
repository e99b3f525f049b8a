"""The ``task`` commands that teach a point with two models or two inputs: ``compare`` (averaging vs a
many-to-one RNN, negations), ``curve`` (pretrained vs random embeddings by training-set size) and
``teddy`` ("Teddy Roosevelt" vs "Teddy bears": what a forward-only tagger cannot see)."""

from __future__ import annotations

import argparse
import sys
import threading

from explorer.commands._output import write_json
from explorer.commands._signals import StopOnSigint
from explorer.commands._task_common import EXIT_INTERRUPTED, check_out, config_from_args, drive, fmt, load, number


def run_teddy(args: argparse.Namespace) -> int:
    from engine.tasks.ner import TEDDY

    task = load(args.checkpoint, task="ner")
    sentences = tuple(args.sentences) if args.sentences else TEDDY
    word = args.word
    report = task.teddy(sentences, word=word)
    rows = []
    for s, pred, i in zip(report.sentences, report.predictions, report.positions):
        dist = pred.distribution[i]
        top = sorted(range(len(dist)), key=lambda j: -dist[j])[:3]
        rows.append({"sentence": s, "tags": list(pred.tags), "word_tag": pred.tags[i],
                     "word_distribution": {pred.tag_names[j]: float(dist[j]) for j in top}})
    if args.json:
        write_json({"bidirectional": report.bidirectional, "word": word, "max_difference": report.max_difference,
               "sentences": rows})
        return 0
    kind = "bidirectional" if report.bidirectional else "forward-only"
    for row in rows:
        print(row["sentence"])
        print("  tags: " + " ".join(row["tags"]))
        print(f"  {word!r}: " + ", ".join(f"{t} {p:.3f}" for t, p in row["word_distribution"].items()))
    if report.bidirectional:
        print(f"{kind} tagger: P(tag of {word!r}) differs by up to {report.max_difference:.3f} between the sentences: "
              f"←a at {word!r} has read the words that follow it")
    else:
        same = "is identical in both sentences" if report.max_difference == 0 else "differs"
        print(f"{kind} tagger: P(tag of {word!r}) {same} (largest difference {report.max_difference:.3g}): "
              f"→a has read the words up to {word!r} only, never what follows")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from engine.errors import InputError
    from engine.tasks.compare import compare_sentiment
    from engine.tasks.events import Compared, TaskFinished

    if args.task != "sentiment":
        raise InputError(f"compare works on the sentiment task (averaging vs RNN), got {args.task!r}")
    config = config_from_args(args, "sentiment")
    check_out(config.out)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = drive(compare_sentiment(config, stop, out=config.out), args.json)
    result = next((e for e in events if isinstance(e, Compared)), None)
    if result is None:
        fin = [e for e in events if isinstance(e, TaskFinished)]
        print("stopped before both models were trained; no comparison", file=sys.stderr)
        return EXIT_INTERRUPTED if fin and fin[-1].reason == "stopped" else 1
    if args.json:
        from dataclasses import asdict

        write_json(asdict(result))
        return 0
    show = number(args, "show")
    print(f"test accuracy on the same {result.test_size} held-out sentences: averaging {result.accuracy_average:.4f}, "
          f"RNN {result.accuracy_rnn:.4f}")
    print(f"they disagree on {result.n_disagreements} sentences" + (f"; the first {min(show, len(result.disagreements))}:"
                                                                     if result.disagreements and show else ""))
    for d in result.disagreements[:show]:
        print(f"  [{d.gold[:3]}] avg {d.average[:3]} {d.p_average:.2f} | rnn {d.rnn[:3]} {d.p_rnn:.2f}  {d.text[:90]}")
    print("negations (P(positive); ✓ = the label a person gives):")
    for n in result.negations:
        ok_a, ok_r = (("✓" if (p >= 0.5) == (n.gold == "positive") else "✗") for p in (n.p_average, n.p_rnn))
        print(f"  [{n.gold[:3]}] avg {n.p_average:.2f} {ok_a}  rnn {n.p_rnn:.2f} {ok_r}  {n.text}")
    print("same words, other order (averaging reads a bag of words, so it must answer both alike):")
    for pair in result.order_pairs:
        for text, gold, pa, pr in ((pair.first, pair.gold_first, pair.p_average[0], pair.p_rnn[0]),
                                   (pair.second, pair.gold_second, pair.p_average[1], pair.p_rnn[1])):
            ok_a, ok_r = (("✓" if (p >= 0.5) == (gold == "positive") else "✗") for p in (pa, pr))
            print(f"  [{gold[:3]}] avg {pa:.2f} {ok_a}  rnn {pr:.2f} {ok_r}  {text}")
    k = len(result.negations)
    a, r = round(result.negation_accuracy_average * k), round(result.negation_accuracy_rnn * k)
    verdict = "the RNN gets more of them right" if r > a else "the RNN does not beat averaging on them in this run" \
        if r < a else "both get as many right in this run"
    print(f"negation set: averaging {a}/{k}, RNN {r}/{k}: {verdict}")
    return 0


def run_curve(args: argparse.Namespace) -> int:
    from engine.errors import InputError
    from engine.tasks.curve import learning_curve
    from engine.tasks.events import CurveFinished

    if args.task not in ("sentiment", "ner"):
        raise InputError(f"the learning curve compares word embeddings: task must be sentiment or ner, got {args.task!r}")
    sizes: list[int | None] = []
    for part in args.sizes.split(","):
        part = part.strip()
        if part == "all":
            sizes.append(None)
        elif part.isdigit() and int(part) > 0:
            sizes.append(int(part))
        else:
            raise InputError(f"--sizes must be positive integers or 'all' separated by commas, got {args.sizes!r}")
    config = config_from_args(args)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = drive(learning_curve(config, stop, sizes=sizes, min_steps=number(args, "min_steps")), args.json)
    done = next(e for e in reversed(events) if isinstance(e, CurveFinished))
    points = [{"size": p.size, "init": p.init, p.metric: p.value, "epochs": p.epochs} for p in done.points]
    if args.json:
        write_json({"task": args.task, "reason": done.reason, "points": points})
    else:
        inits = list(dict.fromkeys(p.init for p in done.points))
        print(f"test {done.points[0].metric if done.points else ''} by training-set size")
        print("  size    " + "".join(f"{i:>12}" for i in inits))
        for size in dict.fromkeys(p.size for p in done.points):
            vals = {p.init: p.value for p in done.points if p.size == size}
            print(f"  {size:<8}" + "".join(f"{fmt(vals.get(i)):>12}" for i in inits))
    return EXIT_INTERRUPTED if done.reason == "stopped" else 0
