"""People on the mission's side, as the app names and offers them.

Users are named by their full name wherever a person reads them (bylines, network health,
reports, e-mail subjects); the username is the fallback of an account with no name. Only
active holders of the officer role are offered as officers present or as contact owners:
a superuser such as ``admin`` is offered only when it holds the role too.
"""

from django.contrib.auth import get_user_model

from contacts.access import Role


def display_name(user) -> str:
    """The user's full name, else their username ("" for no user)."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


def officers():
    """Active users holding the officer role, by name: the officers the app offers."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.OFFICER)
        .distinct()
        .order_by("first_name", "last_name", "username", "pk")
    )
