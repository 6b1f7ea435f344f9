"""The publication app's views, one module for each part (§10-§12)."""
