class ApplicationError(Exception):
    """A refusal meant for the user: the UI shows it by the form, the API answers 400."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
