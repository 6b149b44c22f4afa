"""The running text of a generated paper: title, authors, affiliations, abstract and body sentences.

Sentences come from templates filled with a topic's vocabulary. None of them mentions a figure: the sentences
that do are written by `describe`, so a test can tell the citing sentences from the rest of the body.
"""

from __future__ import annotations

import numpy as np

from s1mm_assets.lib.sources.sample.markup import Inline, Rich, from_unicode, to_plain
from s1mm_assets.lib.sources.sample.topics import Topic

FIRST_NAMES = (
    "Aisha",
    "Alejandro",
    "Amara",
    "Anders",
    "Ana",
    "Chen",
    "Daniel",
    "Elena",
    "Farid",
    "Fatima",
    "Hana",
    "Hiroshi",
    "Ingrid",
    "Jae-won",
    "James",
    "Julia",
    "Kwame",
    "Lars",
    "Leila",
    "Lucía",
    "Marco",
    "Maria",
    "Mehmet",
    "Nadia",
    "Nikolai",
    "Olga",
    "Oluwaseun",
    "Priya",
    "Rafael",
    "Rahul",
    "Sara",
    "Sofia",
    "Tomás",
    "Wei",
    "Yuki",
    "Zainab",
    "Emily",
    "Thomas",
    "Sven",
    "Ayumi",
)
SURNAMES = (
    "Adeyemi",
    "Andersson",
    "Bauer",
    "Becker",
    "Chen",
    "Costa",
    "Da Silva",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Gupta",
    "Haddad",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Li",
    "López",
    "Mensah",
    "Moreau",
    "Müller",
    "Nakamura",
    "Novak",
    "Okafor",
    "O'Brien",
    "Park",
    "Patel",
    "Rossi",
    "Santos",
    "Schmidt",
    "Singh",
    "Tanaka",
    "Wang",
    "Watanabe",
    "Yilmaz",
    "Zhang",
)
INSTITUTIONS = (
    "University of Cambridge, Cambridge, UK",
    "ETH Zurich, Zurich, Switzerland",
    "Max Planck Institute, Heidelberg, Germany",
    "University of Tokyo, Tokyo, Japan",
    "Stanford University, Stanford, CA, USA",
    "University of Toronto, Toronto, ON, Canada",
    "Tsinghua University, Beijing, China",
    "Sorbonne Université, Paris, France",
    "University of Cape Town, Cape Town, South Africa",
    "Indian Institute of Science, Bengaluru, India",
    "Universidade de São Paulo, São Paulo, Brazil",
    "University of Melbourne, Melbourne, Australia",
    "Karolinska Institutet, Stockholm, Sweden",
    "KAIST, Daejeon, Republic of Korea",
    "University of Copenhagen, Copenhagen, Denmark",
    "Universidad de Chile, Santiago, Chile",
)
DEPARTMENTS = {
    "arxiv": (
        "Department of Physics",
        "Department of Computer Science",
        "Department of Mathematics",
        "Department of Astronomy",
        "Department of Statistics",
        "Department of Electrical Engineering",
    ),
    "biorxiv": (
        "Department of Cell Biology",
        "Department of Neuroscience",
        "Department of Microbiology",
        "Department of Ecology and Evolution",
        "Institute of Molecular Biology",
    ),
    "medrxiv": (
        "Department of Epidemiology",
        "Department of Medicine",
        "School of Public Health",
        "Department of Psychiatry",
        "Department of Oncology",
    ),
    "chemrxiv": ("Department of Chemistry", "Department of Materials Science", "Department of Chemical Engineering"),
    "nature_communications": (
        "Department of Physics",
        "Department of Chemistry",
        "Department of Biology",
        "Department of Earth Sciences",
        "Department of Materials",
    ),
}

_LIMITATIONS = (
    "scales poorly with the size of the data",
    "requires extensive manual tuning",
    "ignores the uncertainty of the measurements",
    "is sensitive to noise and outliers",
    "relies on assumptions that rarely hold in practice",
)
_ROBUSTNESS = (
    "the choice of priors",
    "alternative model specifications",
    "changes in the analysis window",
    "the inclusion of additional covariates",
    "the exclusion of outliers",
)

_TITLES = (
    "{Method} for {property} in {object}",
    "{Property} of {object} from {data}",
    "Improving {property} in {object} with {method}",
    "{Method} reveals {property} in {object}",
    "Constraints on {property} of {object}",
    "A systematic study of {property} in {object}",
    "{Name}: {method} for {property}",
    "Revisiting {object} with {method}",
)

