"""The README stays a newcomer's page, and the manual in docs/ builds strictly (a broken link fails)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def mkdocs() -> str:
    """The mkdocs installed beside this Python (the `docs` extra); skipped without it, except in CI."""
    found = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed; CI installs it: pip install -e '.[test,docs]'")
        pytest.skip("mkdocs is not installed here (pip install -e '.[docs]'); CI builds the manual")
    return found


def build(site: Path, project: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [mkdocs(), "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )


def test_the_manual_builds_strictly(tmp_path):
    result = build(tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "time-travel" / "index.html").is_file()


def test_a_broken_link_or_a_page_left_out_of_the_nav_fails_the_build(tmp_path):
    for broken in ("[gone](no-such-page.md)", None):
        project = tmp_path / ("link" if broken else "nav")
        shutil.copytree(ROOT / "docs", project / "docs")
        shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
        if broken:
            with (project / "docs" / "using.md").open("a") as page:
                page.write(f"\nSee {broken}.\n")
        else:
            (project / "docs" / "stray.md").write_text("# Not in the nav\n")
        result = build(project / "site", project)
        assert result.returncode != 0, f"{project.name}: built anyway\n{result.stdout}{result.stderr}"


def test_the_readme_is_short_and_links_only_to_pages_that_exist():
    text = README.read_text()
    assert len(text.encode()) <= 8 * 1024
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert len(links) >= 8
    for link in links:
        assert (ROOT / link).is_file(), link


def test_the_readme_test_command_is_the_one_ci_runs():
    commands = re.findall(r"```sh\n(.+?)\n```", README.read_text())
    test_command = next(command for command in commands if "pytest" in command)
    assert "'.[test,docs]'" in test_command  # the manual builds in the suite
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_mutation_script_writes_its_figures_into_the_table(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation", ROOT / "benchmarks" / "mutation.py")
    assert spec is not None and spec.loader is not None
    mutation = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "mutation", mutation)  # its dataclasses look their module up
    spec.loader.exec_module(mutation)
    page = tmp_path / "testing.md"
    page.write_text(
        f"# Testing\n\n{mutation.TABLE_START}\n{mutation.TABLE_HEAD}\n"
        "| `core/data.py` | 9 | 9 | 0 | 0 | 0 | 0/9 = 0.0 % | 2026-01-01 |\n"
        f"{mutation.TABLE_END}\n\nAfter.\n"
    )
    tally = mutation.Tally()
    fake = mutation.Mutant("nanoneuron_tui/core/trainer.py", 0, 1, 1, "`1` → `2`", lambda tree, node: None, "")
    for outcome in ("killed", "killed", "timeout", "survived"):
        tally.add(fake, outcome)
    mutation.write_docs(tally, page)
    text = page.read_text()
    assert "| `core/data.py` | 9 | 9 | 0 | 0 | 0 | 0/9 = 0.0 % | 2026-01-01 |" in text  # kept as measured
    assert "| `core/trainer.py` | 4 | 2 | 1 | 1 | 0 | 1/4 = 25.0 % |" in text
    assert text.index("core/trainer.py") < text.index("core/data.py")  # in the script's order of files
    assert text.endswith(f"{mutation.TABLE_END}\n\nAfter.\n")
    assert "mutation table" in (ROOT / "docs" / "testing.md").read_text()
