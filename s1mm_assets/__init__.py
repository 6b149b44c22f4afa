"""s1mm: a Dagster asset platform that turns open-access papers into a clean figure-text dataset."""

__version__ = "0.1.0"
