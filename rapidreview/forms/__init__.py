"""The Rapid Review's forms, split by the part of the review they serve."""
