"""Reporters' photos and screenshots, made safe to show: decoded, stripped, re-encoded.

An uploaded file is hostile like a reported email: a decompression bomb, a
polyglot that a browser would sniff as HTML, metadata with the reporter's GPS
position or device serial. The console therefore never serves the uploaded
bytes as an image. It serves a new image made from the decoded pixels only:

* only the formats listed below are decoded, and a picture larger than
  `MAX_PIXELS` is refused from its header, before any pixel is decoded;
* the orientation tag is applied, then every tag, profile and comment is left
  behind, because the new image is built from pixel data alone;
* the result is PNG (screenshots stay sharp) or, when that would be larger
  than `MAX_BYTES`, JPEG at falling quality, and never larger than `MAX_BYTES`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from watchword import errors

# What phones and screenshot tools write; nothing else is decoded (no SVG, no PDF, no TIFF).
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
MAX_PIXELS = 40_000_000  # a 48 MP phone camera bins to 12 MP; 40 MP decodes in about a second
THUMB_SIDE = 320
FULL_SIDE = 2000
MAX_BYTES = 1_500_000


class NotAnImage(errors.Invalid):
    """The file is not a picture the console shows; it can still be downloaded with a warning."""


@dataclass(frozen=True, slots=True)
class SafeImage:
    data: bytes
    media_type: str  # image/png | image/jpeg
    width: int
    height: int


def reencode(data: bytes, max_side: int) -> SafeImage:
    """A new image of at most `max_side` pixels a side from `data`'s pixels, with no metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = source.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise NotAnImage(f"The picture is too large to show ({width} × {height} pixels).")
            if source.format == "JPEG":
                source.draft("RGB", (max_side, max_side))  # decode at a reduced scale: less time and memory
            source.seek(0)  # the first frame of an animation
            source.load()
            upright = ImageOps.exif_transpose(source)
    except NotAnImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage("This file is not a picture the console can show.") from exc
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # Built from the pixel data alone: no EXIF, XMP, ICC profile, text chunk or comment survives.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=False)
    if out.tell() <= MAX_BYTES:
        return SafeImage(out.getvalue(), "image/png", *clean.size)
    flat = clean.convert("RGB")
    for quality in (85, 70, 55, 40):
        out = io.BytesIO()
        flat.save(out, format="JPEG", quality=quality)
        if out.tell() <= MAX_BYTES:
            return SafeImage(out.getvalue(), "image/jpeg", *flat.size)
        flat.thumbnail((flat.width * 3 // 4, flat.height * 3 // 4), Image.Resampling.LANCZOS)
    raise NotAnImage("The picture cannot be made small enough to show.")  # pragma: no cover - 40 q on ~800 px
