"""The authentication backend that applies django-axes' login lockout."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuse a login that django-axes has locked out; the password is checked by the next
    backend.

    A call without a request (the shell, a management command, the test client's login) has no
    client to lock out, so it goes straight on to the password check instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
