"""Pages, split by the part of the case they serve; shared helpers live in cases/web.py."""
