"""What the Rapid Review tells later stages, which depend on it and not the other way
(DESIGN.md "Architecture")."""

from django.dispatch import Signal

# Sent inside the deciding transaction when the CRG commissions an LCSPR: a signed-off
# Rapid Review decision to proceed (§4.6.2), or its decision that a looked-after child's
# or care leaver's death merits a local review (§1.3.5). With `case`, `decided_on`,
# `key_lines_of_enquiry` and `actor`; the reviews app opens the LCSPR.
lcspr_commissioned = Signal()
