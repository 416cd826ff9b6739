"""Client keys: `manage.py dsn` (per project) and the admin page that shows the DSN to copy."""

import io

import pytest
from django.core.management import CommandError, call_command

from errors.models import ClientKey
from projects.models import Project

pytestmark = pytest.mark.django_db


def run_dsn(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("dsn", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_dsn__creates_the_key_once_and_prints_the_same_dsn(settings):
    settings.SENTRY_INGEST = {**settings.SENTRY_INGEST, "PUBLIC_URL": "https://errors.example.com"}
    first = run_dsn("--name", "shop")
    key = ClientKey.objects.get(name="shop")
    assert first == f"https://{key.public_key}@errors.example.com/{key.project_id}"
    assert run_dsn("--name", "shop") == first
    assert ClientKey.objects.count() == 1


def test_dsn__defaults_to_the_local_server_and_the_default_key(settings, monkeypatch):
    settings.SENTRY_INGEST = {**settings.SENTRY_INGEST, "PUBLIC_URL": ""}
    monkeypatch.delenv("PORT", raising=False)
    key_dsn = run_dsn()
    key = ClientKey.objects.get(name="default")
    assert key_dsn == f"http://{key.public_key}@127.0.0.1:8000/{key.project_id}"


def test_dsn__blank_name_is_misuse_with_exit_code_2():
    with pytest.raises(CommandError) as refused:
        run_dsn("--name", "  ")
    assert refused.value.returncode == 2


def test_dsn__a_project_of_its_own_gets_its_own_project_id_in_the_dsn(settings):
    settings.SENTRY_INGEST = {**settings.SENTRY_INGEST, "PUBLIC_URL": "https://errors.example.com"}
    default = run_dsn()
    storefront = run_dsn("--project", "storefront", "--name", "web")
    project = Project.objects.get(slug="storefront")
    key = ClientKey.objects.get(project=project, name="web")
    assert storefront == f"https://{key.public_key}@errors.example.com/{project.pk}"
    assert default.rsplit("/", 1)[1] == "1" != str(project.pk)
    # The same key name in another project is another key.
    assert run_dsn("--project", "backoffice", "--name", "web") not in (default, storefront)
    assert run_dsn("--project", "storefront", "--name", "web") == storefront
    assert ClientKey.objects.filter(name="web").count() == 2


@pytest.mark.parametrize("slug", ["", "Store Front", "a/b", "x" * 51])
def test_dsn__a_project_that_is_not_a_slug_is_misuse_with_exit_code_2(slug):
    with pytest.raises(CommandError) as refused:
        run_dsn("--project", slug)
    assert refused.value.returncode == 2
    assert "slug" in str(refused.value)
    assert not Project.objects.exclude(slug__in=["default", "self"]).exists()


def test_client_key_admin__list_and_form_show_the_dsn(client, staff_user):
    key = ClientKey.objects.create(name="storefront")
    client.force_login(staff_user)
    expected = f"http://{key.public_key}@testserver/{key.project_id}"
    listing = client.get("/admin/errors/clientkey/")
    assert listing.status_code == 200
    assert expected in listing.content.decode()
    form = client.get(f"/admin/errors/clientkey/{key.pk}/change/")
    assert form.status_code == 200
    assert expected in form.content.decode()


def test_client_key_admin__adding_a_key_generates_its_public_key(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/errors/clientkey/add/", {"project": "1", "name": "mobile", "active": "on"}
    )
    assert response.status_code == 302
    key = ClientKey.objects.get(name="mobile")
    assert len(key.public_key) == 32 and key.active


@pytest.mark.parametrize("name", ["a\x00b", "a\udcffb", "a\x1b[31mb", "line\nbreak", "x" * 101])
def test_dsn__a_key_name_the_database_or_a_terminal_cannot_take_is_misuse(name):
    with pytest.raises(CommandError) as refused:
        run_dsn("--name", name)
    assert refused.value.returncode == 2
    assert "--name must be 1 to 100 characters" in str(refused.value)
    assert not ClientKey.objects.exists()
