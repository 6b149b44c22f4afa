"""Figure images made ready for a vision-language model: within a pixel budget, in a format the server reads.

Image decoding and resizing are CPU work: on the server they compete with the model for the API process
(published vLLM reports show GPUs at ~20% while that CPU is saturated), on the client they compete with
the requests. So the work done here is the least that is needed: a PNG or JPEG within the pixel budget is
sent as it is, only its header read (vLLM itself flattens transparency onto white and does the model's final
resize); a larger image is reduced to the budget once, here, so the server never decodes a huge one. Pillow
releases the GIL while it decodes, resizes and encodes, so a thread pool runs this beside the HTTP client.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math

from PIL import Image, UnidentifiedImageError

_PASSTHROUGH = {"PNG": "image/png", "JPEG": "image/jpeg"}


class UnreadableImage(ValueError):
    """The figure image cannot be decoded; the figure gets a `failed` record and no request is sent."""


@dataclasses.dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    resized: bool

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def prepare_image(data: bytes, max_pixels: int) -> PreparedImage:
    """The image as the model should get it: unchanged when it may be, else flattened, reduced, as JPEG."""
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        mime = _PASSTHROUGH.get(image.format or "")
        if mime and width * height <= max_pixels:
            return PreparedImage(data, mime, width, height, resized=False)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as error:
        raise UnreadableImage(f"image does not decode: {error}") from error
    flat = _flatten(image)
    if width * height > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
        target = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
        # Pillow's bilinear filter widens with the reduction, so it averages rather than skips pixels;
        # reducing_gap first takes cheap integer reductions of very large images.
        flat = flat.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    buffer = io.BytesIO()
    # JPEG at high quality without chroma subsampling keeps thin coloured lines and text legible and encodes
    # ~6x faster than PNG; this path only runs for images that had to be decoded anyway.
    flat.save(buffer, format="JPEG", quality=90, subsampling=0)
    return PreparedImage(
        buffer.getvalue(), "image/jpeg", flat.width, flat.height, resized=(flat.size != (width, height))
    )


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB (or grayscale), transparent areas on white, as vLLM flattens the images it is sent."""
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] == 255:  # an alpha channel that is opaque everywhere
            return rgba.convert("RGB")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")
