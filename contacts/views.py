"""Web pages of the contacts app (server-rendered, htmx for partial updates)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def contact_list(request):
    return render(request, "contacts/contact_list.html", {})


@login_required
def organization_list(request):
    return render(request, "contacts/organization_list.html", {})
