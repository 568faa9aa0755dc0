"""The one error of backups and restores."""


class BackupError(Exception):
    """A backup or restore that could not be done; nothing was written or restored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
