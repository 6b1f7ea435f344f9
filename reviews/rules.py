"""Rules of the LCSPR that selectors and services share (selectors never import services)."""

# --- The six-month clock (§3.1.2-§3.1.3) ---------------------------------------------

REVISED_DATE_NEEDED = (
    "Enter the revised expected date: a delay that prevents publication within six months "
    "is notified with it (§3.1.3)."
)
REVISED_DATE_TOO_EARLY = (
    "The revised expected date must be after the six-month date, {statutory} (§3.1.2): "
    "a delay that still allows publication within six months needs no notice."
)


def notice_due(delay, sent_dates) -> bool:
    """Whether the notice of this delay (§3.1.3) is still to be sent: it will prevent
    publication within six months and no notice has gone with its current revised
    date. `sent_dates` are the revised dates of the notices sent for it."""
    return (
        delay.prevents_publication
        and delay.revised_expected_on is not None
        and delay.revised_expected_on not in set(sent_dates)
    )
