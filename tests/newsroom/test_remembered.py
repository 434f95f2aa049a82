"""newsroom.context_processors.remembered: what every page reads through the cache."""

import pytest

from newsroom.context_processors import remembered


def test_a_value_is_made_once_and_then_kept():
    made = []
    for _ in range(3):
        assert remembered("test:kept", lambda: made.append(1) or "value") == "value"
    assert made == [1]


def test_a_failure_outside_the_cache_goes_up_once():
    attempts = []

    def make():
        attempts.append(1)
        raise RuntimeError("the database is restarting")

    with pytest.raises(RuntimeError):
        remembered("test:failing", make)
    assert attempts == [1]
