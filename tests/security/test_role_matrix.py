"""Who may change what, checked in the database: each role tries every change the admin
offers (add, change, delete, every action and every custom view of every registered
model admin) on an object it owns and on one it does not, articles in each workflow
state, and afterwards the object's row, the row counts, the outbox and the response
say whether anything happened. EXPECTED says who may do what; anything not in it is
something none of these roles may do, so a new admin, action or view is checked (and
refused) until the table says otherwise.

Reading (which pages answer whom) is tests/security/test_authorization.py."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import reversion
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from reversion.models import Version
from taggit.forms import TagField
from taggit.models import Tag
from taggit.utils import edit_string_for_tags

from articles import workflow
from articles.models import Article, Photo
from donations.models import Appeal, Donation, WebhookEvent
from newsletter.models import Delivery, Edition, Newsletter, Subscriber, Subscription
from tests.articles.roles import make_user
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PhotoFactory,
    SectionFactory,
    jpeg_bytes,
)
from tests.figures import ROLE_CHECKS

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = ["writer", "sub-editor", "editor", "viewer", "anonymous"]
NEWSROOM = {"writer", "sub-editor", "editor"}
DESK = {"sub-editor", "editor"}
EDITORS = {"editor"}
STATES = {
    "draft": Status.DRAFT,
    "subbing": Status.SUBBING,
    "ready": Status.READY,
    "published": Status.PUBLISHED,
    "scheduled": Status.PUBLISHED,
}
OBJECT_IDS = {"object_id", "pk", "id"}
# What a custom view's form may ask for: a tag merge's new name, a new password.
CUSTOM_VIEW_DATA = {
    "new_tag_name": "merged",
    "password1": "Pw-for-the-matrix-1",
    "password2": "Pw-for-the-matrix-1",
    "usable_password": "true",
}
STANDARD_VIEWS = {"changelist", "add", "change", "delete", "history", "autocomplete"}
# Values for the parameters of custom admin views other than the object's id.
VIEW_PARAMETERS = {
    "name": lambda obj: list(workflow.MOVES),
    "version_id": lambda obj: [Version.objects.get_for_object(obj).values_list("pk", flat=True)[0]],
}


@dataclass
class Subject:
    """An object a role tries to change: `mine` if the role owns it, `kind` what it is
    (an article's workflow state, how a photo is used)."""

    obj: models.Model
    mine: bool = False
    kind: str = ""

    @property
    def status(self):
        return STATES.get(self.kind)


# -- Who may do what ---------------------------------------------------------------------


def writes(role, subject):
    """articles.workflow.can_edit: writers their own drafts, the desk anything."""
    return role in DESK or (role == "writer" and subject.mine and subject.kind == "draft")


def changes_photo(role, subject):
    """Writers change only photos nothing but their own drafts uses."""
    return role in DESK or (role == "writer" and subject.mine)


MOVE_ROLES = {
    "submit": NEWSROOM,
    "mark_ready": DESK,
    "send_back": DESK,
    "publish": EDITORS,
    "unpublish": EDITORS,
}


def moves(name):
    def rule(role, subject):
        return (
            role in MOVE_ROLES[name]
            and subject.status in workflow.MOVES[name].sources
            and (name != "submit" or writes(role, subject))
        )

    return rule


EXPECTED = {
    ("articles.article", "add"): NEWSROOM,
    ("articles.article", "change"): writes,
    ("articles.article", "delete"): EDITORS,
    ("articles.article", "action:delete_selected"): EDITORS,
    **{("articles.article", f"action:{name}_selected"): moves(name) for name in MOVE_ROLES},
    **{
        ("articles.article", f"view:articles_article_move[{name}]"): moves(name)
        for name in MOVE_ROLES
    },
    ("articles.article", "view:articles_article_restore"): EDITORS,
    ("articles.photo", "add"): NEWSROOM,
    ("articles.photo", "change"): changes_photo,
    ("articles.author", "add"): EDITORS,
    ("articles.author", "change"): EDITORS,
    ("issues.issue", "add"): EDITORS,
    ("issues.issue", "change"): EDITORS,
    ("issues.issue", "action:rerender_pdf"): EDITORS,
    ("issues.issue", "action:publish_selected_issues"): EDITORS,
    ("issues.issue", "view:issues_issue_publish"): EDITORS,
}


def expected(role, label, operation, subject) -> bool:
    rule = EXPECTED.get((label, operation), set())
    return rule(role, subject) if callable(rule) else role in rule


# -- The objects each role tries to change -----------------------------------------------


def subjects_for(user) -> dict[type, list[Subject]]:
    """For each registered model, the objects to try: the role's own and someone else's
    where a model has owners, one object otherwise."""
    colleague = make_user("writer", "colleague")
    me = user if user.pk else None
    articles = []
    for kind, status in STATES.items():
        for owner in (me, colleague):
            hours = {"published": -1, "scheduled": 24}.get(kind)
            # In whole seconds, as the change form posts them.
            when = hours and timezone.now().replace(microsecond=0) + timedelta(hours=hours)
            with reversion.create_revision():  # a version to restore
                article = ArticleFactory(status=status, created_by=owner, published_at=when)
            articles.append(Subject(article, mine=owner == me and me is not None, kind=kind))
    own_photo, live_photo = PhotoFactory(), PhotoFactory()
    ArticleFactory(status=Status.DRAFT, published_at=None, created_by=me, lead_photo=own_photo)
    ArticleFactory(created_by=colleague, authors=[AuthorFactory(photo=live_photo)])
    issue = IssueFactory(status="draft")
    ArticleFactory(issue=issue, print_page=1, status=Status.READY, published_at=None)
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    subscriber = Subscriber.objects.create(email="r@example.org", confirmed_at=timezone.now())
    Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, status="active")
    edition = Edition.objects.create(
        newsletter=newsletter, subject="Today", send_at=timezone.now() + timedelta(hours=2)
    )
    sent = Edition.objects.create(newsletter=newsletter, subject="Yesterday")
    donor = {
        "donor_name": "Ada Lovelace",
        "donor_email": "ada@example.org",
        "amount_pence": 2500,
        "provider": "offline",
        "home_address": "1 Rose Lane",
        "postcode": "N1 1AA",
    }
    pledge = Donation.objects.create(provider_reference="OFF-1", status="pending", **donor)
    monthly = Donation.objects.create(
        provider_reference="OFF-2",
        status="paid",
        frequency="monthly",
        is_gift_aid=True,
        paid_at=timezone.now(),
        **donor,
    )
    seen = {
        "user_agent": "test",
        "ip_address": "192.0.2.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/admin/login/",
    }
    one_each = [
        Tag.objects.create(name="housing"),
        SectionFactory(name="Culture", slug="culture"),
        AuthorFactory(),
        issue,
        newsletter,
        subscriber,
        edition,
        Delivery.objects.create(edition=sent, subscriber=subscriber),
        Appeal.objects.create(title="Fund us", slug="fund-us"),
        WebhookEvent.objects.create(event_id="evt_1", type="checkout.session.completed"),
        colleague,
        Group.objects.get(name="Writer"),
        TOTPDevice.objects.create(user=colleague, name="phone"),
        AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **seen),
        AccessLog.objects.create(**seen),
        AccessFailureLog.objects.create(**seen),
        DBTaskResult.objects.create(
            task_path="newsroom.tasks.send_password_reset_email",
            args_kwargs={"args": [], "kwargs": {}},
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        ),
    ]
    return {
        **{type(obj): [Subject(obj)] for obj in one_each},
        Article: articles,
        Photo: [
            Subject(own_photo, mine=me is not None, kind="on own draft"),
            Subject(live_photo, kind="on a live byline"),
        ],
        Donation: [Subject(pledge, kind="pledge"), Subject(monthly, kind="monthly gift")],
    }


