"""Does an answer's timing tell one kind of input from another? Requests of two kinds are
made in turn and their times compared with the Mann-Whitney U test, which assumes no
distribution: |z| above 3 means the two kinds can be told apart."""

import gc
import math
import time
from collections.abc import Callable


def interleaved_times(first: Callable, second: Callable, *, rounds: int = 30):
    """Call `first(n)` and `second(n)` in turn `rounds` times each, after one unmeasured
    call of each, the one going first alternating; return their times in seconds. The
    garbage collector is paused meanwhile, so that its pauses land on neither side."""
    first(-1), second(-1)
    times_first, times_second = [], []
    gc.collect()
    gc.disable()
    try:
        for n in range(rounds):
            pair = [(first, times_first), (second, times_second)]
            for call, times in pair if n % 2 else reversed(pair):
                started = time.perf_counter()
                call(n)
                times.append(time.perf_counter() - started)
    finally:
        gc.enable()
    return times_first, times_second


def mann_whitney_z(a: list[float], b: list[float]) -> float:
    """The z statistic of U for sample `a` against `b` (normal approximation, ties ranked
    by their mean rank and corrected for)."""
    ranked = sorted([(value, 0) for value in a] + [(value, 1) for value in b])
    ranks, i = [0.0] * len(ranked), 0
    ties = 0.0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        ties += (j - i + 1) ** 3 - (j - i + 1)
        i = j + 1
    n1, n2 = len(a), len(b)
    rank_sum_a = sum(rank for rank, (_, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = rank_sum_a - n1 * (n1 + 1) / 2
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    return (u - n1 * n2 / 2) / math.sqrt(variance)
