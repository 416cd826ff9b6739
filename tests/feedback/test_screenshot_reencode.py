"""Screenshots are stored re-encoded from their decoded pixels: no metadata, nothing appended."""

import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, PngImagePlugin

from feedback.models import FeedbackSubmission
from feedback.serializers import screenshot_check
from tests.feedback.conftest import data_url

URL = "/api/feedback"

pytestmark = pytest.mark.django_db

AUTHOR = b"Ann Author-7f3c"
EMAIL = b"ann.author@example.com"


def two_coloured(size=(40, 20)) -> Image.Image:
    """Return a red picture whose left quarter is blue, so a turn can be seen in its pixels."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1]))
    return image


def jpeg_with_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = AUTHOR.decode()
    exif[ExifTags.Base.ImageDescription] = f"sent by {EMAIL.decode()}"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.5)
    buffer = io.BytesIO()
    two_coloured().save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def stored_screenshot(api_client, content: bytes, media_type: str) -> bytes:
    response = api_client.post(
        URL,
        data={"message": "Look at this", "screenshot": data_url(content, media_type)},
        format="json",
    )
    assert response.status_code == 201, response.content
    feedback = FeedbackSubmission.objects.get(pk=response.json()["feedbackId"])
    with feedback.screenshot.open("rb") as stored:
        return stored.read()


def test_screenshot__jpeg_exif_with_author_email_and_gps_is_not_stored(api_client):
    sent = jpeg_with_exif()
    assert AUTHOR in sent and EMAIL in sent

    stored = stored_screenshot(api_client, sent, "image/jpeg")

    assert AUTHOR not in stored and EMAIL not in stored
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 20)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_screenshot__exif_orientation_is_applied_so_the_stored_picture_is_upright(api_client):
    # Orientation 6: the camera was turned; viewers rotate the picture 90° clockwise.
    stored = stored_screenshot(api_client, jpeg_with_exif(orientation=6), "image/jpeg")

    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (20, 40)
        top, bottom = image.getpixel((10, 3)), image.getpixel((10, 36))
    assert top[2] > 200 and top[0] < 50, "the blue quarter is on top once upright"
    assert bottom[0] > 200 and bottom[2] < 50


def test_screenshot__html_appended_to_a_png_is_not_stored(api_client):
    buffer = io.BytesIO()
    two_coloured().save(buffer, format="PNG")
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    sent = buffer.getvalue() + page

    stored = stored_screenshot(api_client, sent, "image/png")

    assert b"<html" not in stored and b"script" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 20)
        assert image.getpixel((1, 1)) == (0, 0, 255)
        assert image.getpixel((39, 19)) == (255, 0, 0)


def test_screenshot__png_text_chunks_and_webp_metadata_are_not_stored(api_client):
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", AUTHOR.decode())
    text.add_itxt("Comment", EMAIL.decode())
    png = io.BytesIO()
    two_coloured().save(png, format="PNG", pnginfo=text)
    webp = io.BytesIO()
    two_coloured().save(webp, format="WEBP", exif=jpeg_exif_bytes(), xmp=b"<x>" + EMAIL + b"</x>")

    for sent, media_type in ((png.getvalue(), "image/png"), (webp.getvalue(), "image/webp")):
        assert EMAIL in sent
        stored = stored_screenshot(api_client, sent, media_type)
        assert AUTHOR not in stored and EMAIL not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (40, 20)


def jpeg_exif_bytes() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = AUTHOR.decode()
    return exif.tobytes()


def test_screenshot__over_the_pixel_budget_is_refused_before_decoding(api_client, settings):
    settings.FEEDBACK = {**settings.FEEDBACK, "MAX_SCREENSHOT_PIXELS": 1000}
    buffer = io.BytesIO()
    Image.new("RGB", (50, 30)).save(buffer, format="PNG")

    response = api_client.post(
        URL,
        data={"message": "x", "screenshot": data_url(buffer.getvalue())},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["details"] == {"field": "screenshot", "maxPixels": 1000}
    assert not FeedbackSubmission.objects.exists()


def test_screenshot__a_truncated_image_is_refused(api_client):
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48).save(buffer, format="JPEG")

    response = api_client.post(
        URL,
        data={"message": "x", "screenshot": data_url(buffer.getvalue()[:-400], "image/jpeg")},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "The screenshot is not a PNG, JPEG or WebP image."


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "1"]),
    width=st.integers(1, 64),
    height=st.integers(1, 64),
    seed=st.binary(min_size=1, max_size=64),
    trailer=st.binary(max_size=64),
)
def test_screenshot_check__a_png_is_stored_with_the_same_size_and_pixels_and_nothing_else(
    mode, width, height, seed, trailer
):
    pixels = (seed * (width * height * 4 // len(seed) + 1))[: width * height * 4]
    picture = Image.frombytes("RGBA", (width, height), pixels).convert(mode)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")

    screenshot = screenshot_check(buffer.getvalue() + b"TRAILER" + trailer)

    assert b"TRAILER" not in screenshot.content
    with Image.open(io.BytesIO(screenshot.content)) as stored:
        assert (stored.format, stored.size) == ("PNG", (width, height))
        assert (screenshot.width, screenshot.height) == (width, height)
        assert stored.convert("RGBA").tobytes() == picture.convert("RGBA").tobytes()
