"""People in the newsroom's roles, and what the article change form posts."""

from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from taggit.utils import edit_string_for_tags

ROLES = ["writer", "sub-editor", "editor", "superuser"]


def make_user(role: str, name: str | None = None) -> User:
    name = name or role
    if role == "superuser":
        return User.objects.create_superuser(name, f"{name}@example.com", "pw")
    user = User.objects.create_user(name, f"{name}@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name={"writer": "Writer", "sub-editor": "Sub-editor",
                                            "editor": "Editor"}[role]))  # fmt: skip
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def change_form_data(article, **overrides) -> dict:
    """What the change form posts for `article` unchanged (inlines left as they are)."""
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "section": article.section_id,
        "tags": edit_string_for_tags(list(article.tags.all())),
        "issue": article.issue_id or "",
        "print_page": article.print_page or "",
        "lead_photo": article.lead_photo_id or "",
        "body": article.body,
        "status": article.status,
        "published_at_0": article.published_at.strftime("%Y-%m-%d") if article.published_at else "",
        "published_at_1": article.published_at.strftime("%H:%M:%S") if article.published_at else "",
        "loaded_version": article.updated_at.isoformat(),
    }
    for prefix in ("articleauthor_set", "sidebars", "corrections"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | overrides
