"""The screens in the README and the manual are the app's own: rendered by docs/screens.py, checked here."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_screens():
    spec = importlib.util.spec_from_file_location("screens", ROOT / "docs" / "screens.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


screens = load_screens()


@pytest.mark.unit
def test_every_page_names_only_screens_that_exist_and_the_readme_shows_some():
    named = {page.name: screens.names_on(page) for page in screens.PAGES}
    assert named["README.md"], "the README shows at least one screen of the app"
    for page, names in named.items():
        assert set(names) <= screens.SCREENS.keys(), page


@pytest.mark.unit
def test_a_page_is_written_with_each_screen_in_its_own_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("a\n<!-- screen: one -->\n```text\nold\n```\nb\n<!-- screen: two -->\n```text\n```\n")
    assert screens.names_on(page) == ["one", "two"]
    assert screens.written(page, {"one": "1\n", "two": "2\n"}) == (
        "a\n<!-- screen: one -->\n```text\n1\n```\nb\n<!-- screen: two -->\n```text\n2\n```\n"
    )


@pytest.mark.app
def test_the_pages_show_the_screens_the_app_draws_today():
    named = sorted({name for page in screens.PAGES for name in screens.names_on(page)})
    rendered = screens.render_all(named)
    for page in screens.PAGES:
        assert screens.written(page, rendered) == page.read_text(encoding="utf-8"), (
            f"{page.name} shows screens the app no longer draws: run python docs/screens.py and look at them"
        )
