"""One discipline per paper, from the category scheme of its source.

arXiv files papers under archive.subject codes (`cs.CV`, `astro-ph.GA`, `hep-ph`), bioRxiv and medRxiv under
subject collections ("Neuroscience", "Infectious Diseases (except HIV/AIDS)"), ChemRxiv under categories
("Physical Chemistry"), Nature Communications under subject terms ("Condensed-matter physics"). The first
category that can be placed decides; a paper with none gets its source's field (bioRxiv -> Biology) or "Other".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DISCIPLINES: tuple[str, ...] = (
    "Computer Science",
    "Physics",
    "Astronomy",
    "Mathematics",
    "Statistics",
    "Electrical Engineering",
    "Quantitative Biology",
    "Quantitative Finance",
    "Economics",
    "Biology",
    "Medicine",
    "Chemistry",
    "Materials Science",
    "Earth Sciences",
    "Engineering",
    "Other",
)

SOURCE_FALLBACKS: dict[str, str] = {"biorxiv": "Biology", "medrxiv": "Medicine", "chemrxiv": "Chemistry"}

# arXiv archives (the part before the dot), including the pre-2007 archives still found on old papers.
_ARXIV_ARCHIVES: dict[str, str] = {
    "cs": "Computer Science",
    "cmp-lg": "Computer Science",
    "astro-ph": "Astronomy",
    "physics": "Physics",
    "cond-mat": "Physics",
    "quant-ph": "Physics",
    "gr-qc": "Physics",
    "hep-ph": "Physics",
    "hep-th": "Physics",
    "hep-ex": "Physics",
    "hep-lat": "Physics",
    "nucl-th": "Physics",
    "nucl-ex": "Physics",
    "math-ph": "Physics",
    "nlin": "Physics",
    "chao-dyn": "Physics",
    "patt-sol": "Physics",
    "adap-org": "Physics",
    "solv-int": "Physics",
    "comp-gas": "Physics",
    "supr-con": "Physics",
    "atom-ph": "Physics",
    "plasm-ph": "Physics",
    "acc-phys": "Physics",
    "math": "Mathematics",
    "alg-geom": "Mathematics",
    "dg-ga": "Mathematics",
    "funct-an": "Mathematics",
    "q-alg": "Mathematics",
    "stat": "Statistics",
    "bayes-an": "Statistics",
    "eess": "Electrical Engineering",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "econ": "Economics",
    "chem-ph": "Chemistry",
    "mtrl-th": "Materials Science",
    "ao-sci": "Earth Sciences",
}
# Subject classes whose field differs from their archive's.
_ARXIV_CATEGORIES: dict[str, str] = {
    "cond-mat.mtrl-sci": "Materials Science",
    "physics.chem-ph": "Chemistry",
    "physics.ao-ph": "Earth Sciences",
    "physics.geo-ph": "Earth Sciences",
    "math.ST": "Statistics",
    "math.IT": "Computer Science",
    "cs.IT": "Computer Science",
}
_ARXIV_CODE = re.compile(r"^(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[A-Za-z-]+))?$")

# Subject names of the preprint servers and publishers, lower-cased with hyphens as spaces.
_SUBJECTS: dict[str, str] = {
    # bioRxiv collections that are not Biology
    "clinical trials": "Medicine",
    "epidemiology": "Medicine",
    "pathology": "Medicine",
    "pharmacology and toxicology": "Medicine",
    "bioengineering": "Engineering",
    "paleontology": "Earth Sciences",
    "bioinformatics": "Biology",
    "biophysics": "Biology",
    "scientific communication and education": "Biology",
    "genomics": "Biology",
    "physiology": "Biology",
    "animal behavior and cognition": "Biology",
    # medRxiv collections that would not read as Medicine
    "health economics": "Medicine",
    "health informatics": "Medicine",
    "nutrition": "Medicine",
    "public and global health": "Medicine",
    "occupational and environmental health": "Medicine",
    "infectious diseases (except hiv/aids)": "Medicine",
    "hiv/aids": "Medicine",
    "genetic and genomic medicine": "Medicine",
    # ChemRxiv categories outside Chemistry
    "materials science": "Materials Science",
    "nanoscience": "Materials Science",
    "polymer science": "Chemistry",
    "chemical engineering and industrial chemistry": "Engineering",
    "energy": "Chemistry",
    "earth, space, and environmental chemistry": "Chemistry",
    "agriculture and food chemistry": "Chemistry",
    # Nature subject terms
    "biological sciences": "Biology",
    "neuroscience": "Biology",
    "cell biology": "Biology",
    "microbiology": "Biology",
    "ecology": "Biology",
    "evolution": "Biology",
    "genetics": "Biology",
    "immunology": "Biology",
    "zoology": "Biology",
    "plant sciences": "Biology",
    "biochemistry": "Biology",
    "structural biology": "Biology",
    "developmental biology": "Biology",
    "molecular biology": "Biology",
    "stem cells": "Biology",
    "biotechnology": "Biology",
    "systems biology": "Biology",
    "computational biology and bioinformatics": "Biology",
    "health sciences": "Medicine",
    "cancer": "Medicine",
    "diseases": "Medicine",
    "medical research": "Medicine",
    "cardiology": "Medicine",
    "oncology": "Medicine",
    "neurology": "Medicine",
    "drug discovery": "Medicine",
    "physical sciences": "Physics",
    "physics": "Physics",
    "condensed matter physics": "Physics",
    "quantum physics": "Physics",
    "optics and photonics": "Physics",
    "nanoscience and technology": "Materials Science",
    "astronomy and planetary science": "Astronomy",
    "planetary science": "Astronomy",
    "chemistry": "Chemistry",
    "catalysis": "Chemistry",
    "energy science and technology": "Engineering",
    "engineering": "Engineering",
    "earth and environmental sciences": "Earth Sciences",
    "climate sciences": "Earth Sciences",
    "ocean sciences": "Earth Sciences",
    "environmental sciences": "Earth Sciences",
    "solid earth sciences": "Earth Sciences",
    "atmospheric science": "Earth Sciences",
    "hydrology": "Earth Sciences",
    "natural hazards": "Earth Sciences",
    "mathematics and computing": "Mathematics",
    "mathematics": "Mathematics",
    "statistics": "Statistics",
    "computer science": "Computer Science",
    "economics": "Economics",
}
# For subject names not listed: the first keyword found decides.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("astro", "Astronomy"),
    ("materials", "Materials Science"),
    ("chemi", "Chemistry"),
    ("medicine", "Medicine"),
    ("medical", "Medicine"),
    ("clinical", "Medicine"),
    ("disease", "Medicine"),
    ("health", "Medicine"),
    ("psychiatr", "Medicine"),
    ("surgery", "Medicine"),
    ("biolog", "Biology"),
    ("physics", "Physics"),
    ("statist", "Statistics"),
    ("math", "Mathematics"),
    ("econom", "Economics"),
    ("climate", "Earth Sciences"),
    ("earth", "Earth Sciences"),
    ("geo", "Earth Sciences"),
    ("ocean", "Earth Sciences"),
    ("computer", "Computer Science"),
    ("computing", "Computer Science"),
    ("engineering", "Engineering"),
)


def discipline_for(source: str, categories: Sequence[str]) -> str:
    """The discipline of a paper from `source` filed under `categories` (first placeable category wins)."""
    for category in categories:
        discipline = _arxiv_discipline(category.strip()) or _subject_discipline(category)
        if discipline:
            return discipline
    return SOURCE_FALLBACKS.get(source, "Other")


def _arxiv_discipline(code: str) -> str | None:
    if code in _ARXIV_CATEGORIES:
        return _ARXIV_CATEGORIES[code]
    match = _ARXIV_CODE.match(code)
    return _ARXIV_ARCHIVES.get(match["archive"]) if match else None


def _subject_discipline(subject: str) -> str | None:
    name = " ".join(subject.lower().replace("-", " ").split())
    if not name:
        return None
    if name in _SUBJECTS:
        return _SUBJECTS[name]
    return next((discipline for keyword, discipline in _KEYWORDS if keyword in name), None)
