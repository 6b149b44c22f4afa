"""Each pipeline stage as one function: read the previous stage's partition from the lake, do the work,
write this stage's partition (and its quarantine records), and report what happened.

The Dagster assets call these; so do the CLI and the tests. Nothing here imports Dagster.
"""
