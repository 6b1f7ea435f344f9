"""Imports every part's selectors, so that each registers its measures' computations
(`reporting.selectors.base.COMPUTATIONS`)."""

from reporting.selectors import agencies, learning, timeliness, volumes  # noqa: F401
