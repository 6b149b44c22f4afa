"""The built-in demo corpus: papers of every source generated in their real formats, with ground truth."""

from s1mm_assets.lib.sources.sample.expected import ExpectedFigure, GeneratedPaper
from s1mm_assets.lib.sources.sample.source import SampleSource

__all__ = ["ExpectedFigure", "GeneratedPaper", "SampleSource"]
