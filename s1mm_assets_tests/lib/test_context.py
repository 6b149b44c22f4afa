from s1mm_assets.lib.context import build_context, citing_sentences, mentions_figure, split_sentences


def test_sentences_split_without_breaking_at_abbreviations_and_decimals():
    paragraph = "As shown in Fig. 2, the rate is 3.5 times higher (e.g. at 10 K). Smith et al. agree. Next one!"
    assert split_sentences(paragraph) == [
        "As shown in Fig. 2, the rate is 3.5 times higher (e.g. at 10 K).",
        "Smith et al. agree.",
        "Next one!",
    ]


def test_figure_mentions_match_the_number_only():
    assert mentions_figure("see Figure 3a for details", "3")
    assert mentions_figure("(Figs. 3 and 4)", "3")
    assert not mentions_figure("see Figure 13", "3")
    assert not mentions_figure("see Table 3", "3")


def test_only_citing_sentences_are_kept_in_order_without_repeats():
    paragraphs = [
        "Intro sentence. Figure 2 shows the loss. Unrelated.",
        "Again, Fig. 2 shows the loss.",
        "Figure 2 shows the loss.",
    ]
    assert citing_sentences(paragraphs, "2") == ("Figure 2 shows the loss.", "Again, Fig. 2 shows the loss.")


def test_paragraph_cited_through_an_unspelled_reference_gives_its_first_sentence():
    assert citing_sentences(["The model converges quickly. It is stable."], "4") == ("The model converges quickly.",)


def test_context_hash_changes_with_content():
    one = build_context("Title", "Abstract", ["Figure 1 shows x."], "1")
    two = build_context("Title", "Abstract", ["Figure 1 shows y."], "1")
    assert one.sha256() == build_context("Title", "Abstract", ["Figure 1 shows x."], "1").sha256()
    assert one.sha256() != two.sha256()


def test_figure_numbers_mentioned_reads_lists_ranges_panels_and_supplements():
    from s1mm_assets.lib.context import figure_numbers_mentioned

    assert figure_numbers_mentioned("Figs. 3 and 4, Figures 6–8 and figure 10a") == ["3", "4", "6", "7", "8", "10"]
    assert figure_numbers_mentioned("Figs 1, 2, and 5 (Fig. (9))") == ["1", "2", "5", "9"]
    assert figure_numbers_mentioned("Fig. S2 and Supplementary Fig. 3; Figure 2.1") == ["S2", "S3", "2.1"]
    assert figure_numbers_mentioned("Table 3, Eq. 4, configure 5, Figure 2 and Table 7") == ["2"]
    assert mentions_figure("(Figs. 3 and 4)", "4")
