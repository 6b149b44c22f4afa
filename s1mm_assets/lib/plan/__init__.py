"""Capacity planning: what a run of the pipeline at a given scale costs on a given cluster, from rates that
benchmarks measured (`bench/results/*.json`) or that are labelled assumptions (`bench/assumptions.json`)."""
