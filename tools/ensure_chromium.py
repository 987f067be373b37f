"""Make sure the browser tests have a Chromium: ``make test`` runs this first.

    .venv/bin/python tools/ensure_chromium.py

- ``GLOSSARY_CHROMIUM``, or ``chromium`` on ``PATH``: found, nothing to do;
- otherwise, as root on Debian: installs Debian's ``chromium`` (and a CJK font,
  so the Chinese names render) with apt-get;
- anywhere else: one line saying what to install, and exit status 1. The browser
  tests are never skipped for want of a browser.

Playwright's own browser download is not used: CI has no network but the
package registries.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glossary_site import settings  # noqa: E402

PACKAGES = ["chromium", "fonts-noto-cjk"]


def debian_root() -> bool:
    """Root on Debian itself, with apt-get: where installing is this script's business.

    (Not on Ubuntu: its chromium package is a stub that installs a snap, which a
    container cannot run.)
    """
    try:
        distribution = platform.freedesktop_os_release().get("ID")
    except OSError:
        return False
    return os.geteuid() == 0 and distribution == "debian" and shutil.which("apt-get") is not None


def main() -> int:
    try:
        settings.chromium()
        return 0
    except settings.SettingError as missing:
        # A GLOSSARY_CHROMIUM that points nowhere is a mistake to report, not a
        # reason to install another browser.
        if os.environ.get("GLOSSARY_CHROMIUM") or not debian_root():
            print(f"make test: {missing}", file=sys.stderr)
            return 1
    print(f"make test: no Chromium found; installing Debian's {' '.join(PACKAGES)}",
          file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]):
        status = subprocess.run(command, env=env).returncode
        if status:  # apt-get has said why
            print(f"make test: {' '.join(command[:2])} failed (exit status {status})",
                  file=sys.stderr)
            return 1
    try:
        settings.chromium()
    except settings.SettingError as missing:
        print(f"make test: installed {PACKAGES[0]}, but still {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
