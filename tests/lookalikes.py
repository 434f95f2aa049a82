"""Addresses that look like another one, for every test that takes an email address.

`lookalikes("bob@gmail.com")` gives the same address in the forms an attacker or a
careless keyboard produces: the dotless i (U+0131) and dotted capital I (U+0130) that
PostgreSQL's UPPER() folds onto I, the long s (U+017F) that folds onto S, the Kelvin
sign K (U+212A), full-width letters, a combining mark and an IDNA domain. Each entry
says whether it is the *same mailbox* under NFKC and case folding (so it may find the
stored person, but mail still goes only to the stored address) or a *different* one
(so it must find nobody).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lookalike:
    address: str
    why: str
    same_mailbox: bool


DOTLESS_I, DOTTED_I, LONG_S, KELVIN = "\u0131", "\u0130", "\u017f", "\u212a"


def _swap_first(text: str, letters: str, replacement: str) -> str | None:
    index = next((i for i, char in enumerate(text) if char in letters), None)
    return None if index is None else text[:index] + replacement + text[index + 1 :]


def lookalikes(address: str) -> list[Lookalike]:
    """Look-alikes of an ASCII `address` (use one with an i, an s and a k in it, e.g.
    `kristin@gmail.com`, to get every kind)."""
    local, _, domain = address.partition("@")
    first_label, _, rest = domain.partition(".")
    in_local = [
        ("i", DOTLESS_I, "dotless i (U+0131) in the local part", False),
        ("i", DOTTED_I, "dotted capital I (U+0130) in the local part", False),
        ("s", LONG_S, "long s (U+017F): NFKC makes it s", True),
        ("kK", KELVIN, "Kelvin sign (U+212A): NFKC makes it K", True),
    ]
    candidates = [
        (local, _swap_first(domain, "i", DOTLESS_I), "dotless i (U+0131) in the domain", False),
        *((_swap_first(local, letters, glyph), domain, why, same)
          for letters, glyph, why, same in in_local),
        ("".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in local),
         domain, "full-width letters: NFKC makes them ASCII", True),
        (local[0] + "\u0301" + local[1:], domain, "a combining acute accent", False),
        (local.upper(), domain.upper(), "upper case", True),
        (local, f"{first_label}\u00e9.{rest}", "an IDNA domain (e with an acute)", False),
    ]  # fmt: skip
    return [Lookalike(f"{lp}@{dom}", why, same) for lp, dom, why, same in candidates if lp and dom]


def domain_lookalikes(address: str) -> list[Lookalike]:
    return [entry for entry in lookalikes(address) if not entry.same_mailbox]
