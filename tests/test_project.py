"""The project as a whole: settings, liveness, the API description, commands, Celery."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from errors.demo import DEMO_ERRORS
from errors.models import ErrorLog
from feedback.models import FeedbackSubmission
from telemetry.models import TelemetryEvent

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENVIRONMENT"}}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_settings__production_refuses_to_start_without_secret_key():
    result = run_manage("check", env_extra={"ENVIRONMENT": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings__production_passes_the_deploy_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "ENVIRONMENT": "production",
            "SECRET_KEY": "x7#kq!v2@pL9$wZ3^mN8&bR5*tY1(uI4)oP6_aS0+dF2-gH7=jK9",
            "ALLOWED_HOSTS": "telemetry.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_health__liveness(api_client):
    response = api_client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_schema__describes_the_batch_endpoint(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/telemetry/batch" in response.content.decode()


def test_api_docs__served_without_a_cdn(api_client, db):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_unknown_api_path__404_in_the_error_shape(client, db):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["success"] is False


@pytest.mark.django_db
def test_seed_demo__fills_an_empty_database_with_a_realistic_week(capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--sessions-per-day", "20")
    events = TelemetryEvent.objects.all()
    types = set(events.values_list("type", flat=True))
    assert {"page_view", "action", "api_call", "session_start", "session_end"} <= types
    assert set(events.values_list("device_type", flat=True)) >= {"desktop", "mobile"}
    assert events.filter(type="api_call", duration__gt=0).exists()
    days = {created.date() for created in events.values_list("created_at", flat=True)}
    assert len(days) >= 7
    # Errors arrive through the real grouping: IDs in messages vary, yet each error is one group.
    assert ErrorLog.objects.count() == len(DEMO_ERRORS) + 2  # + the two bug reports
    assert ErrorLog.objects.filter(status="resolved").exists()
    assert ErrorLog.objects.get(error_type="TypeError").frequency == 180
    assert FeedbackSubmission.objects.filter(category="bug", error__isnull=False).count() == 2
    call_command("seed_demo", "--if-empty")
    assert "nothing loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_ensure_admin__creates_admin_once_and_prints_the_password_once(capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    call_command("ensure_admin")
    first = capsys.readouterr().out
    call_command("ensure_admin")
    second = capsys.readouterr().out
    password = first.split("admin / ")[1].split()[0]
    from django.contrib.auth import authenticate

    assert authenticate(username="admin", password=password).is_staff
    assert password not in second


def test_celery__json_only_time_limits_and_tasks_discovered():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit and conf.task_soft_time_limit
    celery_app.loader.import_default_modules()
    assert "common.purge_expired" in celery_app.tasks
