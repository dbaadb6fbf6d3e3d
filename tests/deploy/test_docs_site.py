"""The documentation site builds strictly (a broken link or anchor, or a page
left out of the navigation, fails it), its pages stay short enough to read, and
the README stays a first page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
LONGEST_PAGE = 400
LONGEST_README = 200


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml names a Python function by a tag; the tests only read its nav."""


_ConfigLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix
)


def _nav_pages(entries: list[Any]) -> list[str]:
    pages: list[str] = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            pages += _nav_pages(value)
        else:
            pages.append(value)
    return pages


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    # given the documentation as it is
    # when MkDocs builds it in strict mode, warnings failing the build
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    # then it succeeds, with every page written
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "using" / "process" / "index.html").is_file()


def test_every_page_is_in_the_navigation() -> None:
    # given the navigation of mkdocs.yml and the pages in docs/
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_ConfigLoader)
    in_nav = set(_nav_pages(config["nav"]))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}

    # then each page is reachable, and each entry is a page
    assert pages - in_nav == set()
    assert in_nav - pages == set()


def test_no_page_is_longer_than_a_reader_reads_at_once() -> None:
    # given every page of the site
    lengths = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in DOCS.rglob("*.md")
    }

    # then none is over the limit
    assert {page: n for page, n in lengths.items() if n > LONGEST_PAGE} == {}


def test_the_readme_is_a_first_page_that_starts_with_the_two_commands() -> None:
    # given the README
    readme = (ROOT / "README.md").read_text()

    # when its first commands are read (the first code block)
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]

    # then it is short, and `make run` and `make test` come first
    assert len(readme.splitlines()) <= LONGEST_README
    assert commands[:2] == ["make run", "make test"]


def test_the_readme_cites_no_page_outside_the_repository() -> None:
    # given the README and every page
    texts = [(ROOT / "README.md").read_text(), *(p.read_text() for p in DOCS.rglob("*.md"))]

    # then none names the design notes that live outside the repository
    assert not [t for t in texts if "PROCESS.md" in t or "ARCHITECTURE.md" in t]


def test_every_link_of_the_readme_reaches_a_file_of_the_repository() -> None:
    # given the README's relative links (the site's build checks the site's own)
    readme = (ROOT / "README.md").read_text()
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", readme) if "://" not in t]

    # then each names a file or folder that exists
    assert targets
    assert [t for t in targets if not (ROOT / t).exists()] == []


# Dotted names in the docs that are logger names, not modules: operators filter on them.
LOGGER_NAMES = {"ec_notifier.operations_log", "ec_notifier.suspensions"}
PACKAGES = {
    folder.name: folder
    for folder in [*ROOT.glob("*/*/src/ec_*"), *ROOT.glob("*/src/ec_*")]
    if folder.is_dir()
}
DOTTED = re.compile(r"\b(ec_[a-z]+(?:\.[A-Za-z_]\w*)+)")
SOURCE_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+[\w-]+\.(?:py|yaml))\b")


def _readers_pages() -> list[Path]:
    return [
        *DOCS.rglob("*.md"),
        ROOT / "README.md",
        *ROOT.glob("services/*/README.md"),
        *ROOT.glob("shared/*/README.md"),
    ]


def _module_named(dotted: str) -> bool:
    """A module or package, or a name defined in one (`module.function`)."""
    first, *rest = dotted.split(".")
    if first not in PACKAGES:
        return True  # another project's name
    for depth in range(len(rest), 0, -1):
        place = PACKAGES[first].joinpath(*rest[:depth])
        if place.with_suffix(".py").is_file() or (place / "__init__.py").is_file():
            return depth >= len(rest) - 1
    return False


def _file_named(page: Path, path: str) -> bool:
    bases = [page.parent, ROOT, *PACKAGES.values(), *(p.parent.parent for p in PACKAGES.values())]
    return any((base / path).is_file() for base in bases)


def test_every_module_and_source_file_the_docs_name_exists() -> None:
    # given every page a reader opens
    # when the modules (ec_x.y) and source paths (a/b.py) they name are looked up
    missing = {
        f"{page.relative_to(ROOT)}: {name}"
        for page in _readers_pages()
        for name in {
            *(m for m in DOTTED.findall(page.read_text()) if m not in LOGGER_NAMES),
            *SOURCE_PATH.findall(page.read_text()),
        }
        if not (_module_named(name) if name.startswith("ec_") else _file_named(page, name))
    }

    # then each is where the page says
    assert not missing, sorted(missing)
