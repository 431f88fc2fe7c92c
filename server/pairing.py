"""QR images, drawn by the ``qrcode`` library as SVG (crisp on any screen or printer)."""

import io


def qr_svg(text: str) -> str:
    """An SVG document of a QR code for ``text``, with medium error correction."""
    import qrcode
    import qrcode.image.svg

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(text)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
