"""Verdicts on model answers: the same rules for every model backend."""

import pytest

from s1mm_assets.lib.caption.completion import clean_caption, judge_completion


@pytest.mark.parametrize(
    ("text", "finish_reason", "status"),
    [
        ("A bar chart of yields per catalyst.", "stop", "ok"),
        ("A bar chart of yields per", "length", "truncated"),
        ("I'm sorry, I cannot describe this figure.", "stop", "refused"),
        ("I cannot help with that request.", "stop", "refused"),
        ("As an AI language model, I can't see images.", "stop", "refused"),
        ("Sorry, the image is not visible.", "stop", "refused"),
        ("", "stop", "failed"),
        (None, "stop", "failed"),
        ("Significant increase: I cannot overstate it, the curve rises.", "stop", "ok"),
    ],
)
def test_each_answer_gets_the_status_a_reader_would_give_it(text, finish_reason, status):
    verdict = judge_completion(text, finish_reason)
    assert verdict.status == status
    assert (verdict.error is None) == (status == "ok")


def test_labels_quotes_and_line_breaks_are_removed():
    assert (
        clean_caption('Caption: "A scatter plot\n of mass against radius."') == "A scatter plot of mass against radius."
    )
    assert clean_caption("**Enhanced caption:** Two panels.") == "Two panels."
