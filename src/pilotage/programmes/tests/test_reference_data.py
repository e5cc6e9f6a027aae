"""Reference data made by data migrations survives the flush of transactional tests."""

from __future__ import annotations

import pytest

from pilotage.programmes.models import Modality, ProficiencyLevel, RuleSet
from pilotage.strategy.models import Criterion


def _counts() -> tuple[int, int, int, int]:
    return (
        Criterion.objects.count(),
        ProficiencyLevel.objects.count(),
        Modality.objects.count(),
        RuleSet.objects.filter(status="published").count(),
    )


@pytest.mark.django_db(transaction=True)
def test_first_transactional_test_sees_reference_data() -> None:
    assert _counts() == (6, 4, 11, 1)


@pytest.mark.django_db(transaction=True)
def test_second_transactional_test_sees_it_again() -> None:
    assert _counts() == (6, 4, 11, 1)
