"""Errors a user can cause, with a stable code for the API and a message in the user's language."""


class ServiceError(Exception):
    """Raised by services; views turn it into a page message, the API into {"code", "detail"}.

    `message` is a lazy translation with %-style placeholders filled from `params`, so
    the text is rendered in the language of whoever reads it, not of whoever raised it.
    """

    status = 400

    def __init__(self, code: str, message, *, status: int | None = None, **params):
        self.code = code
        self.message = message
        self.params = params
        if status is not None:
            self.status = status
        super().__init__(code)

    @property
    def detail(self) -> str:
        # A lazy message is filled in the reader's language; an ngettext_lazy one also picks its plural here.
        return str(self.message % self.params) if self.params else str(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class NotAllowed(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Busy(ServiceError):
    status = 503
