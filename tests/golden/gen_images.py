"""Writes the small image fixtures of tests/datasets/test_image_decoding.cpp with Pillow
(9.4, which decodes JPEG with the same libjpeg-turbo as janus): two JPEGs (RGB 8x4 without
chroma subsampling, grey 8x8), an RGB PNG (real deflate), and images.json with the pixels Pillow
decodes from each, row-major (H, W, C). Run with /usr/bin/python3 from the repository root."""
import io
import json
import os

import PIL
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
out = {"generator": "tests/golden/gen_images.py", "pillow_version": PIL.__version__, "images": {}}


def save(name, image, fmt, **kw):
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    data = buf.getvalue()
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
    back = Image.open(io.BytesIO(data))
    back.load()
    pixels = []
    for p in back.getdata():
        pixels.extend(p if isinstance(p, tuple) else (p,))
    out["images"][name] = {"width": back.width, "height": back.height, "channels": len(back.getbands()),
                           "pixels": pixels}


rgb = Image.new("RGB", (8, 4))
for y in range(4):
    for x in range(8):
        rgb.putpixel((x, y), (x * 30, y * 60, 200))
save("rgb_8x4.jpg", rgb, "JPEG", quality=95, subsampling=0)

grey = Image.new("L", (8, 8))
for y in range(8):
    for x in range(8):
        grey.putpixel((x, y), x * 16 + y * 8)
save("grey_8x8.jpg", grey, "JPEG", quality=90)

big = Image.new("RGB", (13, 11))
for y in range(11):
    for x in range(13):
        big.putpixel((x, y), ((7 * x + 3 * y) % 256, (11 * y) % 256, (x * y) % 256))
save("rgb_13x11.png", big, "PNG")

with open(os.path.join(here, "images.json"), "w") as f:
    json.dump(out, f)
