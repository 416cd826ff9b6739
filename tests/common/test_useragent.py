import pytest

from common.useragent import device_type_from_user_agent, platform_from_user_agent


@pytest.mark.parametrize(
    ("user_agent", "device", "platform"),
    [
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
        ("", "", ""),
    ],
)
def test_user_agent__device_type_and_platform(user_agent, device, platform):
    assert device_type_from_user_agent(user_agent) == device
    assert platform_from_user_agent(user_agent) == platform