def user_for(role):
    if role == "anonymous":
        return AnonymousUser()
    if role == "viewer":
        user = User.objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
        return user
    return make_user(role)


# -- What each change posts --------------------------------------------------------------


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def form_data(model_admin, obj, superuser) -> dict:
    """What the admin's change form for `obj` posts unchanged, inlines left as they are."""
    request = admin_request(superuser)
    form = model_admin.get_form(request, obj, change=True)(instance=obj)
    data = {}
    for bound in form:
        field, value = bound.field, bound.value()
        widget = getattr(field.widget, "widget", field.widget)  # admin wrappers
        if isinstance(field, forms.FileField):
            continue
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value)
            data |= {
                f"{bound.html_name}_{i}": "" if p is None else str(p) for i, p in enumerate(parts)
            }
        elif isinstance(field, TagField):
            data[bound.html_name] = edit_string_for_tags(value or [])
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        else:
            value = field.prepare_value(value)
            if isinstance(value, (list, tuple)):
                data[bound.html_name] = [getattr(v, "pk", v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else value
    for formset, _ in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset.get_default_prefix()
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def changed(field, value):
    if isinstance(field, models.EmailField):
        return f"changed-{value}"
    if isinstance(field, (models.CharField, models.TextField)):
        text = f"{value}-changed"
        return text[-field.max_length :] if field.max_length else text
    if isinstance(field, models.IntegerField):
        return int(value) + 1000
    return value


def field_to_change(model, data):
    """The first plain text or number the form posts: the change each role tries."""
    for field in model._meta.concrete_fields:
        plain = isinstance(field, (models.CharField, models.TextField, models.IntegerField))
        if field.name in data and plain and not field.choices and not field.primary_key:
            return field
    return None


def uploads(model_admin, superuser):
    form = model_admin.get_form(admin_request(superuser), None, change=False)()
    return {
        name: SimpleUploadedFile("new.jpg", jpeg_bytes(), "image/jpeg")
        for name, field in form.fields.items()
        if isinstance(field, forms.FileField) and field.required
    }


# -- What happened -----------------------------------------------------------------------

# Every table but the sessions (which signing in and messages write to).
COUNTED = [m for m in apps.get_models() if m._meta.managed and m._meta.app_label != "sessions"]


def snapshot(obj):
    row = type(obj)._base_manager.filter(pk=obj.pk).values().first()
    return row, {m._meta.label_lower: m._base_manager.count() for m in COUNTED}


# Set by every save, whoever makes it.
AUTO_FIELDS = {"updated_at"}


def effect(before, after, response, outbox, changelist_url) -> bool:
    """Whether the request did anything: a row or a count changed, mail went, a file
    was handed out, or an action answered with a page of its own."""
    location = response.get("Location", "")
    return bool(
        before != after
        or outbox
        or response.has_header("Content-Disposition")
        or (
            response.status_code == 302
            and location
            and not location.startswith((changelist_url, "/admin/login/"))
        )
    )


# -- The matrix --------------------------------------------------------------------------


@dataclass
class Attempt:
    """One change to try: POST `data` to `url`. `happened` tells from the snapshots
    before and after whether it was made; by default, whether anything was."""

    label: str
    operation: str
    subject: Subject
    url: str
    data: dict
    happened: object = None


def custom_views(model_admin, info):
    """(pattern, its parameters besides the object) for each of the admin's own views."""
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        if pattern.name.removeprefix("{}_{}_".format(*info)) in STANDARD_VIEWS:
            continue
        others = [n for n in pattern.pattern.converters if n not in OBJECT_IDS]
        assert set(others) <= set(VIEW_PARAMETERS), f"{pattern.name}: give its {others} values"
        yield pattern, others


def attempts(model, model_admin, subjects, superuser):
    """Every change the admin offers for `model`, on each of its subjects."""
    label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
    url = "admin:{}_{}_{}".format

    first = subjects[0]
    data = form_data(model_admin, first.obj, superuser)
    for field in model._meta.concrete_fields:
        if field.unique and field.name in data and not field.primary_key:
            data[field.name] = changed(field, data[field.name])
    data |= uploads(model_admin, superuser)
    yield Attempt(
        label,
        "add",
        first,
        reverse(url(*info, "add")),
        data,
        lambda before, after: after[1][label] == before[1][label] + 1,
    )

    actions = model_admin.get_actions(admin_request(superuser))
    for subject in subjects:
        obj = subject.obj
        data = form_data(model_admin, obj, superuser)
        field = field_to_change(model, data)
        if field is not None:
            data[field.name] = changed(field, data[field.name])
        yield Attempt(
            label,
            "change",
            subject,
            reverse(url(*info, "change"), args=[obj.pk]),
            data,
            was_changed_to(field, data),
        )
        yield Attempt(
            label,
            "delete",
            subject,
            reverse(url(*info, "delete"), args=[obj.pk]),
            {"post": "yes"},
            lambda before, after: after[0] is None,
        )
        for action in actions:
            yield Attempt(
                label,
                f"action:{action}",
                subject,
                reverse(url(*info, "changelist")),
                {"action": action, "_selected_action": [obj.pk], "post": "yes"},
            )
        for pattern, parameters in custom_views(model_admin, info):
            kwargs = {n: str(obj.pk) for n in pattern.pattern.converters if n in OBJECT_IDS}
            for value in VIEW_PARAMETERS[parameters[0]](obj) if parameters else [None]:
                extra = {parameters[0]: value} if parameters else {}
                suffix = f"[{value}]" if parameters == ["name"] else ""
                yield Attempt(
                    label,
                    f"view:{pattern.name}{suffix}",
                    subject,
                    reverse(f"admin:{pattern.name}", kwargs=kwargs | extra),
                    CUSTOM_VIEW_DATA,
                )


def was_changed_to(field, data):
    """Whether the change was made; a change to anything else (the status of an article
    whose text was corrected, say) is never what was asked."""

    def happened(before, after):
        if before[0] == after[0] or after[0] is None:
            return False
        moved = {name for name, value in after[0].items() if before[0][name] != value}
        if field is None or after[0][field.attname] != data[field.name]:
            return "something else"
        besides = moved - {field.attname} - AUTO_FIELDS
        return f"also {sorted(besides)}" if besides else True

    return happened


@pytest.mark.parametrize("role", ROLES)
def test_each_role_changes_exactly_what_it_may(role, mailoutbox):
    superuser = User.objects.create_superuser("root", "root@example.org", "pw")
    user = user_for(role)
    subjects = subjects_for(user)
    assert set(subjects) == set(admin.site._registry), "give each registered model a subject"
    client = Client()
    if user.is_authenticated:
        client.force_login(user)

    violations = []
    for model, model_admin in admin.site._registry.items():
        for attempt in attempts(model, model_admin, subjects[model], superuser):
            # Each attempt starts from the same rows: what it did is rolled back.
            with transaction.atomic():
                before = snapshot(attempt.subject.obj)
                mailoutbox.clear()
                response = client.post(attempt.url, attempt.data)
                after = snapshot(attempt.subject.obj)
                if attempt.happened:
                    happened = attempt.happened(before, after)
                else:
                    happened = effect(before, after, response, mailoutbox, attempt.url)
                transaction.set_rollback(True)
            may = expected(role, attempt.label, attempt.operation, attempt.subject)
            # Only the change asked for, where it is allowed; nothing at all where it is not.
            ok = (happened is True if may else not happened) and response.status_code < 500
            if not ROLE_CHECKS.count(ok=ok):
                subject = attempt.subject
                violations.append(
                    f"{attempt.operation} on {attempt.label} ({subject.kind or 'one'}"
                    f"{', own' if subject.mine else ''}): {'may' if may else 'may not'}, "
                    f"did {happened or 'nothing'}, answered {response.status_code}"
                )
    assert violations == []


def test_every_admin_action_declares_the_permission_it_needs():
    request = admin_request(User.objects.create_superuser("root", "root@example.org", "pw"))
    undeclared = [
        f"{model._meta.label}: {name}"
        for model, model_admin in admin.site._registry.items()
        for name, action in model_admin.get_actions(request).items()
        if not getattr(action.func, "allowed_permissions", None)
    ]
    assert undeclared == []
