"""Addresses that look like another one, for every test that takes an email address.

`lookalikes("bob@gmail.com")` gives the same address in the forms an attacker or a
careless keyboard produces: the dotless ı (U+0131) and dotted İ (U+0130) that
PostgreSQL's UPPER() folds onto I, the long ſ (U+017F) that folds onto S, the Kelvin
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


def _swap_first(address: str, letters: str, replacement: str) -> str | None:
    for index, char in enumerate(address):
        if char in letters:
            return address[:index] + replacement + address[index + 1 :]
    return None


def lookalikes(address: str) -> list[Lookalike]:
    """Look-alikes of an ASCII `address` (use one with an i, an s and a k in it, e.g.
    `kristin@gmail.com`, to get every kind)."""
    local, _, domain = address.partition("@")
    candidates = [
        (_swap_first(domain, "i", "ı") and local + "@" + _swap_first(domain, "i", "ı"),
         "dotless ı (U+0131) in the domain", False),
        (_swap_first(local, "i", "ı") and _swap_first(local, "i", "ı") + "@" + domain,
         "dotless ı (U+0131) in the local part", False),
        (_swap_first(local, "i", "İ") and _swap_first(local, "i", "İ") + "@" + domain,
         "dotted İ (U+0130) in the local part", False),
        (_swap_first(local, "s", "ſ") and _swap_first(local, "s", "ſ") + "@" + domain,
         "long ſ (U+017F): NFKC makes it s", True),
        (_swap_first(local, "kK", "\u212a") and _swap_first(local, "kK", "\u212a") + "@" + domain,
         "Kelvin sign K (U+212A): NFKC makes it K", True),
        ("".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in local)
         + "@" + domain, "full-width letters: NFKC makes them ASCII", True),
        (local[0] + "\u0301" + local[1:] + "@" + domain, "a combining acute accent", False),
        (address.upper(), "upper case", True),
        (f"{local}@{domain.split('.')[0]}é.{domain.split('.', 1)[1]}",
         "an IDNA domain (é)", False),
    ]  # fmt: skip
    return [Lookalike(a, why, same) for a, why, same in candidates if a]


def domain_lookalikes(address: str) -> list[Lookalike]:
    return [entry for entry in lookalikes(address) if not entry.same_mailbox]
