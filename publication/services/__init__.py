"""The publication app's services, one module for each part (§10-§12)."""
