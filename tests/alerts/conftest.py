"""Fixtures of the alerts tests: a staff admin client."""

import pytest
from django.test import Client


@pytest.fixture
def admin_client_logged_in(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client
