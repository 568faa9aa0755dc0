import pytest

from contacts.models import Sensitivity
from tests import factories


@pytest.fixture
def hidden_contacts(owner):
    """Two contacts the planner (culture team) may not see: the owner's protected and
    restricted (press team) contacts."""
    return (
        factories.ContactFactory(
            full_name="Zofia Protectedova", owner=owner, sensitivity=Sensitivity.PROTECTED
        ),
        factories.ContactFactory(
            full_name="Yuval Restrictedman", owner=owner, sensitivity=Sensitivity.RESTRICTED
        ),
    )
