"""Progress bars for the long management commands (load_demo, seed_bench, bench_pdf,
backup, restore): drawn for a person at a terminal, silent when the output goes to a file,
a pipe or a test."""

import sys
from collections.abc import Iterable

from django.core.management.base import OutputWrapper
from tqdm import tqdm


class _Unended:
    """A command's stdout without the newline OutputWrapper adds to each write: a bar is
    redrawn in place with carriage returns."""

    def __init__(self, out: OutputWrapper):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


def progress(iterable: Iterable | None = None, *, total=None, desc=None, stdout=None) -> tqdm:
    """`iterable` wrapped in a progress bar on `stdout` (a command's self.stdout, or
    sys.stdout), shown only when it is a terminal. Without an iterable, call `.update(n)`
    on the bar, used as a context manager."""
    stdout = stdout if stdout is not None else sys.stdout
    if isinstance(stdout, OutputWrapper):
        stdout = _Unended(stdout)
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        file=stdout,
        disable=not stdout.isatty(),
        leave=False,
        dynamic_ncols=True,
    )
