import pytest

from flows.rules.services.rule_sets import install_shipped_sets


@pytest.fixture(autouse=True)
def _shipped_rule_sets(db):
    """The sets migration 0002 ships, which a transactional test before may have flushed."""
    install_shipped_sets()
