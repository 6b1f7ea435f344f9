"""Imports every part's selectors, so that each registers its measures' computations
(`reporting.selectors.base.COMPUTATIONS`)."""

from reporting.selectors import (
    learning,  # noqa: F401
    timeliness,  # noqa: F401
)
