"""QR rendering: the one place that draws a QR code, for passes, cards and enrolment cards.

Every QR this service makes uses the same error correction and the four-module quiet zone
scanners need, so a pass printed on a card and a pass shown on a screen read the same.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def qr_image(data: str, *, box_size: int = 10) -> Image.Image:
    """A greyscale QR image that decodes to exactly ``data``."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    # optimize=0: one segment, so a pass code stays in alphanumeric mode as a whole.
    qr.add_data(data, optimize=0)
    qr.make(fit=True)
    image: Image.Image = qr.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L")


def qr_fitting(data: str, side: int) -> Image.Image:
    """The QR with the largest whole module size that fits in ``side`` pixels."""
    modules = qr_image(data, box_size=1).width
    return qr_image(data, box_size=max(side // modules, 1))


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """The QR as PNG bytes."""
    out = io.BytesIO()
    qr_image(data, box_size=box_size).save(out, format="PNG")
    return out.getvalue()
