"""The Rapid Review's pages (§4.5-§4.8), split by the part of the review they serve."""
