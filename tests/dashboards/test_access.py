"""Who may open the staff dashboards: staff only; everyone else is sent to the admin login."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/errors/",
    "/admin/metrics/",
    "/admin/metrics/data.json",
    "/admin/health/",
]


@pytest.mark.parametrize("url", PAGES)
def test_dashboard__anonymous_is_sent_to_the_login_page(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert f"next={url}" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_dashboard__non_staff_user_is_refused(non_staff_client, url):
    response = non_staff_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", PAGES)
def test_dashboard__staff_user_gets_the_page(admin_client_logged_in, url):
    assert admin_client_logged_in.get(url).status_code == 200


def test_index__is_titled_for_the_project_and_leads_with_the_three_dashboards(
    admin_client_logged_in,
):
    html = admin_client_logged_in.get("/admin/").content.decode()
    assert "<title>Dashboards | Telemetry &amp; Monitoring</title>" in html
    summary = html.index('id="dashboards-summary"')
    for url in ("/admin/errors/", "/admin/metrics/", "/admin/health/"):
        assert html.index(f'href="{url}"') > summary
    # The stock model list is still there, after the dashboards.
    assert html.index('id="dashboards-summary"') < html.index("Authentication and Authorization")