_ABSTRACT_OPENINGS = (
    "The study of {object} is central to {field}.",
    "Understanding {property} is a long-standing goal in {field}.",
    "{Field} increasingly relies on {method}.",
)
_ABSTRACT_APPROACHES = (
    "Here we apply {method} to {data} to quantify {property} in {object}.",
    "Here we introduce {name}, an approach based on {method} that targets {property} in {object}.",
    "In this work we combine {method} with {method2} and apply both to {data}.",
)
_ABSTRACT_DATA = (
    "Our analysis draws on {data} and compares {method} with {method2} under matched conditions.",
    "We analyse {data}, quantify the uncertainty of every estimate and test the robustness of each result.",
    "The study combines {data} with a systematic comparison against {method2}.",
)
_ABSTRACT_RESULTS = (
    "We find that {finding}.",
    "Relative to {method2}, our approach improves {property} by {percent}%.",
    "We observe up to {factor}-fold variation in {property} across {data}.",
    "The results are robust to {robustness}.",
    "We further show that {finding2}.",
)
_ABSTRACT_CLOSINGS = (
    "These results establish {method} as a practical tool for studying {property}.",
    "Our findings have implications for the design of future studies of {object}.",
    "Code and data are available to reproduce every analysis, and we discuss the implications for {field}.",
    "Together, these results clarify the role of {property} in {field}.",
)

SECTION_SENTENCES = {
    "introduction": (
        "Research on {object} has attracted sustained interest in {field}.",
        "Understanding {property} remains a central open question.",
        "Despite considerable progress, {gap}.",
        "Previous work has relied on {method}, which {limitation}.",
        "Several groups have proposed {method2} as an alternative, with mixed results.",
        "A quantitative account of {property} in {object} is still missing.",
        "In this work we address this gap using {data}.",
        "Our contributions are threefold: a new analysis, a systematic comparison and an open implementation.",
        "The remainder of this paper describes the data, the analysis and the main results.",
        "Recent advances in {method} make such a study feasible for the first time.",
        "Early studies of {object} were limited by small samples and coarse measurements.",
        "Theoretical work predicts a close link between {property} and the underlying structure of {object}.",
        "Measuring {property} directly has long been considered impractical.",
        "This question matters both for basic understanding and for applications in {field}.",
        "We reasoned that {method} could provide the missing resolution.",
        "Existing benchmarks capture only part of the variation seen in practice.",
    ),
    "methods": (
        "We analysed {data} using {method}.",
        "All samples were processed with the same protocol to avoid batch effects.",
        "Uncertainties were estimated by bootstrap resampling with 1,000 iterations.",
        "Parameters were selected on a held-out validation subset and fixed before the final analysis.",
        "We compared our approach with {method2} under identical conditions.",
        "Measurements with incomplete records were excluded before analysis.",
        "We quantified {property} with a pre-registered procedure.",
        "Statistical tests were two-sided with a significance level of 0.05.",
        "All analyses were run with open-source software on a standard workstation.",
        "Each condition was repeated at least three times.",
        "Raw data were inspected visually before any automated processing.",
        "The analysis code is versioned and every run records its configuration.",
        "Where assumptions of normality were violated, we used rank-based tests.",
        "Calibration measurements were taken at the start and end of each session.",
        "Outliers were identified with a robust median-absolute-deviation criterion.",
        "Model choices were fixed in advance to avoid selective reporting.",
    ),
    "results": (
        "{Finding}.",
        "This effect was consistent across {data}.",
        "{Property} improved by {percent}% relative to {method2}.",
        "The trend persisted when we restricted the analysis to a random half of the data.",
        "No systematic differences were found between independent subsets.",
        "The magnitude of the effect exceeds the estimated uncertainty by a wide margin.",
        "We next asked whether the experimental conditions affect {property}.",
        "Controls performed under the same conditions showed no comparable change.",
        "These observations agree with the expectations from {method}.",
        "A closer inspection shows that {finding2}.",
        "The effect size was largest in the subset with the highest data quality.",
        "Repeating the analysis with {method2} gave a consistent picture.",
        "This pattern was not anticipated by earlier models.",
        "We found no evidence that the result depends on the order of measurements.",
        "Sensitivity analyses with alternative thresholds led to the same conclusion.",
        "The spread between replicates was small compared with the differences between conditions.",
        "Part of the remaining variation can be traced to differences in {property}.",
        "Taken alone, this observation does not establish a causal link.",
        "The same trend appears, more weakly, in {data}.",
        "The result held across all settings that we tested.",
    ),
    "discussion": (
        "Our results suggest that {finding}.",
        "This interpretation is consistent with earlier reports on {object}.",
        "A limitation of this study is its reliance on {data}.",
        "Future work will extend {method} beyond {object}.",
        "The approach is general and can be applied to other problems in {field}.",
        "Taken together, these findings refine current models of {property}.",
        "We note that {gap}, which our analysis does not resolve.",
        "Larger and more diverse samples would help to test the generality of these conclusions.",
        "The results are robust to {robustness}.",
        "An open question is how {property} evolves over longer timescales.",
        "Our conclusions rest on assumptions that can be tested directly in future experiments.",
        "Combining {method} with {method2} is a promising direction.",
        "These findings may inform the design of future studies in {field}.",
        "We expect the framework to generalise to related systems.",
    ),
}


