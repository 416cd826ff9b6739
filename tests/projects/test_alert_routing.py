"""A project's own alert routing (alert_webhook_url, alert_emails) replaces ALERT_WEBHOOK_URL and
ALERT_EMAILS for its errors' alerts; projects without their own keep the settings', and a
staff member sees only their projects' deliveries (and the service's own) in the admin."""

import json

import pytest
from django.contrib.auth.models import Permission

from alerts.models import AlertDelivery
from alerts.services import alert_create, alert_delivery_attempt
from errors.models import ClientKey
from projects.models import Project
from tests.errors.conftest import report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CRITICAL = {"errorType": "DbDown", "message": "no db", "severity": "critical"}


@pytest.fixture
def storefront():
    return Project.objects.create(slug="storefront", name="Storefront")


def key_header(project: Project) -> dict:
    key = ClientKey.objects.create(project=project, name="web")
    return {"HTTP_X_TELEMETRY_KEY": key.public_key}


def alerts(received) -> list[dict]:
    return [json.loads(item["body"]) for item in received]


def test_alerts__a_projects_own_webhook_gets_its_alerts_and_the_setting_the_rest(
    api_client,
    settings,
    storefront,
    http_receiver,
    celery_in_process,
    django_capture_on_commit_callbacks,
):
    url, received = http_receiver
    settings.ALERT_WEBHOOK_URL = f"{url}/service"
    storefront.alert_webhook_url = f"{url}/storefront"
    storefront.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, CRITICAL, **key_header(storefront))
        report(api_client, {**CRITICAL, "errorType": "Keyless"})
    by_path = {item["path"]: json.loads(item["body"]) for item in received}
    assert sorted(by_path) == ["/service", "/storefront"]
    assert (by_path["/storefront"]["project"], by_path["/storefront"]["errorType"]) == (
        "storefront",
        "DbDown",
    )
    assert (by_path["/service"]["project"], by_path["/service"]["errorType"]) == (
        "default",
        "Keyless",
    )


def test_alerts__a_projects_own_addresses_get_its_alerts_by_email(
    api_client,
    settings,
    storefront,
    mailoutbox,
    celery_in_process,
    django_capture_on_commit_callbacks,
):
    settings.ALERT_EMAILS = ["ops@example.com"]
    storefront.alert_emails = "shop@example.com, oncall@example.com"
    storefront.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, CRITICAL, **key_header(storefront))
        report(api_client, {**CRITICAL, "errorType": "Keyless"})
    recipients = {mail.subject: mail.to for mail in mailoutbox}
    assert recipients == {
        "[telemetry] New critical error: DbDown: no db": [
            "shop@example.com",
            "oncall@example.com",
        ],
        "[telemetry] New critical error: Keyless: no db": ["ops@example.com"],
    }


def test_alerts__a_project_with_its_own_webhook_is_alerted_with_no_setting(
    api_client,
    settings,
    storefront,
    http_receiver,
    celery_in_process,
    django_capture_on_commit_callbacks,
):
    url, received = http_receiver
    settings.ALERT_WEBHOOK_URL = ""
    settings.ALERT_EMAILS = []
    storefront.alert_webhook_url = f"{url}/storefront"
    storefront.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, CRITICAL, **key_header(storefront))
        report(api_client, {**CRITICAL, "errorType": "Keyless"})
    assert [alert["errorType"] for alert in alerts(received)] == ["DbDown"]
    assert AlertDelivery.objects.count() == 1


def test_alerts__a_retry_goes_where_the_project_says_now(settings, storefront, http_receiver):
    """A receiver fixed while a delivery waits gets the retry."""
    url, received = http_receiver
    settings.ALERT_WEBHOOK_URL = ""
    storefront.alert_webhook_url = "http://127.0.0.1:9/unreachable"
    storefront.save()
    (delivery,) = alert_create(
        kind="test.kind", title="Test", payload={}, project_id=storefront.pk, enqueue=False
    )
    assert alert_delivery_attempt(delivery_id=delivery.pk) is False
    storefront.alert_webhook_url = f"{url}/fixed"
    storefront.save()
    AlertDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert alert_delivery_attempt(delivery_id=delivery.pk) is True
    assert [item["path"] for item in received] == ["/fixed"]


def test_alerts__the_admin_refuses_an_address_list_with_a_non_address(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/projects/project/add/",
        {
            "slug": "mobile",
            "name": "Mobile",
            "alert_emails": "ops@example.com, not an address",
            "client_keys-TOTAL_FORMS": "0",
            "client_keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "“not an address” is not an e-mail address" in response.content.decode()
    assert not Project.objects.filter(slug="mobile").exists()


def test_alerts__the_admin_takes_a_webhook_without_a_scheme_as_https(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/projects/project/add/",
        {
            "slug": "mobile",
            "name": "Mobile",
            "alert_webhook_url": "hooks.example.com/alerts",
            "client_keys-TOTAL_FORMS": "0",
            "client_keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert (
        Project.objects.get(slug="mobile").alert_webhook_url == "https://hooks.example.com/alerts"
    )


def test_alerts__a_member_sees_only_their_projects_deliveries_in_the_admin(
    client, settings, storefront
):
    settings.ALERT_WEBHOOK_URL = "http://127.0.0.1:9/alerts"
    other = Project.objects.create(slug="backoffice", name="Back office")
    alert_create(kind="k", title="Storefront alert", payload={}, project_id=storefront.pk)
    alert_create(kind="k", title="Back office alert", payload={}, project_id=other.pk)
    alert_create(kind="health.status_changed", title="Health alert", payload={})
    member = UserFactory(is_staff=True)
    member.user_permissions.add(*Permission.objects.filter(codename="view_alertdelivery"))
    storefront.members.add(member)
    client.force_login(member)
    page = client.get("/admin/alerts/alertdelivery/").content.decode()
    assert "Storefront alert" in page and "Health alert" in page
    assert "Back office alert" not in page
