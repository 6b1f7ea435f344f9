"""Rules of the LCSPR that selectors and services share (selectors never import services)."""

from cases.errors import ApplicationError

CONFLICT = (
    "Someone else changed this while you were editing it. Check what is saved now, then save again."
)


class ReviewConflict(ApplicationError):
    """The record changed since the form was opened (its `version`): shown as a conflict,
    never a silent overwrite."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)
