import pytest

from common.useragent import user_agent_traits
from telemetry.models import DeviceType

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
# The hand-written rules took "Cubot" for a bot and every Dalvik app for a tablet.
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
DALVIK_PHONE = "Dalvik/2.1.0 (Linux; U; Android 11; SM-A515F Build/RP1A.200720.012)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("user_agent", "device", "platform"),
    [
        (CHROME_WINDOWS, "desktop", "Windows"),
        (FIREFOX_LINUX, "desktop", "Linux"),
        (SAFARI_MAC, "desktop", "macOS"),
        (IPAD, "tablet", "iOS"),
        (CUBOT_PHONE, "mobile", "Android"),
        (DALVIK_PHONE, "mobile", "Android"),
        (GOOGLEBOT, "bot", ""),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
            "desktop",
            "Windows",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15", "desktop", "macOS"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148", "mobile", "iOS"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/124.0 Mobile Safari/537.36",
            "mobile",
            "Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) Chrome/124.0 Safari/537.36",
            "tablet",
            "Android",
        ),
        ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) Mobile/15E148", "tablet", "iOS"),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", "bot", ""),
        ("curl/8.5.0", "bot", ""),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0", "desktop", "Linux"),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            "desktop",
            "ChromeOS",
        ),
        ("", "", ""),
    ],
)
def test_user_agent__device_type_and_platform(user_agent, device, platform):
    traits = user_agent_traits(user_agent)
    assert (traits.device_type, traits.platform) == (device, platform)
    assert traits.device_type in (*DeviceType.values, "")
