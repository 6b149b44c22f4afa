"""Images made ready for the model: untouched when they fit, reduced and flattened when they must be."""

import io

import pytest
from PIL import Image

from s1mm_assets.lib.caption.images import UnreadableImage, prepare_image
from s1mm_assets.lib.settings import CaptionerSettings

BUDGET = CaptionerSettings().caption_image_max_pixels


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_png_within_the_budget_is_sent_byte_for_byte():
    data = _encoded(Image.new("RGB", (200, 100), "white"), "PNG")
    prepared = prepare_image(data, max_pixels=200 * 100)
    assert (prepared.data, prepared.mime, prepared.resized) == (data, "image/png", False)
    assert prepared.data_url().startswith("data:image/png;base64,")


def test_a_large_image_is_reduced_under_the_budget_keeping_its_aspect():
    data = _encoded(Image.new("RGB", (4000, 1000), "gray"), "PNG")
    prepared = prepare_image(data, max_pixels=100_000)
    decoded = Image.open(io.BytesIO(prepared.data))
    assert decoded.format == "JPEG" and prepared.resized
    assert decoded.width * decoded.height <= 100_000
    assert abs(decoded.width / decoded.height - 4.0) < 0.05


def test_a_reduced_transparent_image_is_flattened_onto_white_not_black():
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    prepared = prepare_image(_encoded(image, "PNG"), max_pixels=10_000)
    decoded = Image.open(io.BytesIO(prepared.data))
    assert decoded.mode == "RGB" and decoded.getpixel((25, 25)) == (255, 255, 255)


def test_a_transparent_png_within_the_budget_is_left_to_the_server_to_flatten():
    data = _encoded(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG")
    assert prepare_image(data, max_pixels=BUDGET).data == data


def test_other_formats_are_converted_for_the_server():
    prepared = prepare_image(_encoded(Image.new("RGB", (60, 40), "red"), "GIF"), max_pixels=BUDGET)
    assert prepared.mime == "image/jpeg" and Image.open(io.BytesIO(prepared.data)).format == "JPEG"


def test_bytes_that_are_not_an_image_raise_a_clear_error():
    with pytest.raises(UnreadableImage, match="does not decode"):
        prepare_image(b"<html>not found</html>", max_pixels=BUDGET)