def title(topic: Topic, method_name: str, rng: np.random.Generator, title_case: bool) -> str:
    templates = [t for t in _TITLES if "{Name}" not in t or method_name]
    text = _fill(templates[int(rng.integers(len(templates)))], topic, rng, method_name)
    if title_case:
        small = {"a", "an", "and", "for", "from", "in", "of", "on", "the", "to", "under", "with"}
        words = text.split(" ")
        text = " ".join(
            w if (i and w in small) or not w[:1].islower() else w[:1].upper() + w[1:] for i, w in enumerate(words)
        )
    return text


def authors(rng: np.random.Generator) -> tuple[str, ...]:
    count = int(rng.integers(2, 9))
    names = []
    for _ in range(count):
        name = f"{_pick(rng, FIRST_NAMES)} {_pick(rng, SURNAMES)}"
        if name not in names:
            names.append(name)
    return tuple(names)


def affiliations(source: str, rng: np.random.Generator) -> tuple[str, ...]:
    count = int(rng.integers(1, 4))
    chosen = rng.choice(len(INSTITUTIONS), size=count, replace=False)
    return tuple(f"{_pick(rng, DEPARTMENTS[source])}, {INSTITUTIONS[int(i)]}" for i in chosen)


def abstract(topic: Topic, method: Inline, method_name: str, rng: np.random.Generator) -> tuple[Rich, ...]:
    """Nine to thirteen sentences, about 120-200 words."""
    approaches = [t for t in _ABSTRACT_APPROACHES if "{name}" not in t or method_name]
    results = list(rng.permutation(len(_ABSTRACT_RESULTS)))[: int(rng.integers(3, 6))]
    templates = [
        _pick(rng, _ABSTRACT_OPENINGS),
        "However, {gap}.",
        "The standard approach, {method2}, {limitation}, which limits what can be concluded about {property}.",
        approaches[int(rng.integers(len(approaches)))],
        _pick(rng, _ABSTRACT_DATA),
        *(_ABSTRACT_RESULTS[int(i)] for i in results),
        *(_ABSTRACT_CLOSINGS[int(i)] for i in rng.permutation(len(_ABSTRACT_CLOSINGS))[: int(rng.integers(1, 3))]),
    ]
    return tuple(sentence(t, topic, rng, method, method_name) for t in templates)


def paragraph(
    section: str, topic: Topic, method: Inline, method_name: str, rng: np.random.Generator, used: set[str], count: int
) -> list[Rich]:
    """`count` sentences for `section`, never one already `used` in this paper (templates first, then text)."""
    pool = [t for t in SECTION_SENTENCES[section] if t not in used] or list(SECTION_SENTENCES[section])
    sentences = []
    for template in (pool[int(i)] for i in rng.permutation(len(pool))):
        candidate = sentence(template, topic, rng, method, method_name)
        if to_plain(candidate) in used:
            continue
        used.update((template, to_plain(candidate)))
        sentences.append(candidate)
        if len(sentences) == count:
            break
    return sentences


def sentence(template: str, topic: Topic, rng: np.random.Generator, method: Inline = "", method_name: str = "") -> Rich:
    """Fill `template`; a `{name}` slot becomes the paper's method as written (which may be a LaTeX macro)."""
    pieces: list[Inline] = []
    for position, chunk in enumerate(template.split("{name}")):
        if position:
            pieces.append(method or method_name)
        pieces.extend(from_unicode(_fill(chunk, topic, rng, method_name)))
    return tuple(piece for piece in pieces if piece != "")


def _fill(template: str, topic: Topic, rng: np.random.Generator, method_name: str) -> str:
    methods = rng.permutation(len(topic.methods))
    findings = rng.permutation(len(topic.findings))
    values = {
        "object": _pick(rng, topic.objects),
        "method": topic.methods[int(methods[0])],
        "method2": topic.methods[int(methods[1])],
        "data": _pick(rng, topic.data),
        "property": _pick(rng, topic.properties),
        "finding": topic.findings[int(findings[0])],
        "finding2": topic.findings[int(findings[1])],
        "gap": _pick(rng, topic.gaps),
        "field": topic.field,
        "limitation": _pick(rng, _LIMITATIONS),
        "robustness": _pick(rng, _ROBUSTNESS),
        "percent": str(int(rng.integers(8, 46))),
        "factor": str(int(rng.integers(2, 9))),
        "name": method_name,
    }
    values.update({key.capitalize(): value[:1].upper() + value[1:] for key, value in list(values.items())})
    return template.format(**values)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]
