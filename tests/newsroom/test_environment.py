"""A value that does not parse stops start-up with one line: the variable, what is wrong
with the value, and an example of one that works. Run as an operator would, through
manage.py in a child process."""

import socket
import time

import pytest

from tests.newsroom.test_settings import run_manage


def one_line_error(**env) -> str:
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PAGE_SIZE", "abc", "PAGE_SIZE: 'abc' is not a whole number (example: PAGE_SIZE=20)"),
        (
            "AXES_COOLOFF_HOURS",
            "soon",
            "AXES_COOLOFF_HOURS: 'soon' is not a number (example: AXES_COOLOFF_HOURS=1.0)",
        ),
        ("DEBUG", "maybe", "DEBUG: 'maybe' is not on or off (example: DEBUG=on)"),
        ("SECURE_COOKIES", "of", "SECURE_COOKIES: 'of' is not on or off (example: SECURE_COO"),
        (
            "ALLOWED_HOSTS",
            "news.example.org,,www.example.org",
            "ALLOWED_HOSTS: 'news.example.org,,www.example.org' has an empty item between commas",
        ),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR"),
        ("DATABASE_URL", "garbage", "DATABASE_URL: 'garbage' is not a database URL (example: "),
        ("CACHE_URL", "garbage", "CACHE_URL: 'garbage' is not a cache URL (example: CACHE_URL="),
        ("EMAIL_URL", "garbage", "EMAIL_URL: 'garbage' is not a mail URL (example: EMAIL_URL="),
    ],
)
def test_a_value_that_does_not_parse_stops_start_up_with_one_line(variable, value, expected):
    assert one_line_error(**{variable: value}).startswith(expected)


def env_of(**variables):
    from newsroom.env import Env

    env = Env()
    env.ENVIRON = variables
    return env


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("on", True), ("True", True), ("1", True), ("yes", True)],
        *[("OFF", False), ("false", False), ("0", False), ("No", False)],
    ],
)
def test_booleans_accept_on_and_off_words(value, expected):
    assert env_of(FLAG=value).bool("FLAG", default=None) is expected


def test_lists_lose_the_spaces_around_their_items():
    env = env_of(HOSTS="news.example.org, www.example.org", NONE="")
    assert env.list("HOSTS") == ["news.example.org", "www.example.org"]
    assert env.list("NONE", default=["x"]) == []


def test_a_password_in_a_bad_url_is_not_printed():
    line = one_line_error(DATABASE_URL="nosuchdb://editor:hunter2@db.example.org/news")
    assert "hunter2" not in line
    assert line.startswith("DATABASE_URL: 'nosuchdb://editor:***@db.example.org/news'")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_database_stops_migrate_within_seconds_with_one_line():
    started = time.monotonic()
    run_manage("check")  # What starting Python and Django costs on this machine.
    start_up = time.monotonic() - started
    url = f"postgres://newsroom:secret@127.0.0.1:{closed_port()}/newsroom"

    started = time.monotonic()
    result = run_manage("migrate", DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="2")
    elapsed = time.monotonic() - started

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "DATABASE_URL: cannot connect to 'postgres://newsroom:***@127.0.0.1:"
    )
    assert elapsed < start_up + 2 + 5, (elapsed, start_up)
