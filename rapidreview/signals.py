"""What the Rapid Review tells later stages, which depend on it and not the other way
(DESIGN.md "Architecture")."""

from django.dispatch import Signal

# Sent inside the sign-off's transaction when a signed-off decision is to proceed to an
# LCSPR, with `review` (the RapidReview) and `actor`. The reviews app opens the LCSPR.
lcspr_commissioned = Signal()
