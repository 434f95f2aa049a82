from django import template

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """1050 -> "£10.50", 500000 -> "£5,000": whole pounds without pence."""
    if pence in (None, ""):
        return ""
    pence = int(pence)
    whole, rest = divmod(abs(pence), 100)
    sign = "-" if pence < 0 else ""
    return f"{sign}£{whole:,}" + (f".{rest:02d}" if rest else "")
