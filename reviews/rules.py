"""Rules of the LCSPR that selectors and services share (selectors never import services)."""
