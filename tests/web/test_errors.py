"""geoapp.web.errors: one JSON shape for every refusal, the site's own error pages."""

from __future__ import annotations

from tests.support.apps import make_app


def _probe_app(database, **config):
    """An app with two routes that fail on purpose (added before its first request)."""
    from geoapp.web.errors import ApiError

    app = make_app(database, PROPAGATE_EXCEPTIONS=False, **config)

    def boom():
        raise RuntimeError("a bug")

    def refused():
        raise ApiError(409, "conflict_on_page", "这一页的操作冲突了", "thing")

    app.add_url_rule("/api/probe-boom", "probe_api_boom", boom)
    app.add_url_rule("/probe-boom", "probe_page_boom", boom)
    app.add_url_rule("/probe-refused", "probe_refused", refused)
    return app


def test_api_errors_have_one_shape(client, auth):
    auth.login("admin")
    for path, method, status in (("/api/no-such", "get", 404), ("/api/cells", "post", 405),
                                 ("/api/hazards/999999", "get", 404)):
        response = getattr(client, method)(path)
        assert response.status_code == status, path
        body = response.get_json()
        assert set(body) == {"error", "message", "field"}, (path, body)
        assert body["field"] is None and body["message"], path
    body = client.get("/api/hazards/999999").get_json()
    assert body == {"error": "not_found", "message": "no hazard 999999", "field": None}
    # a refusal naming its field
    body = client.get("/api/map/points?zoom=99").get_json()
    assert body == {"error": "bad_request", "message": "zoom must be a whole number from 0 to 22",
                    "field": "zoom"}


def test_pages_get_the_sites_error_page(client, auth):
    auth.login("grid", cells=["A"])
    html = client.get("/no-such-page").get_data(as_text=True)
    assert '<header class="topbar">' in html and "页面不存在" in html and "HTTP 404" in html
    response = client.get("/admission")  # a grid member may not open the planner's page
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert '<header class="topbar">' in html and "无权访问" in html
    assert "您的账号无权查看此页面" in html  # the view's own reason is shown
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in english and "页面不存在" not in english


def test_an_unexpected_error_is_a_500_in_both_shapes(database):
    client = _probe_app(database).test_client()  # no account yet: everything is open
    response = client.get("/api/probe-boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal_server_error",
                                   "message": "服务器内部错误，请稍后重试", "field": None}
    response = client.get("/probe-boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "服务器内部错误" in html and "a bug" not in html  # no internals shown
    assert '<header class="topbar">' in html


def test_a_refusal_on_a_page_is_the_error_page(database):
    client = _probe_app(database).test_client()
    response = client.get("/probe-refused")
    assert response.status_code == 409 and response.mimetype == "text/html"
    assert "这一页的操作冲突了" in response.get_data(as_text=True)


def test_the_error_page_leads_each_role_home(client, auth):
    """The way back goes to the user's own home page: a grid member's cell, the map for others."""
    auth.login("grid", cells=["A"])
    html = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/cells/A"' in html and "返回我的网格" in html
    html = client.get("/admission").get_data(as_text=True)  # 403 says who is logged in
    assert "当前登录：" in html and "网格员" in html
    auth.login("leader")
    html = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Back to the risk map" in html and 'href="/"' in html
