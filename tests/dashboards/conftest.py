"""Fixtures of the staff dashboard tests: Django test clients logged in through the admin."""

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def admin_client_logged_in(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def non_staff_client(db):
    client = Client()
    client.force_login(UserFactory())
    return client
