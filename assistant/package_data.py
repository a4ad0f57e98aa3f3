"""Data files shipped inside the packages: the one way library code finds and checks them.

Design: every data file the code reads (prompt templates, the question-centering constants, the judge's fitted
bars, the calibration labels, the eval baseline, the sample corpus) lives inside a package folder and ships in the
wheel as package data (``[tool.setuptools.package-data]`` in pyproject.toml). Code names a file by package and
relative path (``data_file("eval.calibration", "bars.json")``) and gets the path through
:func:`importlib.resources.files`, so a checkout, an editable install and a regular ``pip install .`` read the same
file next to the module. tests/test_wheel.py checks that a built wheel holds every data file of the package
folders and that a package installed from it reads them.

A file that is not there is an install problem, never a reason to carry on with a default: :func:`data_file`
raises :class:`MissingDataFile` naming the file and where it was looked for, and saying the install is
incomplete and how to repair it. A judge that silently fell back to a default bar gave other eval figures than
the checkout; failing loudly makes that impossible.

Limits: the packages must be installed as folders on disk (a wheel installed by pip, a checkout, an editable
install); a package imported from a zip archive has no file paths and is refused with the same error.
:func:`data_path` gives the location without checking it, for the few maintainer commands that write a file
there (``python -m eval.calibration --fit``, ``python -m eval.reports.baseline --write``).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from assistant.errors import AssistantError

DISTRIBUTION = "news-qa-assistant"


class MissingDataFile(AssistantError):
    """A data file that should have been installed with the package is not there (the install's fault)."""


def package_dir(package: str) -> Path:
    """The folder of ``package`` on disk (imports it); :class:`MissingDataFile` when it has none (a zip import)."""
    root = importlib.resources.files(package)
    if not isinstance(root, Path):
        raise MissingDataFile(
            f"package {package!r} is imported from {root!r}, not from a folder on disk, so its data files cannot be "
            f"read; install {DISTRIBUTION} with pip (as a wheel or from the checkout), not as a zip archive"
        )
    return root


def data_path(package: str, relative: str) -> Path:
    """Where ``relative`` (``/``-separated) inside ``package`` lives; not checked (for writers)."""
    return package_dir(package).joinpath(*relative.split("/"))


def data_file(package: str, relative: str) -> Path:
    """The path of the shipped data file ``relative`` inside ``package``; :class:`MissingDataFile` when it is not
    there."""
    path = data_path(package, relative)
    if not path.exists():
        shown = package.replace(".", "/") + "/" + relative
        raise MissingDataFile(
            f"{shown} is missing: looked for it at {path}. The installed {DISTRIBUTION} package is incomplete (its "
            f"data files were not shipped with it); this is an installation fault, not a setting. Reinstall from a "
            f"wheel built from the repository (pip install --force-reinstall .), or use an editable install from "
            f"the checkout (pip install -e .)"
        )
    return path
