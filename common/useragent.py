"""Device type and platform derived from a User-Agent header, by the ua-parser rules."""

from dataclasses import dataclass
from functools import cache, lru_cache

import ua_parser
from ua_parser.re2 import Resolver

# Clients that are programs, not people, which the rules name but do not call spiders.
_AUTOMATED = frozenset(
    {
        "curl",
        "Wget",
        "Python Requests",
        "Python-urllib",
        "HeadlessChrome",
        "okhttp",
        "Go-http-client",
        "Apache-HttpClient",
    }
)
_TABLETS = frozenset({"iPad", "Kindle"})
_MOBILE_PLATFORMS = frozenset({"iOS", "Windows Phone"})
# The rules' operating-system families, in the platform vocabulary stored since the start.
_PLATFORMS = {
    "Windows Phone": "Windows Phone",
    "Android": "Android",
    "iOS": "iOS",
    "iPadOS": "iOS",
    "Windows": "Windows",
    "Chrome OS": "ChromeOS",
    "Mac OS X": "macOS",
    "macOS": "macOS",
    "Linux": "Linux",
    "Ubuntu": "Linux",
    "Debian": "Linux",
    "Fedora": "Linux",
    "Red Hat": "Linux",
    "Mint": "Linux",
    "Arch Linux": "Linux",
}


@dataclass(frozen=True)
class UserAgentTraits:
    device_type: str
    platform: str


@cache
def _parser() -> ua_parser.Parser:
    # Built on first use (compiling the rules takes a tenth of a second), with RE2 so a
    # hostile header costs time linear in its length. Results are cached by user_agent_traits.
    return ua_parser.Parser(Resolver(ua_parser.load_builtins()))


# User agents repeat across events: parse each distinct one once.
@lru_cache(maxsize=1024)
def user_agent_traits(user_agent: str) -> UserAgentTraits:
    """Return the device type (desktop, mobile, tablet or bot) and the operating system of a
    User-Agent; both are '' when there is no user agent, the platform when it is unknown."""
    if not user_agent:
        return UserAgentTraits(device_type="", platform="")
    result = _parser().parse(user_agent)
    os_family = result.os.family if result.os else ""
    platform = _PLATFORMS.get(os_family) or _PLATFORMS.get(os_family.split(" ")[0], "")
    return UserAgentTraits(
        device_type=_device_type(user_agent, result, platform), platform=platform
    )


def _device_type(user_agent: str, result: ua_parser.Result, platform: str) -> str:
    device = result.device
    if (device and device.family == "Spider") or (
        result.user_agent and result.user_agent.family in _AUTOMATED
    ):
        return "bot"
    if device and (device.family in _TABLETS or device.brand == "Generic_Android_Tablet"):
        return "tablet"
    if platform == "Android":
        # Android browsers say "Mobile" on phones and leave it out on tablets; apps (Dalvik)
        # say neither, and most of them run on phones.
        is_app = user_agent.startswith("Dalvik/")
        return "mobile" if is_app or "Mobi" in user_agent else "tablet"
    if platform in _MOBILE_PLATFORMS or "Mobi" in user_agent:
        return "mobile"
    return "desktop"
