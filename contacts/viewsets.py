"""The API's base viewset (its own module: DRF's settings import contacts.rest while
``rest_framework.viewsets`` loads, so that module cannot import it)."""

from rest_framework import viewsets

from contacts.deletion import check_deletable
from contacts.rest import ETagMixin


class ModelViewSet(ETagMixin, viewsets.ModelViewSet):
    """The API's CRUD viewset: ETags, and a DELETE that never deletes or changes a row the
    caller may not see (409 "still in use", naming nothing; contacts.deletion)."""

    def destroy(self, request, *args, **kwargs):
        check_deletable([self.get_object()], user=request.user)
        return super().destroy(request, *args, **kwargs)
