"""Scrubbing costs time linear in its input, whatever the input (the issue's 64 KB stack of
`a-a-a-…` took a worker past gunicorn's 30 s timeout).

Each check scrubs an adversarial text of n characters and of K·n characters in the same run
and compares the CPU time (the best of several repetitions, so other processes on the machine
do not count): linear work grows about K times, quadratic work K² times. The bound sits well
between the two, so the check fails on any superlinear rule and never on noise.
"""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.privacy import scrub_data, scrub_text, scrub_url
from errors.ingest import MAX_STACK_LENGTH, ErrorReportInput, error_report_values

K = 8
# Linear work gives about K; quadratic gives K² = 64.
RATIO_BOUND = 3 * K
BASE_LENGTH = 4000

# The shapes that make backtracking engines slow on the old patterns, and the pieces of
# every rule's findings, so generated texts are half-finished secrets.
ADVERSARIAL_SHAPES = [
    "a-",
    "a",
    "1",
    "=",
    "token=",
    "token= ",
    "a.",
    "a@",
    "1.",
    "1 ",
    "a:",
    "+1",
    "Bearer ",
    "password",
    "eyJ.",
    "1.2.3.4 ",
    "ann@x.io ",
    "-----BEGIN PRIVATE KEY-----",
]
PIECES = [
    "a",
    "-",
    "_",
    "1",
    "0",
    ".",
    ":",
    "=",
    "@",
    "+",
    " ",
    "'",
    '"',
    "/",
    "ff",
    "token",
    "Bearer",
    "password",
    "eyJ",
    "AKIA",
    "ghp_",
    "-----BEGIN",
    "PRIVATE KEY-----",
    "(",
]


def cpu_seconds(function, argument, repetitions: int = 5) -> float:
    """Return the least CPU time of `repetitions` calls of function(argument)."""
    best = float("inf")
    for _ in range(repetitions):
        started = time.process_time()
        function(argument)
        best = min(best, time.process_time() - started)
    return best


def growth(function, unit: str) -> float:
    """Return how many times longer `function` works on K·n characters of `unit` repeated
    than on n characters; the small input's time is floored at 50 µs, below which timers
    measure interpreter noise rather than scrubbing."""
    small = unit * (BASE_LENGTH // len(unit) + 1)
    large = unit * (BASE_LENGTH * K // len(unit) + 1)
    return cpu_seconds(function, large) / max(cpu_seconds(function, small), 50e-6)


def scrub_everything(text: str):
    return scrub_text(text, max_length=len(text))


def scrub_as_metadata(text: str):
    # Long metadata strings are scrubbed up to 1000 characters each: many of them, then.
    return scrub_data({"items": [text[i : i + 1000] for i in range(0, len(text), 1000)]})


@pytest.mark.parametrize("shape", ADVERSARIAL_SHAPES)
def test_scrub_text__work_grows_linearly_on_adversarial_shapes(shape):
    assert growth(scrub_everything, shape) < RATIO_BOUND


@pytest.mark.parametrize("shape", ["a-", "1.", "a:", "token=", "ann@x.io "])
def test_scrub_data__work_grows_linearly_with_the_metadata(shape):
    assert growth(scrub_as_metadata, shape) < RATIO_BOUND


@pytest.mark.parametrize("shape", ["a-", "a", "1.", "token=", "at a-"])
def test_error_report_values__work_grows_linearly_with_the_stack(shape):
    # The 64 KB stack of a-a-a-…: a report's stack is scrubbed up to twice the stored
    # 16 000 characters, so compare an eighth of that with all of it.
    def report(stack: str):
        error_report_values(report=ErrorReportInput(error_type="Error", message="m", stack=stack))

    small = (shape * MAX_STACK_LENGTH)[: MAX_STACK_LENGTH * 2 // K]
    large = (shape * MAX_STACK_LENGTH * 2)[: MAX_STACK_LENGTH * 2]
    ratio = cpu_seconds(report, large) / max(cpu_seconds(report, small), 50e-6)
    assert ratio < RATIO_BOUND


@pytest.mark.parametrize("shape", ["a-", "1.", "a:/", "%40a", "0"])
def test_scrub_url__work_grows_linearly_with_the_url(shape):
    # URLs are read up to 4096 characters: compare 4096 with 520 of them, both longer than
    # the URLs whose scrubbed form is remembered.
    small = ("https://a.io/" + shape * 520)[:520]
    large = ("https://a.io/" + shape * 4096)[:4096]
    ratio = cpu_seconds(scrub_url, large) / max(cpu_seconds(scrub_url, small), 50e-6)
    assert ratio < 3 * len(large) / len(small)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join))
def test_scrub_text__work_grows_linearly_on_generated_shapes(unit):
    assert growth(scrub_everything, unit) < RATIO_BOUND
