"""Two people open the same article; the first saves; the second is refused and keeps
what they typed."""

import re

import pytest
import reversion

from tests.articles.roles import change_form_data, change_url, client_for, make_user
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def loaded_version(page) -> str:
    return re.search(r'name="loaded_version" value="([^"]+)"', page.text).group(1)


def test_second_save_from_a_stale_form_is_refused_and_keeps_the_typed_text():
    article = ArticleFactory(headline="Strike called", body="<p>Original text.</p>")
    with reversion.create_revision():
        reversion.add_to_revision(article)
    first, second = client_for(make_user("editor")), client_for(make_user("sub-editor", "sub"))
    first_version = loaded_version(first.get(change_url(article)))
    second_version = loaded_version(second.get(change_url(article)))
    assert first_version == second_version

    saved = first.post(
        change_url(article),
        change_form_data(article, body="<p>The editor's text.</p>", loaded_version=first_version),
    )
    assert saved.status_code == 302

    refused = second.post(
        change_url(article),
        change_form_data(
            article,
            body="<p>The sub-editor's careful rewrite.</p>",
            loaded_version=second_version,
        ),
    )

    assert refused.status_code == 200
    assert "saved this article after you opened it" in refused.text
    assert "The sub-editor&#x27;s careful rewrite." in refused.text or (
        "The sub-editor's careful rewrite." in refused.text
    )
    article.refresh_from_db()
    assert article.body == "<p>The editor's text.</p>"
    link = re.search(r'<a href="([^"]+)">See what changed</a>', refused.text).group(1)
    diff = second.get(link.replace("&amp;", "&"))
    assert diff.status_code == 200
    (body,) = diff.context["changes"]
    assert body["label"] == "Body"
    assert ("removed", "Original text.") in body["lines"]
    assert ("added", "The editor's text.") in body["lines"]

    # Having seen what changed, saving again is a deliberate choice and goes through.
    again = second.post(
        change_url(article),
        change_form_data(
            article,
            body="<p>The sub-editor's careful rewrite.</p>",
            loaded_version=loaded_version(refused),
        ),
    )
    assert again.status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>The sub-editor's careful rewrite.</p>"


def test_without_earlier_revisions_the_conflict_links_to_the_history():
    article = ArticleFactory()
    first, second = client_for(make_user("editor")), client_for(make_user("sub-editor", "sub"))
    version = loaded_version(second.get(change_url(article)))
    first.post(change_url(article), change_form_data(article, headline="First"))
    refused = second.post(
        change_url(article), change_form_data(article, headline="Second", loaded_version=version)
    )
    assert refused.status_code == 200
    assert 'value="Second"' in refused.text
    assert f'href="/admin/articles/article/{article.pk}/revisions/"' in refused.text


def test_a_save_from_a_fresh_form_is_not_refused():
    article = ArticleFactory()
    client = client_for(make_user("editor"))
    version = loaded_version(client.get(change_url(article)))
    response = client.post(
        change_url(article), change_form_data(article, headline="New", loaded_version=version)
    )
    assert response.status_code == 302
