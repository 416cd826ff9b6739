"""Fixtures of the alerts tests: in-process Celery and a staff admin client."""

import pytest
from django.test import Client

from config.celery import app as celery_app


@pytest.fixture
def celery_in_process():
    """Run tasks in the test process when they are enqueued (this test only)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def admin_client_logged_in(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client
