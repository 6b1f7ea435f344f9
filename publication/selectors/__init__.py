"""The publication app's selectors, one module for each part (§10-§12)."""
