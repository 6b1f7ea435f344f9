"""The publication app's documents, one module for each part (§10-§12)."""
