"""The settings this code location runs with, read once when it loads (environment over config file over defaults):
the resources' defaults, the executor, and what each step asks of a cluster."""

from s1mm_assets.lib.settings import load_settings

LOADED_SETTINGS = load_settings()
