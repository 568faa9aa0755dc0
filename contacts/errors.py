"""Domain errors: one base class, so that the web, API and admin can answer them alike."""


class DomainError(Exception):
    """A request the rules refuse; ``field`` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidReminderTransition(DomainError):
    """The reminder is not in a state that allows this change."""
