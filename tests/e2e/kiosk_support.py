"""The kiosk page as a visitor sees it, for the kiosk's browser tests."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible

SHAPES = {"portrait": {"width": 1080, "height": 1920}, "landscape": {"width": 1920, "height": 1080}}
MIN_TARGET_PX = 64
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
ROOT_CONFIG = ROOT / "config.toml"


class Kiosk:
    """The kiosk page, read the way a visitor sees it: only the shown step of the shown
    language counts."""

    def __init__(self, page: Page):
        self.page = page

    def on_screen(self, selector: str):
        return self.page.locator(f".kiosk-panel:not([hidden]) .step:not([hidden]) {selector}")

    def tap(self, selector: str) -> None:
        self.on_screen(selector).click()

    def language(self, code: str) -> None:
        self.page.locator(f"[data-set-lang={code}]").click()

    def expect_step(self, step: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("data-step", step)

    def fits_without_scrolling(self) -> None:
        size = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
            " innerWidth, innerHeight]"
        )
        assert size[0] <= size[2] and size[1] <= size[3], f"page {size[:2]} > screen {size[2:]}"

    def targets_are_large(self) -> None:
        small = []
        for target in self.page.locator("button").all():
            if not target.is_visible():
                continue
            box = target.bounding_box()
            if box["height"] < MIN_TARGET_PX or box["width"] < MIN_TARGET_PX:
                small.append(f"{target.inner_text()!r}: {box['width']}×{box['height']}")
        assert not small, small

    def check_screen(self, screenshot: str | None = None) -> None:
        """The step fits the screen, its targets are finger-sized, axe finds nothing; and,
        when named, its picture goes to docs/screenshots."""
        self.fits_without_scrolling()
        self.targets_are_large()
        assert_accessible(self.page)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"))


def open_kiosk(new_context, token: str, shape: str = "landscape", **options) -> Kiosk:
    page = new_context(viewport=SHAPES[shape], has_touch=True, **options).new_page()
    page.goto(f"/kiosk?token={token}")
    expect(page.locator("html")).to_have_attribute("data-kiosk", "ready")
    return Kiosk(page)
