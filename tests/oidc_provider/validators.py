"""The claims the test identity provider puts in its ID tokens and userinfo answers."""

import json
import os
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Each user's claims from the JSON file ``OIDC_PROVIDER_CLAIMS`` (re-read on every
    token, so a test changes them without a restart): ``email``, ``email_verified`` and
    ``amr``, the last with the ``openid`` scope (django-oauth-toolkit drops a claim no scope
    names)."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        configured = json.loads(Path(os.environ["OIDC_PROVIDER_CLAIMS"]).read_text())
        claims = {"preferred_username": user.username, "name": user.get_full_name()}
        claims.update(configured.get(user.username, {}))
        return claims
