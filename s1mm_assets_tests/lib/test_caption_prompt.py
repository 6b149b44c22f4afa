"""The captioning prompt: shared parts first, bounded context, the most relevant citing sentences."""

from s1mm_assets.lib.caption import CaptionRequest
from s1mm_assets.lib.caption.prompt import (
    MAX_ABSTRACT_CHARS,
    MAX_CITING_CHARS,
    MAX_CITING_SENTENCES,
    TARGET_CHARS,
    build_prompt,
    chat_messages,
    relevant_sentences,
)
from s1mm_assets.lib.context import FigureContext


def _request(figure_id="f1", raw="Loss against steps.", sentences=(), abstract="We train models.", number="2"):
    return CaptionRequest(
        figure_id=figure_id,
        paper_id="p1",
        raw_caption=raw,
        context=FigureContext("Scaling laws", abstract, tuple(sentences)),
        image_path="blobs/x.png",
        image_sha256="x",
        figure_number=number,
    )


def test_figures_of_one_paper_share_everything_before_the_image():
    first, second = build_prompt(_request(raw="Loss.")), build_prompt(_request(figure_id="f2", raw="Accuracy."))
    assert (first.instruction, first.paper) == (second.instruction, second.paper)
    assert first.figure != second.figure
    user = chat_messages(first, "data:image/png;base64,AAAA")[1]["content"]
    assert [part["type"] for part in user] == ["text", "image_url", "text"]
    assert user[0]["text"] == first.paper and user[2]["text"] == first.figure


def test_the_instruction_asks_for_a_grounded_caption_of_the_papers_length():
    instruction = build_prompt(_request()).instruction
    assert str(TARGET_CHARS) in instruction
    assert "do not invent numbers" in instruction and "axes" in instruction and "finding" in instruction


def test_a_long_abstract_is_cut_at_a_sentence_end_within_the_bound():
    abstract = " ".join(f"Sentence number {index} says something about the method." for index in range(100))
    paper = build_prompt(_request(abstract=abstract)).paper
    kept = paper.split("Abstract: ", 1)[1]
    assert len(kept) <= MAX_ABSTRACT_CHARS and kept.endswith("method.")


def test_sentences_that_name_the_figure_and_share_its_words_come_first_in_paper_order():
    sentences = (
        "Unrelated discussion of the optimizer settings.",
        "As Fig. 2 shows, the loss against steps falls.",
        "Loss against steps is also reported elsewhere.",
        "Figure 3 is about something else entirely.",
        "Figure 2 compares two runs.",
        "More text without any link.",
    )
    chosen = relevant_sentences(sentences, "Loss against steps.", "2")
    assert len(chosen) == MAX_CITING_SENTENCES
    relevant = {sentences[1], sentences[2], sentences[4]}
    assert relevant <= set(chosen)
    assert chosen == [sentence for sentence in sentences if sentence in chosen]  # paper order
    assert len(relevant_sentences(sentences[:3], "Loss against steps.", "2")) == 3


def test_citing_sentences_stay_within_the_character_budget():
    sentences = tuple(f"Figure 2 shows result {index}: " + "x" * 500 for index in range(6))
    chosen = relevant_sentences(sentences, "", "2")
    assert sum(map(len, chosen)) <= MAX_CITING_CHARS and chosen


def test_the_context_hash_changes_with_anything_the_model_reads():
    base = build_prompt(_request()).sha256()
    assert build_prompt(_request()).sha256() == base
    assert build_prompt(_request(raw="Other caption.")).sha256() != base
    assert build_prompt(_request(sentences=("Figure 2 shows it.",))).sha256() != base
    assert build_prompt(_request(abstract="Another abstract.")).sha256() != base
