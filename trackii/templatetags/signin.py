"""``{% one_step_sign_in as demo %}``: whether no role requires a second factor
(MFA_REQUIRED_ROLES is empty, as in the embedded default): the sign-in page says so."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def one_step_sign_in() -> bool:
    return not settings.MFA_REQUIRED_ROLES
