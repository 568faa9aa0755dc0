"""Reading a rendered page back in the web page tests."""

from django.contrib.messages import get_messages


def page_text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    """The flash messages the request queued, as the user reads them."""
    return [str(message) for message in get_messages(response.wsgi_request)]
