"""The Analogies query box parser: every accepted form, and one-line errors for the rest."""

from __future__ import annotations

import pytest

from explorer.query import (
    Analogy,
    Arithmetic,
    Neighbours,
    QueryError,
    Similarity,
    describe,
    parse_query,
)


@pytest.mark.parametrize(
    "text",
    [
        "man : woman :: king : ?",
        "man:woman::king:?",
        "man:woman::king",
        "  man :woman::  king : ? ",
        "man is to woman as king is to ?",
        "Man IS TO woman AS king is to ?",
        "man woman king",
    ],
)
def test_analogy_forms(text):
    query = parse_query(text)
    assert isinstance(query, Analogy)
    assert (query.a.lower(), query.b, query.c) == ("man", "woman", "king")
    assert query.expected is None


def test_analogy_with_expected_answer():
    assert parse_query("man : woman :: king : queen") == Analogy("man", "woman", "king", "queen")
    assert parse_query("man is to woman as king is to queen").expected == "queen"


@pytest.mark.parametrize(
    ("text", "positive", "negative"),
    [
        ("king - man + woman", ("king", "woman"), ("man",)),
        ("king-man+woman", ("king", "woman"), ("man",)),
        ("king + woman - man", ("king", "woman"), ("man",)),
        ("-man + woman + king", ("woman", "king"), ("man",)),
        ("paris - france + italy", ("paris", "italy"), ("france",)),
        ("well-known + famous", ("well-known", "famous"), ()),
        ("a + b + c + d", ("a", "b", "c", "d"), ()),
    ],
)
def test_arithmetic(text, positive, negative):
    query = parse_query(text)
    assert query == Arithmetic(positive, negative)


def test_arithmetic_c_minus_a_plus_b_is_the_analogy():
    assert parse_query("king - man + woman").as_analogy() == Analogy("man", "woman", "king")
    assert parse_query("a + b + c").as_analogy() is None


@pytest.mark.parametrize("text", ["king", "  king  ", "well-known", "king-man", "New_York", "1984"])
def test_single_word_is_neighbours(text):
    assert parse_query(text) == Neighbours(text.strip())


def test_similarity():
    assert parse_query("father ~ mother") == Similarity("father", "mother")
    assert parse_query("father~mother") == Similarity("father", "mother")


def test_single_signed_word_is_neighbours():
    assert parse_query("+king") == Neighbours("king")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "type a query"),
        ("   ", "type a query"),
        ("man : woman", "'::'"),
        ("man : woman :: king : queen : x", "right side"),
        ("man :: king", "left side needs two words"),
        ("man : woman :: : ?", "third word is missing"),
        ("man : woman : x :: king", "left side"),
        (": woman :: king : ?", "first word is missing"),
        ("a :: b :: c", "'::' once"),
        ("king +", "ends with a sign"),
        ("king - - man", "two signs"),
        ("- man", "at least one word"),
        ("a b", "2 words"),
        ("a b c d", "4 words"),
        ("father ~ mother ~ x", "two words"),
        ("what?", "'?'"),
    ],
)
def test_errors_are_one_line_and_helpful(text, fragment):
    with pytest.raises(QueryError) as info:
        parse_query(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_describe_uses_course_notation():
    assert describe(parse_query("man : woman :: king : ?")).endswith("argmax cos(e_w, e_king − e_man + e_woman)")
    assert describe(parse_query("king - man + woman")) == "argmax cos(e_w, e_king + e_woman − e_man)"
    assert describe(parse_query("father ~ mother")) == "cos(e_father, e_mother)"
    assert "e_king" in describe(parse_query("king"))
