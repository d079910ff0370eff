"""The Server-Timing header's API time: calls made in parallel are counted once."""

import pytest

from services.console.adapters.services_api import api_wall_seconds

pytestmark = pytest.mark.unit


def test_parallel_calls_count_once_and_gaps_not_at_all():
    assert api_wall_seconds([]) == 0
    assert api_wall_seconds([(0.0, 1.0), (0.5, 1.5), (0.2, 0.4)]) == pytest.approx(1.5)
    assert api_wall_seconds([(0.0, 1.0), (2.0, 2.5)]) == pytest.approx(1.5)
