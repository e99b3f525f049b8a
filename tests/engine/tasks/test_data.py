"""Task data: tokeniser, vocabularies, seeded splits, the bundled sets, synthetic dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.errors import InputError
from engine.tasks.dates_data import DATE_FORMATS, date_splits, format_date, generate_dates
from engine.tasks.ner_data import WNUT_TAGS, case_feature, load_wnut, read_conll
from engine.tasks.sentiment_data import load_sentiment
from engine.tasks.split import split_indices, subsample
from engine.tasks.vocab import PAD, UNK, TokenVocab, pad_batch, words


def test_words_lower_case_and_split_clitics_as_glove_does():
    assert words("I Didn't like it...") == ["i", "did", "n't", "like", "it", "..."]
    assert words("the film's co-writer can't") == ["the", "film", "'s", "co-writer", "ca", "n't"]


def test_vocab_specials_unk_and_json_round_trip():
    v = TokenVocab.build([["b", "a", "b"], ["c"]], min_count=1, extra=["z", "a"])
    assert v.tokens == (PAD, UNK, "b", "a", "c", "z")  # by count, ties alphabetical, then extras not yet in
    assert v.encode(["a", "never-seen"]) == [3, 1]
    assert v.index("never-seen") == -1
    assert TokenVocab.from_json(v.to_json()) == v
    assert TokenVocab.build([["b", "a", "b"]], min_count=2).tokens == (PAD, UNK, "b")
    chars = TokenVocab(["x"], specials=())
    with pytest.raises(InputError, match="no UNK"):
        chars.encode(["y"])


def test_pad_batch_left_aligns_and_refuses_empty_sequences():
    ids, lengths = pad_batch([[5, 6, 7], [8]])
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and lengths.tolist() == [3, 1]
    with pytest.raises(InputError, match="no tokens"):
        pad_batch([[1], []])


def test_split_is_seeded_disjoint_and_covers_everything():
    a, b = split_indices(100, seed=3), split_indices(100, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip((a.train, a.val, a.test), (b.train, b.val, b.test)))
    assert (len(a.train), len(a.val), len(a.test)) == (80, 10, 10)
    assert sorted(np.concatenate([a.train, a.val, a.test]).tolist()) == list(range(100))
    assert not np.array_equal(split_indices(100, seed=4).test, a.test)
    small, large = subsample(a.train, 10, 0), subsample(a.train, 40, 0)
    assert set(small) <= set(large) <= set(a.train)  # nested: a learning curve adds data
    with pytest.raises(InputError, match="too few"):
        split_indices(3)


def test_bundled_sentiment_sets():
    rt = load_sentiment("rt-polarity")
    assert len(rt) == 10_662 and int(rt.labels.sum()) == 5331
    assert any("é" in t for t in rt.texts)  # cp1252 byte 0xE9, not a replacement character
    assert not any("\ufffd" in t for t in rt.texts)
    yelp = load_sentiment("yelp")
    assert len(yelp) == 1000 and yelp.texts[0] == "Wow... Loved this place." and yelp.labels[0] == 1


def test_sentiment_file_errors(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("fine\t1\nno label here\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_sentiment(str(bad))
    with pytest.raises(InputError, match="no sentiment data"):
        load_sentiment(str(tmp_path / "missing.tsv"))


def test_conll_reader_takes_blank_and_lone_tab_lines_as_separators(tmp_path):
    path = tmp_path / "x.conll"
    path.write_text("Teddy\tB-person\nRoosevelt\tI-person\n\t\nhi\tO\n\nParis\tB-location\n", encoding="utf-8")
    sents = read_conll(path)
    assert [s.tokens for s in sents] == [("Teddy", "Roosevelt"), ("hi",), ("Paris",)]
    assert sents[0].tags == ("B-person", "I-person")
    path.write_text("word\tX-thing\n", encoding="utf-8")
    with pytest.raises(InputError, match="BIO tag"):
        read_conll(path)


def test_wnut17_splits_match_their_documented_counts():
    train = load_wnut("train")
    assert len(train) == 3394 and sum(len(s.tokens) for s in train) == 62_730
    assert len(load_wnut("dev")) == 1009 and len(load_wnut("test")) == 1287
    assert {t for s in train for t in s.tags} == set(WNUT_TAGS)


def test_case_feature():
    assert [case_feature(t) for t in ("teddy", "Teddy", "NASA", "2026", "!!", "I", "iPhone", "@Paul")] == [0, 1, 2, 3, 4, 1, 4, 4]


def test_dates_are_reproducible_distinct_and_true():
    a, b = generate_dates(300, seed=5), generate_dates(300, seed=5)
    assert a == b and len({p.source for p in a}) == 300
    for p in a:
        d = dt.date.fromisoformat(p.target)
        assert dt.date(1950, 1, 1) <= d <= dt.date(2049, 12, 31)
        for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
            if name in p.source.lower():
                assert d.strftime("%A").lower() == name  # weekdays are the true ones
    day = dt.date(2026, 3, 25)
    forms = {f: format_date(day, f) for f in DATE_FORMATS}
    assert forms["ordinal-of"] == "25th of March 2026" and forms["us-slash-short"] == "3/25/26"
    assert forms["weekday-long"] == "Wednesday, March 25, 2026" and forms["dots"] == "25.03.2026"
    assert format_date(day, "month-day-year", "lower") == "march 25 2026"
    assert format_date(dt.date(1999, 12, 1), "us-slash-short") == "12/1/99"  # 50–99 → 19xx
    train, val, test = date_splits(200, 50, 50, seed=1)
    sources = [{p.source for p in s} for s in (train, val, test)]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
