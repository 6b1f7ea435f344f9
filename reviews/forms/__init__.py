"""Forms of the LCSPR, one module for each part of the review."""
