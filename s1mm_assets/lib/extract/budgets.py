"""The pixel, byte and time budgets extraction checks before it decodes, renders, unpacks or runs anything.

They come from the `extraction` settings. A sandbox worker (`sandbox_worker`) applies the configured ones once, for
the life of its process; extraction run in process (tests, evaluation) uses the defaults.
"""

from __future__ import annotations

import dataclasses

from s1mm_assets.lib.settings import ExtractionSettings


@dataclasses.dataclass(frozen=True)
class Budgets:
    image_max_pixels: int
    bundle_max_unpacked_bytes: int
    tool_timeout_s: float  # an external program (Ghostscript) never runs longer than a whole paper may

    @classmethod
    def from_settings(cls, settings: ExtractionSettings) -> Budgets:
        return cls(
            image_max_pixels=settings.image_max_pixels,
            bundle_max_unpacked_bytes=settings.bundle_max_unpacked_mib << 20,
            tool_timeout_s=settings.paper_timeout_s,
        )


_active = Budgets.from_settings(ExtractionSettings())


def active() -> Budgets:
    """The budgets in force in this process."""
    return _active


def use(budgets: Budgets) -> None:
    """Put `budgets` in force for this process (a sandbox worker does this once, at start)."""
    global _active
    _active = budgets
