"""My account: the signed-in user's language, time zone and daily digest preferences."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import OfficerProfile
from trackii.forms import AccountForm
from trackii.views.language import remember_language


@login_required
def account(request):
    """Show and change the user's language, time zone, digest hour and digest
    subscription."""
    user = request.user
    # Without a profile the user reads the server's zone (and gets the digest at 8).
    profile = OfficerProfile.objects.filter(user=user).first() or OfficerProfile(
        user=user, timezone=settings.TIME_ZONE
    )
    form = AccountForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        # update_or_create: two first saves at once make one profile, not an error.
        OfficerProfile.objects.update_or_create(user=user, defaults=form.cleaned_data)
        language = form.cleaned_data["language"]
        if language:
            # The page after the redirect is in the new language, and so is this message.
            translation.activate(language)
        messages.success(request, _("Your settings were saved."))
        return remember_language(redirect("account"), language)
    return render(request, "trackii/account.html", {"form": form})
