"""Error pages (DEBUG off, as in production): Chinese, with the navigation and a way back; the
500 page needs neither the database nor the request's context."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from shouhu.accounts.models import User
from shouhu.core.testing.signin import sign_in

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


urlpatterns = [path("boom/", _boom), path("", include("shouhu.urls"))]
handler400 = "shouhu.web.errors.bad_request"
handler403 = "shouhu.web.errors.permission_denied"
handler404 = "shouhu.web.errors.page_not_found"


def _text(response: Any) -> str:
    return response.content.decode()


def _assert_chinese_page_with_a_way_back(html: str, *, nav: bool) -> None:
    assert 'lang="zh-hans"' in html.lower()
    assert "返回首页" in html
    for english in ("Not Found", "Forbidden", "Server Error", "Bad Request", "CSRF verification failed"):
        assert english not in html
    assert ('aria-label="主导航"' in html) is nav


def test_404_in_chinese_with_navigation(login: Any) -> None:
    response = login("caseworker").get("/no-such-page/")
    assert response.status_code == 404
    html = _text(response)
    _assert_chinese_page_with_a_way_back(html, nav=True)
    assert "页面不存在" in html
    assert "Resolver404" not in html  # Django's reason is for the log


def test_404_shows_a_reason_written_for_the_user(login: Any) -> None:
    # A township supervisor opening another township's region: the view's own (Chinese) reason.
    response = login("supervisor_a").get("/regions/210522101000/")
    assert response.status_code == 404
    _assert_chinese_page_with_a_way_back(_text(response), nav=True)


def test_403_in_chinese_with_navigation_and_the_page_left(login: Any) -> None:
    response = login("director_a").get("/users/", HTTP_REFERER="http://testserver/children/")
    assert response.status_code == 403
    html = _text(response)
    _assert_chinese_page_with_a_way_back(html, nav=True)
    assert "没有权限" in html
    assert re.search(r'<a [^>]*href="http://testserver/children/"[^>]*>返回上一页</a>', html)


def test_a_way_back_only_to_our_own_pages(login: Any) -> None:
    html = _text(login("director_a").get("/users/", HTTP_REFERER="https://elsewhere.example/"))
    assert "elsewhere.example" not in html


def test_csrf_failure_in_chinese(personas: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, personas["caseworker"])
    response = client.post("/notifications/read/")
    assert response.status_code == 403
    html = _text(response)
    _assert_chinese_page_with_a_way_back(html, nav=True)
    assert "页面已过期" in html


@pytest.mark.urls(__name__)
def test_500_in_chinese() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    _assert_chinese_page_with_a_way_back(_text(response), nav=False)
    assert "系统出错了" in _text(response)


def test_500_needs_no_database_and_no_request_context(django_assert_max_num_queries: Any) -> None:
    request = RequestFactory().get("/")  # no user, no session: a middleware may be what failed
    with django_assert_max_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = _text(response)
    assert "系统出错了" in html and 'href="/"' in html
    assert "{%" not in html and "{{" not in html


def test_400_in_chinese(client: Client) -> None:
    response = client.get("/", HTTP_HOST="not-allowed.example")  # DisallowedHost: a 400
    assert response.status_code == 400
    _assert_chinese_page_with_a_way_back(_text(response), nav=False)
