"""{% page_url %}: the {% url %} tag for the paper's public pages, through
newsroom.links.page_url, which works each address out once per process. A page has
two dozen links to fixed addresses (header, footer, feeds, PDFs); {% url %} spent
about a tenth of an article page's render reversing them each time."""

from django import template

from newsroom import links

register = template.Library()


@register.simple_tag
def page_url(viewname, **kwargs):
    return links.page_url(viewname, **kwargs)
