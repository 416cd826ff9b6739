"""Staff who are not superusers see only the projects they are members of: in the API (lists
filter, another project's error is 404) and in the admin (changelist, triage, detail)."""

import pytest
from rest_framework.test import APIClient

from errors.digest import error_digest
from errors.ingest import error_report
from errors.models import ErrorLog
from errors.serializers import error_report_input
from projects.models import DEFAULT_PROJECT_ID, Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects():
    """The same error in the default project and in `backoffice`; return their groups."""
    backoffice = Project.objects.create(slug="backoffice", name="Back office")
    report = error_report_input({"errorType": "TypeError", "message": "Checkout broke"})
    for project_id in (DEFAULT_PROJECT_ID, backoffice.pk):
        error_report(report=type(report)(**{**report.__dict__, "project_id": project_id}))
    error_digest()
    return {error.project.slug: error for error in ErrorLog.objects.select_related("project")}


def _staff_of(*projects):
    member = UserFactory(is_staff=True, is_superuser=False)
    member.user_permissions.add(*_error_permissions())
    for project in projects:
        project.members.add(member)
    return member


def _error_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label__in=["errors", "projects"])


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api__a_member_lists_only_their_project_and_gets_404_for_the_other(two_projects):
    backoffice = two_projects["backoffice"]
    member = _staff_of(backoffice.project)
    client = _api(member)
    listed = client.get("/api/errors").json()
    assert [(row["id"], row["project"]) for row in listed["results"]] == [
        (str(backoffice.pk), "backoffice")
    ]
    assert client.get(f"/api/errors/{backoffice.pk}").status_code == 200
    other = two_projects["default"]
    assert client.get(f"/api/errors/{other.pk}").status_code == 404
    assert client.patch(f"/api/errors/{other.pk}", {"status": "resolved"}).status_code == 404
    refused = client.get("/api/errors?project=default")
    assert refused.status_code == 400
    assert refused.json()["error"] == "There is no project “default” you can see."
    other.refresh_from_db()
    assert other.status == "new"


def test_api__a_superuser_sees_every_project_and_filters_by_slug(two_projects, staff_user):
    client = _api(staff_user)
    assert {row["project"] for row in client.get("/api/errors").json()["results"]} == {
        "default",
        "backoffice",
    }
    only = client.get("/api/errors?project=backoffice").json()["results"]
    assert [row["id"] for row in only] == [str(two_projects["backoffice"].pk)]
    assert client.get("/api/errors?project=nowhere").status_code == 400


def test_admin__a_member_sees_none_of_another_project_errors(client, two_projects):
    backoffice, other = two_projects["backoffice"], two_projects["default"]
    client.force_login(_staff_of(backoffice.project))
    changelist = client.get("/admin/errors/errorlog/")
    assert changelist.status_code == 200
    assert f"/admin/errors/errorlog/{backoffice.pk}/" in changelist.text
    assert f"/admin/errors/errorlog/{other.pk}/" not in changelist.text
    triage = client.get("/admin/errors/")
    assert f"/admin/errors/{backoffice.pk}/" in triage.text
    assert f"/admin/errors/{other.pk}/" not in triage.text
    assert client.get(f"/admin/errors/{other.pk}/").status_code == 404
    # A bulk action naming the other project's error leaves it alone.
    client.post(
        "/admin/errors/",
        {"action": "resolve", "ids": [str(other.pk), str(backoffice.pk)]},
    )
    other.refresh_from_db()
    backoffice.refresh_from_db()
    assert (other.status, backoffice.status) == ("new", "resolved")


def test_admin__a_member_sees_only_their_projects_and_their_keys(client, two_projects):
    from errors.models import ClientKey

    backoffice = two_projects["backoffice"].project
    theirs = ClientKey.objects.create(project=backoffice, name="web")
    other = ClientKey.objects.create(name="storefront")
    client.force_login(_staff_of(backoffice))
    keys = client.get("/admin/errors/clientkey/").text
    assert theirs.public_key in keys and other.public_key not in keys
    assert client.get(f"/admin/errors/clientkey/{other.pk}/change/").status_code == 302
    projects = client.get("/admin/projects/project/").text
    assert "backoffice" in projects and "/admin/projects/project/1/" not in projects
    add_form = client.get("/admin/errors/clientkey/add/").text
    assert "Back office" in add_form or "backoffice" in add_form
    assert '<option value="1"' not in add_form


def test_admin__a_member_sees_only_their_projects_feedback(client, two_projects):
    from feedback.models import FeedbackSubmission

    backoffice = two_projects["backoffice"].project
    theirs = FeedbackSubmission.objects.create(project=backoffice, message="Theirs broke")
    FeedbackSubmission.objects.create(message="Someone else's broke")
    member = _staff_of(backoffice)
    from django.contrib.auth.models import Permission

    member.user_permissions.add(*Permission.objects.filter(content_type__app_label="feedback"))
    client.force_login(member)
    listing = client.get("/admin/feedback/feedbacksubmission/")
    assert listing.status_code == 200
    assert "Theirs broke" in listing.text and "Someone else" not in listing.text
    assert theirs.project == backoffice
