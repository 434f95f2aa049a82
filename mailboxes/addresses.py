"""One form of an email address for comparing two of them.

Readers type their address in any form: upper case, full-width letters, a Kelvin sign
for a K, a quoted local part. Comparing what was typed with what is stored through the
database's own case-insensitive lookups goes wrong on PostgreSQL, where the upper case
of the dotless i (U+0131) is I and of the long s (U+017F) is S: a look-alike address
would match someone else's. So every address is compared in one normalised form,
computed here in Python and stored in its own indexed column (`email_key`) beside the
address as typed.

The form: Unicode NFKC; the local part unquoted and case-folded (we treat mailboxes as
case-insensitive, as every large provider does); the domain as lower-case IDNA (UTS 46).
Mail is only ever sent to an address that is stored, never to the typed one.
"""

import unicodedata

import idna
from django.core.exceptions import ValidationError

MAX_LENGTH = 320


def normalise_email(address: str) -> str:
    """The comparison key of `address`; ValidationError if it has no valid domain."""
    address = unicodedata.normalize("NFKC", address.strip())
    local, at, domain = address.rpartition("@")
    if not (at and local and domain):
        raise ValidationError("Enter a valid email address.", code="invalid")
    try:
        domain = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError("Enter a valid email address.", code="invalid") from None
    return f"{_unquote(local).casefold()}@{domain.lower()}"[:MAX_LENGTH]


def _unquote(local: str) -> str:
    """`"bomb"` and `"b\\omb"` are the mailbox `bomb`: drop the quotes and the escapes."""
    if len(local) >= 2 and local[0] == local[-1] == '"':
        inner, unescaped, escaped = local[1:-1], [], False
        for char in inner:
            if char == "\\" and not escaped:
                escaped = True
                continue
            unescaped.append(char)
            escaped = False
        return "".join(unescaped)
    return local
