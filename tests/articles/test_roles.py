"""The roles' particular rules: what each role is offered, writers' drafts, corrections,
live articles and photos. Every role against every change the admin offers, in the
database, is tests/security/test_role_matrix.py."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, ArticleTransition, Author, Correction, Photo
from tests.articles.roles import ROLES, change_form_data, change_url, client_for, make_user
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PhotoFactory,
    SectionFactory,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db

Status = Article.Status

# move: (status the article is in, status it should reach, roles allowed to make it)
MOVES = {
    "submit": (Status.DRAFT, Status.SUBBING, {"writer", "sub-editor", "editor", "superuser"}),
    "mark_ready": (Status.SUBBING, Status.READY, {"sub-editor", "editor", "superuser"}),
    "send_back": (Status.READY, Status.DRAFT, {"sub-editor", "editor", "superuser"}),
    "publish": (Status.READY, Status.PUBLISHED, {"editor", "superuser"}),
    "unpublish": (Status.PUBLISHED, Status.DRAFT, {"editor", "superuser"}),
}


def article_in(status, *, created_by=None):
    return ArticleFactory(
        status=status,
        published_at=None if status != Status.PUBLISHED else None or _an_hour_ago(),
        created_by=created_by,
    )


def _an_hour_ago():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(hours=1)


@pytest.mark.parametrize("role", ROLES)
def test_actions_offered_are_those_the_role_may_take(role):
    user = make_user(role)
    ArticleFactory(created_by=user)
    response = client_for(user).get(reverse("admin:articles_article_changelist"))
    offered = {name for name, _ in response.context["action_form"].fields["action"].choices}
    expected = {f"{m}_selected" for m, (_, _, allowed) in MOVES.items() if role in allowed}
    assert expected <= offered
    assert not {f"{m}_selected" for m in MOVES} - expected & offered


def test_writer_sees_and_edits_only_their_own_drafts():
    writer = make_user("writer")
    colleague = make_user("writer", "colleague")
    own = ArticleFactory(status=Status.DRAFT, published_at=None, created_by=writer)
    theirs = ArticleFactory(status=Status.DRAFT, published_at=None, created_by=colleague)
    client = client_for(writer)

    listing = client.get(reverse("admin:articles_article_changelist"))
    assert list(listing.context["cl"].result_list) == [own]

    # Someone else's article does not exist as far as the writer is concerned.
    assert client.get(change_url(theirs)).status_code == 302
    response = client.post(change_url(theirs), change_form_data(theirs, headline="Mine now"))
    theirs.refresh_from_db()
    assert theirs.headline != "Mine now"
    response = client.post(reverse("admin:articles_article_move", args=[theirs.pk, "submit"]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT

    response = client.post(change_url(own), change_form_data(own, headline="Better headline"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.headline == "Better headline"


def test_writer_cannot_edit_their_article_once_sent_for_subbing():
    writer = make_user("writer")
    article = ArticleFactory(status=Status.SUBBING, published_at=None, created_by=writer)
    client = client_for(writer)
    page = client.get(change_url(article))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = client.post(change_url(article), change_form_data(article, headline="Sneaky"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline != "Sneaky"


def test_writer_cannot_publish_by_posting_the_status_or_a_time():
    writer = make_user("writer")
    article = ArticleFactory(status=Status.DRAFT, published_at=None, created_by=writer)
    response = client_for(writer).post(
        change_url(article),
        change_form_data(
            article, status="published", published_at_0="2020-01-01", published_at_1="10:00"
        ),
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Status.DRAFT, None)


def test_writer_creates_drafts_only():
    writer = make_user("writer")
    from tests.articles.test_admin import add_article

    response = add_article(client_for(writer), section=SectionFactory().pk, status="published")
    assert response.status_code == 200
    assert not Article.objects.exists()
    response = add_article(client_for(writer), section=SectionFactory().pk, status="draft")
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.created_by) == (Status.DRAFT, writer)


@pytest.mark.parametrize(("role", "allowed"), [("writer", False), ("sub-editor", False),
                                               ("editor", True), ("superuser", True)])  # fmt: skip
def test_who_may_add_a_correction(role, allowed):
    user = make_user(role)
    article = ArticleFactory(created_by=user)
    data = change_form_data(
        article,
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "We misnamed the union.",
            "corrections-0-created_at_0": "2026-01-05",
            "corrections-0-created_at_1": "12:00:00",
        },
    )
    client_for(user).post(change_url(article), data)
    assert Correction.objects.exists() is allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_article_changelist",
        "admin:articles_photo_changelist",
        "admin:issues_issue_changelist",
    ],
)
def test_admin_lists_take_a_bounded_number_of_queries_for_every_role(
    role, url_name, django_assert_max_num_queries
):
    user = make_user(role)
    issue = IssueFactory()
    for n in range(15):
        ArticleFactory(issue=issue, print_page=n + 1, lead_photo=PhotoFactory(), created_by=user)
    client = client_for(user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name))
    assert response.status_code in (200, 403)


def test_groups_exist_with_their_permissions():
    from django.contrib.auth.models import Group

    perms = {
        group.name: {p.codename for p in group.permissions.all()} for group in Group.objects.all()
    }
    assert "publish_article" not in perms["Writer"] | perms["Sub-editor"]
    assert "mark_ready" in perms["Sub-editor"] and "mark_ready" not in perms["Writer"]
    assert {"publish_article", "manage_revisions", "add_correction"} <= perms["Editor"]
    assert User.objects.count() == 0


def test_a_sub_editor_corrects_a_live_article_and_it_stays_live():
    sub_editor = make_user("sub-editor")
    article = ArticleFactory(standfirst="Workers walk out")
    client = client_for(sub_editor)

    response = client.post(
        change_url(article),
        change_form_data(article, standfirst="Workers walk out (typo fixed)"),
        follow=True,
    )

    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert not [text for text in shown if "may not" in text], shown
    article.refresh_from_db()
    assert (article.standfirst, article.status) == (
        "Workers walk out (typo fixed)",
        Status.PUBLISHED,
    )
    assert not ArticleTransition.objects.filter(article=article).exists()
    assert Version.objects.get_for_object(article).count() == 1
    page = Client().get(article.get_absolute_url())
    assert page.status_code == 200
    assert "Workers walk out (typo fixed)" in page.content.decode()


@pytest.mark.parametrize(("role", "allowed"), [("writer", False), ("sub-editor", True),
                                               ("editor", True)])  # fmt: skip
def test_who_may_save_their_own_live_article(role, allowed):
    user = make_user(role)
    article = ArticleFactory(created_by=user, standfirst="Before")
    response = client_for(user).post(
        change_url(article), change_form_data(article, standfirst="After")
    )
    assert response.status_code == (302 if allowed else 403)
    article.refresh_from_db()
    assert (article.standfirst, article.status) == (
        "After" if allowed else "Before",
        Status.PUBLISHED,
    )
    assert article.is_published


@pytest.mark.parametrize(("role", "sees_colleagues"), [("writer", False), ("sub-editor", True),
                                                       ("editor", True)])  # fmt: skip
def test_the_preview_shows_what_the_admin_shows_the_role(role, sees_colleagues):
    user = make_user(role)
    colleague = make_user("writer", "colleague")
    own = ArticleFactory(status=Status.SUBBING, published_at=None, created_by=user)
    theirs = ArticleFactory(
        status=Status.DRAFT, published_at=None, created_by=colleague, body="<p>Secret lead</p>"
    )
    client = client_for(user)

    assert client.get(reverse("articles:preview", args=[own.pk])).status_code == 200
    response = client.get(reverse("articles:preview", args=[theirs.pk]))
    assert response.status_code == (200 if sees_colleagues else 404)
    assert ("Secret lead" in response.content.decode()) is sees_colleagues


def photo_change(client, photo, **overrides):
    data = {"alt_text": photo.alt_text, "caption": photo.caption, "credit": photo.credit,
            "tags": ""} | overrides  # fmt: skip
    return client.post(reverse("admin:articles_photo_change", args=[photo.pk]), data)


def photo_used(how, *, writer, colleague):
    """A photo used by one article (or none), as `how` says."""
    photo = PhotoFactory(caption="As taken")
    if how == "unused":
        return photo
    owner, status = {
        "on the writer's draft": (writer, Status.DRAFT),
        "on the writer's article in subbing": (writer, Status.SUBBING),
        "on a colleague's draft": (colleague, Status.DRAFT),
        "on the writer's published article": (writer, Status.PUBLISHED),
        "on a scheduled article": (colleague, Status.PUBLISHED),
        "as an author's photo on a published byline": (colleague, Status.PUBLISHED),
    }[how]
    published_at = {Status.PUBLISHED: _an_hour_ago()}.get(status)
    if how == "on a scheduled article":
        published_at = _an_hour_ago() + timedelta(days=1)
    if how.startswith("as an author's photo"):
        ArticleFactory(created_by=owner, authors=[AuthorFactory(photo=photo)])
    else:
        ArticleFactory(created_by=owner, status=status, published_at=published_at,
                       lead_photo=photo)  # fmt: skip
    return photo


PHOTO_USES = {
    # how the photo is used: whether a writer may change it
    "unused": True,
    "on the writer's draft": True,
    "on the writer's article in subbing": False,
    "on a colleague's draft": False,
    "on the writer's published article": False,
    "on a scheduled article": False,
    "as an author's photo on a published byline": False,
}


@pytest.mark.parametrize("role", ["writer", "sub-editor", "editor"])
@pytest.mark.parametrize("how", PHOTO_USES)
def test_who_may_change_a_photo_depends_on_where_it_is_used(role, how):
    user = make_user(role)
    photo = photo_used(how, writer=user, colleague=make_user("writer", "colleague"))
    allowed = PHOTO_USES[how] or role != "writer"
    client = client_for(user)

    page = client.get(reverse("admin:articles_photo_change", args=[photo.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is allowed
    # A writer who cannot change it is told why, and what to do instead.
    assert ("only sub-editors and editors can change it" in page.text) is not allowed
    response = photo_change(client, photo, caption="Recaptioned", credit="Someone else")

    assert response.status_code == (302 if allowed else 403)
    photo.refresh_from_db()
    assert (photo.caption == "Recaptioned") is allowed
    assert (photo.credit == "Someone else") is allowed


def test_a_writer_may_not_replace_the_file_of_a_live_photo():
    writer = make_user("writer")
    photo = photo_used("on a scheduled article", writer=writer, colleague=make_user("editor"))
    before = photo.image.name
    response = photo_change(
        client_for(writer),
        photo,
        image=SimpleUploadedFile("new.jpg", jpeg_bytes(color=(0, 0, 0)), "image/jpeg"),
    )
    assert response.status_code == 403
    photo.refresh_from_db()
    assert photo.image.name == before


@pytest.mark.parametrize("how", PHOTO_USES)
def test_deleting_a_photo_follows_the_same_rule(how):
    writer = make_user("writer")
    writer.user_permissions.add(Permission.objects.get(codename="delete_photo"))
    photo = photo_used(how, writer=writer, colleague=make_user("writer", "colleague"))
    response = client_for(writer).post(
        reverse("admin:articles_photo_delete", args=[photo.pk]), {"post": "yes"}
    )
    if how == "unused":
        assert not Photo.objects.filter(pk=photo.pk).exists()
    elif not PHOTO_USES[how]:
        assert response.status_code == 403
        assert Photo.objects.filter(pk=photo.pk).exists()
        assert Author.objects.filter(photo=photo).count() == how.startswith("as an author")


def test_a_writer_may_not_change_an_issue_cover():
    writer = make_user("writer")
    photo = PhotoFactory(caption="As taken")
    IssueFactory(cover_photo=photo)
    response = photo_change(client_for(writer), photo, caption="Recaptioned")
    assert response.status_code == 403
    photo.refresh_from_db()
    assert photo.caption == "As taken"
