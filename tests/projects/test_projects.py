"""Projects: the default project the migrations make (and a flush keeps), and the admin."""

import pytest
from django.core.management import call_command

from errors.models import ClientKey
from projects.models import DEFAULT_PROJECT_ID, Project


@pytest.mark.django_db
def test_migrations__make_the_default_project_that_owns_keys_without_one():
    project = Project.objects.get(pk=DEFAULT_PROJECT_ID)
    assert (project.slug, project.name) == ("default", "Default")
    assert ClientKey.objects.create(name="web").project == project


@pytest.mark.django_db(transaction=True)
def test_default_and_self_projects__come_back_after_a_flush_and_new_projects_get_fresh_ids():
    Project.objects.create(slug="storefront", name="Storefront")
    call_command("flush", interactive=False, verbosity=0)
    assert list(Project.objects.values_list("slug", flat=True)) == ["default", "self"]
    assert Project.objects.get(slug="default").pk == DEFAULT_PROJECT_ID
    # The ID sequence is past the default project's explicit ID.
    assert Project.objects.create(slug="backoffice", name="Back office").pk > DEFAULT_PROJECT_ID


@pytest.mark.django_db
def test_project_admin__lists_projects_and_shows_their_keys_and_members(client, staff_user):
    project = Project.objects.create(slug="storefront", name="Storefront")
    key = ClientKey.objects.create(project=project, name="web")
    client.force_login(staff_user)
    listing = client.get("/admin/projects/project/")
    assert listing.status_code == 200
    assert "storefront" in listing.text and "default" in listing.text
    form = client.get(f"/admin/projects/project/{project.pk}/change/")
    assert form.status_code == 200
    assert key.public_key in form.text and "members" in form.text
    keys = client.get("/admin/errors/clientkey/")
    assert f"@testserver/{project.pk}" in keys.text


def test_api_schema__documents_the_client_key_and_the_project_parameters(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]

    def parameters(path, method):
        return {(p["name"], p["in"]) for p in paths[path][method].get("parameters", [])}

    for path in ("/api/errors", "/api/telemetry/batch", "/api/feedback"):
        assert {("X-Telemetry-Key", "header"), ("key", "query")} <= parameters(path, "post")
        assert {"401", "403", "429"} <= set(paths[path]["post"]["responses"])
    for path in ("/api/errors", "/api/telemetry", "/api/health/projects"):
        assert ("project", "query") in parameters(path, "get")
