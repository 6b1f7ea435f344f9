"""The publication app's forms, one module for each part (§10-§12)."""
