import pytest

from tests.browser.support import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_axe_reports_a_violation_it_is_shown(page):
    # The audit must be able to fail: an image without alt text is a WCAG violation.
    page.goto("/admin/login/")
    page.evaluate("document.body.appendChild(Object.assign(new Image(), {src: '/x.png'}))")
    assert "image-alt" in {v["id"] for v in axe_violations(page)}


def test_admin_login_page_is_accessible(page):
    page.goto("/admin/login/")
    assert page.locator("input[name=username]").is_visible()
    assert axe_violations(page) == []
