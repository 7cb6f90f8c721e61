"""A local model's answer is stopped once it repeats one line pattern: the 1.5B's greedy test
answers ran to their token cap with lines each one item longer (stripped HumanEval/20, /38, /40)."""

from __future__ import annotations

import dspy
import numpy
from dspy.lm15 import Message, Request

from dspy_coder.local_models.local_lm import make_local_lm
from dspy_coder.local_models.runaway import RUNAWAY_LINES, RunawayStop, is_runaway, line_shape

GROWING_ASSERTS = [f'    assert encode_cyclic("{"abcdefghijklmnop"[:n]}") == "bca"'
                   for n in range(3, 3 + RUNAWAY_LINES)]
GROWING_ROWS = [f"        ([{', '.join(str(i) for i in range(n))}], True),"
                for n in range(3, 3 + RUNAWAY_LINES)]
REPEATED = ["- Single character string: 'a'"] * RUNAWAY_LINES
DISTINCT_TESTS = [
    "    assert remove_duplicates([1, 2, 3, 2, 4]) == [1, 3, 4]",
    "    assert remove_duplicates([]) == []",
    "    assert remove_duplicates([1, 1]) == []",
    "    assert remove_duplicates([5]) == [5]",
    "    assert remove_duplicates([1, 2]) == [1, 2]",
    "    assert remove_duplicates([2, 2, 3]) == [3]",
    "    assert remove_duplicates([7, 8, 7, 9]) == [8, 9]",
    "    assert remove_duplicates([0, 0, 0, 1]) == [1]",
]


def test_lines_growing_or_repeated_in_one_shape_are_a_runaway():
    assert line_shape(GROWING_ROWS[0]) == line_shape(GROWING_ROWS[-1]) == "([#], True),"
    assert is_runaway(GROWING_ASSERTS) and is_runaway(GROWING_ROWS) and is_runaway(REPEATED)


def test_distinct_tests_a_short_pattern_and_a_blank_line_are_not():
    assert not is_runaway(DISTINCT_TESTS)  # one shape, but neither the same nor growing
    assert not is_runaway(GROWING_ASSERTS[:-1])  # one line short
    assert not is_runaway([*GROWING_ASSERTS[:4], "", *GROWING_ASSERTS[4:]][-RUNAWAY_LINES:])
    assert not is_runaway(["def f(x):", "    return x"] * 4)


def _feed(lines: list[str]) -> tuple[RunawayStop, int]:
    """Offer ``lines`` to a RunawayStop one character-token at a time; the tokens taken."""
    vocabulary = ["<eos>", *sorted({c for line in lines for c in line + "\n"})]
    ids = {c: i for i, c in enumerate(vocabulary)}
    stop = RunawayStop(lambda tokens: "".join(vocabulary[t] for t in tokens).encode(), 0)
    generated: list[int] = []
    for char in "\n".join(lines) + "\n":
        scores = stop(numpy.array([99, 98, *generated]), numpy.zeros(len(vocabulary) + 100))
        if numpy.isneginf(scores[1:]).all() and scores[0] == 0.0:
            break
        generated.append(ids[char])
    return stop, len(generated)


def test_end_of_text_is_forced_right_after_the_line_that_completes_the_pattern():
    lines = ["def test_encode():", *GROWING_ASSERTS, *GROWING_ASSERTS]
    stop, taken = _feed(lines)
    expected = len("\n".join(lines[:1 + RUNAWAY_LINES])) + 1
    assert taken == expected and stop.stopped_after == expected


def test_an_answer_that_does_not_run_away_is_left_alone():
    stop, taken = _feed(["def test_remove():", *DISTINCT_TESTS])
    assert stop.stopped_after is None
    assert taken == len("\n".join(["def test_remove():", *DISTINCT_TESTS])) + 1


def test_the_engine_cuts_a_runaway_answer_and_says_it_was_cut(fake_gguf):
    path, fake = fake_gguf
    answer = "[[ ## answer ## ]]\n" + "\n".join(GROWING_ROWS * 3) + "\n"
    fake.tokens = [line + "\n" for line in answer.split("\n")[:-1]]  # one token a line
    engine = make_local_lm(path, cache=False).engine
    response = engine.complete(Request(model="local/x", messages=(Message.user("tests?"),)))
    text = response.message.text
    assert text.count("\n") == 1 + RUNAWAY_LINES  # the header line and one full pattern
    assert response.finish_reason == "length"


def test_without_the_guard_or_with_structured_output_no_processor_is_added(fake_gguf):
    path, fake = fake_gguf
    with dspy.context(lm=make_local_lm(path, cache=False, stop_runaways=False)):
        dspy.Predict("question -> answer")(question="2 + 2?")
    assert "logits_processor" not in fake.calls[-1]
    fake.content = '{"answer": "4"}'
    with dspy.context(lm=make_local_lm(path, cache=False), adapter=dspy.JSONAdapter()):
        dspy.Predict("question -> answer")(question="2 + 2?")
    assert "logits_processor" not in fake.calls[-1]
    assert make_local_lm(path).engine.dump_state()["stop_runaways"] is True
