"""The shapes of the feedback API, and the checks a screenshot must pass before it is kept."""

import base64
import binascii
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema_field
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from rest_framework import serializers, status
from rest_framework.fields import empty

from common.api import ApiError
from common.json_input import json_parse
from common.serializers import MetadataField
from feedback.models import FeedbackCategory

MAX_MESSAGE_LENGTH = 5000
# Pillow's format name -> the extension the stored file gets.
SCREENSHOT_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+\-/]*)(?P<params>(?:;[\w\-]+=[^;,]*)*);base64,", re.I)


@dataclass(frozen=True)
class Screenshot:
    """A screenshot that decoded as an allowed image: its bytes and the extension to store."""

    content: bytes
    extension: str
    width: int
    height: int


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        f"The screenshot is larger than {max_bytes // (1024 * 1024)} MB.",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        details={"field": "screenshot", "maxBytes": max_bytes},
    )


def _not_an_image() -> ApiError:
    return ApiError(
        "The screenshot is not a PNG, JPEG or WebP image.", details={"field": "screenshot"}
    )


def screenshot_bytes_from(value) -> bytes:
    """Return the raw bytes of an uploaded file part or a base64 `data:` URL.

    Raise 413 past FEEDBACK["MAX_SCREENSHOT_BYTES"] before decoding anything big, and 400 for
    anything that is neither a file nor a base64 data URL.
    """
    max_bytes = settings.FEEDBACK["MAX_SCREENSHOT_BYTES"]
    if isinstance(value, UploadedFile):
        if value.size > max_bytes:
            raise _too_large(max_bytes)
        value.seek(0)
        return value.read(max_bytes + 1)
    if isinstance(value, str):
        match = _DATA_URL.match(value[:200])
        if not match:
            raise ApiError(
                "The screenshot must be a file or a base64 data: URL.",
                details={"field": "screenshot"},
            )
        encoded = value[match.end() :]
        if len(encoded) * 3 // 4 > max_bytes + 2:
            raise _too_large(max_bytes)
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                "The screenshot data: URL is not valid base64.", details={"field": "screenshot"}
            ) from None
        if len(content) > max_bytes:
            raise _too_large(max_bytes)
        return content
    raise _not_an_image()


def screenshot_check(content: bytes) -> Screenshot:
    """Decode `content` with Pillow and return it re-encoded from its pixels, or raise a 400
    ApiError.

    The client's file name and content type are ignored: only what Pillow finds counts. The
    stored file is written anew from the decoded pixels, turned the way its EXIF orientation
    says, so no metadata (EXIF, XMP, text chunks, ICC profiles) and no bytes appended after
    the image survive.
    """
    config = settings.FEEDBACK
    try:
        with Image.open(io.BytesIO(content), formats=list(SCREENSHOT_FORMATS)) as image:
            image_format, (width, height) = image.format, image.size
            _refuse_oversize(width, height, config)
            image.verify()
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            encoded, (width, height) = _reencode(image, image_format)
    except ApiError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _not_an_image() from None
    return Screenshot(
        content=encoded, extension=SCREENSHOT_FORMATS[image_format], width=width, height=height
    )


def _refuse_oversize(width: int, height: int, config: dict) -> None:
    """Refuse, from the image's header and before decoding it, a picture too large to keep."""
    max_side, max_pixels = config["MAX_SCREENSHOT_SIDE"], config["MAX_SCREENSHOT_PIXELS"]
    if width > max_side or height > max_side:
        raise ApiError(
            f"The screenshot is {width}×{height} pixels; at most {max_side} "
            "pixels a side are accepted.",
            details={"field": "screenshot", "maxSide": max_side},
        )
    if width * height > max_pixels:
        raise ApiError(
            f"The screenshot is {width}×{height} pixels; at most {max_pixels} "
            "pixels in all are accepted.",
            details={"field": "screenshot", "maxPixels": max_pixels},
        )


def _reencode(image: Image.Image, image_format: str) -> tuple[bytes, tuple[int, int]]:
    """Return the image's pixels, upright, encoded afresh in `image_format`, and their size."""
    image.load()
    has_alpha = image_format != "JPEG" and image.has_transparency_data
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    pixels = ImageOps.exif_transpose(pixels, in_place=False) if _rotated(image) else pixels
    # Nothing of the upload but its pixels is written: no EXIF, ICC profile or text chunk.
    pixels.info = {}
    buffer = io.BytesIO()
    pixels.save(buffer, format=image_format, **_ENCODER_OPTIONS[image_format])
    return buffer.getvalue(), pixels.size


def _rotated(image: Image.Image) -> bool:
    """Return whether the image's EXIF orientation says to turn or mirror it."""
    return image.getexif().get(ExifTags.Base.Orientation, 1) != 1


_ENCODER_OPTIONS = {
    "PNG": {},
    "JPEG": {"quality": 90},
    "WEBP": {"quality": 90},
}


class JsonObjectField(MetadataField):
    """Metadata, also accepted as a JSON string (multipart forms send text)."""

    def get_value(self, dictionary):
        # DictField reads forms as "metadata.key" parts; a form here sends one JSON text part.
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json_parse(data)
            except ValueError:
                self.fail("not_a_dict", input_type="text that is not JSON")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "binary"},
            {"type": "string", "pattern": "^data:image/[a-z]+;base64,"},
        ]
    }
)
class ScreenshotField(serializers.Field):
    """A file part or a `data:` URL, checked by content; becomes a Screenshot."""

    def to_internal_value(self, data):
        return screenshot_check(screenshot_bytes_from(data))

    def to_representation(self, value):
        return None


class FeedbackSubmitSerializer(serializers.Serializer):
    """The body of POST /api/feedback (JSON or multipart), in the API's camelCase."""

    message = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, trim_whitespace=True)
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, default=FeedbackCategory.BUG
    )
    page = serializers.CharField(max_length=2048, required=False, allow_blank=True)
    userAgent = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    userId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    sessionId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    metadata = JsonObjectField(required=False, allow_null=True)
    screenshot = ScreenshotField(
        required=False,
        allow_null=True,
        help_text="PNG, JPEG or WebP, at most 5 MB and 8000 px a side: a file part or a data: URL.",
    )

    def to_internal_value(self, data):
        # Forms send an empty screenshot part when no file was chosen; that means "none".
        if hasattr(data, "get") and data.get("screenshot") in ("", None) and "screenshot" in data:
            data = {key: data.get(key) for key in data if key != "screenshot"}
        return super().to_internal_value(data)


class FeedbackSubmitResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    feedbackId = serializers.CharField()
    errorId = serializers.CharField(allow_null=True)
