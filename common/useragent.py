"""Device type and platform derived from a User-Agent header (no database, no dependency)."""

import re

_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|headlesschrome|lighthouse|curl/|wget/|python-requests|"
    r"httpx|go-http-client|okhttp|java/|facebookexternalhit|preview",
    re.IGNORECASE,
)
_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|nexus (7|9|10)", re.IGNORECASE)
_ANDROID = re.compile(r"android", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|windows phone|blackberry|opera mini", re.IGNORECASE)

_PLATFORMS = (
    ("Windows Phone", re.compile(r"windows phone", re.IGNORECASE)),
    ("Android", re.compile(r"android", re.IGNORECASE)),
    ("iOS", re.compile(r"iphone|ipad|ipod", re.IGNORECASE)),
    ("Windows", re.compile(r"windows", re.IGNORECASE)),
    ("ChromeOS", re.compile(r"cros", re.IGNORECASE)),
    ("macOS", re.compile(r"macintosh|mac os x", re.IGNORECASE)),
    ("Linux", re.compile(r"linux|x11", re.IGNORECASE)),
)

DEVICE_TYPES = ("desktop", "mobile", "tablet", "bot")


def device_type_from_user_agent(user_agent: str) -> str:
    """Return desktop, mobile, tablet or bot for a User-Agent ('' when there is none)."""
    if not user_agent:
        return ""
    if _BOT.search(user_agent):
        return "bot"
    if _TABLET.search(user_agent):
        return "tablet"
    if _ANDROID.search(user_agent):
        return "mobile" if _MOBILE.search(user_agent) else "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


def platform_from_user_agent(user_agent: str) -> str:
    """Return the operating system named by a User-Agent ('' when unknown)."""
    for name, pattern in _PLATFORMS:
        if user_agent and pattern.search(user_agent):
            return name
    return ""
