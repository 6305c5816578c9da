"""The README documents every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text() + (
        ROOT / "config" / "env.py"
    ).read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    return names


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", readme))
    names = variables_read_by_settings()
    assert len(names) > 20
    assert names - documented == set()
