"""The API docs at /api/docs, under the proxy's /api/ route, load every asset from the service itself
(tests/browser/test_station_lan.py renders them with the internet out of reach)."""

import re

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""")


def test_the_docs_page_names_only_assets_the_service_serves(client):
    page = client.get("/api/docs")

    assert page.status_code == 200
    assets = [src or url for src, url in ASSET.findall(page.text)]
    assert {a.rsplit("/", 1)[-1] for a in assets} == {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "favicon.png",
        "openapi.json",
    }
    for asset in assets:
        assert asset.startswith("/api/"), asset
        assert client.get(asset).status_code == 200, asset


def test_the_docs_are_not_served_outside_api(client):
    assert [client.get(path).status_code for path in ("/docs", "/redoc", "/openapi.json")] == [404, 404, 404]
