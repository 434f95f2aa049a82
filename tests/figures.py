"""The figures a test run proves (payloads tried, emails lost, requests under load…), kept in
test-artifacts/figures.json so that `make report` can print the latest ones as a table.

    from tests.figures import record
    record("xss_payloads_executed", 0)

Each key keeps its last value and the time it was recorded; other keys are left alone, so
several test modules (and processes) can write to the same file.
"""

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

FIGURES_PATH = Path(
    os.environ.get(
        "FIGURES_PATH", Path(__file__).resolve().parent.parent / "test-artifacts" / "figures.json"
    )
)


def record(key: str, value, **figures) -> None:
    """Store `key = value` (and any keyword figures) in the figures file, merged by key."""
    updates = {key: value, **figures}
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    recorded_at = datetime.now(UTC).isoformat(timespec="seconds")
    with open(FIGURES_PATH.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = load()
        for name, figure in updates.items():
            stored[name] = {"value": figure, "recorded_at": recorded_at}
        temporary = FIGURES_PATH.with_suffix(".tmp")
        temporary.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
        temporary.replace(FIGURES_PATH)


def load() -> dict:
    try:
        return json.loads(FIGURES_PATH.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


class Tally:
    """Cases a test run tried and how many of them went wrong, summed over many tests and
    recorded once when the run ends (tests/conftest.py):

        ROLE_CHECKS = Tally("role_object_action_checks", "role_object_action_violations")
        ROLE_CHECKS.count(ok=article.status == before)
    """

    all: list["Tally"] = []

    def __init__(self, cases_key: str, violations_key: str):
        self.cases_key, self.violations_key = cases_key, violations_key
        self.cases = self.violations = 0
        Tally.all.append(self)

    def count(self, *, ok: bool) -> bool:
        self.cases += 1
        self.violations += not ok
        return ok

    def record(self) -> None:
        if self.cases:
            record(self.cases_key, self.cases, **{self.violations_key: self.violations})


ROLE_CHECKS = Tally("role_object_action_checks", "role_object_action_violations")
LOOKALIKE_CASES = Tally("lookalike_address_cases", "lookalike_address_violations")
