"""Draw the FlagDesk icon (a flag planted on a desk) as SVG, PNG and multi-size ICO.

One list of shapes feeds both the SVG and the Pillow raster, so the three files always agree.
Run it after changing a shape and commit resources/icons/flagdesk.{svg,png,ico}:

    .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
GRID = 256
NAVY, WHITE, ORANGE = "#1F4E79", "#FFFFFF", "#F28C28"
CORNER = 44
# (fill, points) on a 256-unit grid.
SHAPES = (
    (WHITE, ((40, 194), (216, 194), (216, 214), (40, 214))),  # the desk
    (WHITE, ((74, 40), (94, 40), (94, 194), (74, 194))),  # the pole
    (ORANGE, ((94, 48), (204, 48), (176, 88), (204, 128), (94, 128))),  # the swallow-tailed flag
)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def svg() -> str:
    polys = "\n".join(
        f'  <polygon fill="{fill}" points="{" ".join(f"{x},{y}" for x, y in pts)}"/>' for fill, pts in SHAPES
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}" width="{GRID}" height="{GRID}">\n'
        f"  <title>FlagDesk</title>\n"
        f'  <rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{NAVY}"/>\n{polys}\n</svg>\n'
    )


def raster(size: int) -> Image.Image:
    """Drawn four times larger, then reduced: smooth edges without an SVG renderer."""
    scale = size * 4 / GRID
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    draw.rounded_rectangle((0, 0, size * 4 - 1, size * 4 - 1), radius=CORNER * scale, fill=NAVY)
    for fill, pts in SHAPES:
        draw.polygon([(x * scale, y * scale) for x, y in pts], fill=fill)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    (ICONS_DIR / "flagdesk.svg").write_text(svg(), encoding="utf-8")
    raster(256).save(ICONS_DIR / "flagdesk.png", optimize=True)
    # Each ICO size drawn at its own resolution, so 16 px is as crisp as 256 px.
    images = [raster(s) for s in ICO_SIZES]
    images[-1].save(ICONS_DIR / "flagdesk.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1])
    print(f"wrote {ICONS_DIR}/flagdesk.svg, .png, .ico ({', '.join(map(str, ICO_SIZES))} px)")


if __name__ == "__main__":
    main()
