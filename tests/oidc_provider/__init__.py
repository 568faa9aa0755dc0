"""A real OpenID Connect identity provider for the single sign-on tests
(tests/trackii/test_sso.py): django-oauth-toolkit in OIDC mode, run by the test as a second
Django process on loopback with its own SQLite database and RS256 key.

Not part of Track II: nothing imports it but that test's subprocess
(``DJANGO_SETTINGS_MODULE=tests.oidc_provider.settings``)."""
