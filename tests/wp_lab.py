"""The real WordPress of the tests: started by ``scripts/wordpress-server.sh``, described here.

The session fixture ``wp_lab`` (tests/conftest.py) uses :func:`acquire_lab` and :func:`release_lab`:

* the lab has its own directory, port and config name, so it never collides with a user's ``make wordpress``;
* several pytest sessions may share it (engineers run suites in parallel on one machine): each session holds
  a lease file while it runs, and the server is stopped when the last lease goes, and only when a pytest
  session started it (a server somebody started by hand is left alone);
* when the script cannot install the Debian packages (exit code 10) the lab is *unavailable*: the fixture
  skips, except under ``CI=true`` where it fails (see :func:`unavailable_outcome`);
* there is one lab per WordPress version the tests cover (:data:`WP_VERSIONS`): 6.1 (Debian 12's package) and
  6.8 (the current line, Debian 13's package cached by the script), each with its own folder, port and config
  name, so both run at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

import pytest
import requests

from digest_publisher.errors import DigestError

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "wordpress-server.sh"

#: The script's exit codes (see its header).
EXIT_NOT_RUNNING = 3
EXIT_NO_PACKAGES = 10

#: The WordPress versions the tests cover, oldest first; the last one is the current release line.
WP_VERSIONS = ("6.1", "6.8")
CURRENT_WP_VERSION = WP_VERSIONS[-1]

#: The 6.1 test lab: its own folder, port and /etc/wordpress config name (``make wordpress``: /tmp/dp-wp-6.8
#: on 18068). The 6.8 lab derives its own from these (:meth:`LabConfig.for_tests`).
TEST_LAB_DIR = Path("/tmp/dp-wp-test")
TEST_PORT = 18181
TEST_CONF_NAME = "dpwptest"
#: How the 6.8 lab's port differs from the 6.1 lab's.
_PORT_OFFSET_68 = 1000

PermalinkMode = Literal["plain", "pretty", "index"]

# Starting from nothing includes apt-get on a fresh machine (about 35 s measured); leave plenty of room.
_SCRIPT_TIMEOUT_S = 900.0


class LabError(DigestError):
    """The test WordPress could not be started, stopped or reconfigured."""


class LabUnavailable(LabError):
    """The Debian packages are missing and the machine cannot install them (the script's exit code 10)."""


@dataclass(frozen=True)
class WPUser:
    """A WordPress user of the lab. ``password`` is the login password, ``app_password`` the Application
    Password (24 characters without the display spaces; WordPress accepts both forms)."""

    username: str
    password: str
    app_password: str
    id: int


@dataclass(frozen=True)
class LabConfig:
    """Where a lab lives and which WordPress it runs: what the script reads from WP_LAB_DIR, WP_PORT,
    WP_CONF_NAME and WP_VERSION."""

    lab_dir: Path = TEST_LAB_DIR
    port: int = TEST_PORT
    conf_name: str = TEST_CONF_NAME
    script: Path = SCRIPT
    wp_version: str = "6.1"
    #: Extra environment for the script (tests of the fixture itself use it to hide apt-get).
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_tests(cls, environ: Mapping[str, str], wp_version: str = "6.1") -> LabConfig:
        """The session lab of one WordPress version.

        6.1: /tmp/dp-wp-test on 18181 (config dpwptest), unless DP_WP_TEST_LAB_DIR / DP_WP_TEST_PORT /
        DP_WP_TEST_CONF_NAME ask for a private one (several people running suites at once on one machine
        otherwise share a site whose permalinks and mu-plugins some tests change for a moment).
        6.8: derived from those, so that both labs run side by side: the folder with ``-6.8`` appended,
        the port plus 1000, the config name with ``68`` appended (/tmp/dp-wp-test-6.8 on 19181, dpwptest68).
        """
        if wp_version not in WP_VERSIONS:
            raise ValueError(f"no test lab for WordPress {wp_version!r}; the tests cover {', '.join(WP_VERSIONS)}")
        lab_dir = Path(environ.get("DP_WP_TEST_LAB_DIR", str(TEST_LAB_DIR)))
        port = int(environ.get("DP_WP_TEST_PORT", str(TEST_PORT)))
        conf_name = environ.get("DP_WP_TEST_CONF_NAME", TEST_CONF_NAME)
        if wp_version == "6.8":
            lab_dir, port, conf_name = Path(f"{lab_dir}-6.8"), port + _PORT_OFFSET_68, f"{conf_name}68"
        return cls(lab_dir=lab_dir, port=port, conf_name=conf_name, wp_version=wp_version)

    def sibling(self, suffix: str, port_offset: int) -> LabConfig:
        """Another lab of the same version beside this one (its own folder, port and config name)."""
        return LabConfig(
            lab_dir=Path(f"{self.lab_dir}-{suffix}"),
            port=self.port + port_offset,
            conf_name=f"{self.conf_name}{suffix}",
            script=self.script,
            wp_version=self.wp_version,
            extra_env=self.extra_env,
        )

    def script_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WP_LAB_DIR": str(self.lab_dir),
            "WP_PORT": str(self.port),
            "WP_CONF_NAME": self.conf_name,
            "WP_VERSION": self.wp_version,
            **self.extra_env,
        }


def versions_under_test(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The WordPress versions this session tests: all of :data:`WP_VERSIONS`, or the comma-separated subset
    in ``DP_WP_TEST_VERSIONS`` (e.g. ``6.8`` while iterating on one version)."""
    chosen = environ.get("DP_WP_TEST_VERSIONS", "").strip()
    if not chosen:
        return WP_VERSIONS
    wanted = tuple(part.strip() for part in chosen.split(",") if part.strip())
    unknown = [version for version in wanted if version not in WP_VERSIONS]
    if unknown or not wanted:
        raise ValueError(
            f"DP_WP_TEST_VERSIONS={chosen!r} names {', '.join(unknown) or 'nothing'}; "
            f"choose among {', '.join(WP_VERSIONS)}"
        )
    return tuple(version for version in WP_VERSIONS if version in wanted)


def run_script(config: LabConfig, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the lab script with the lab's environment; never raises on a non-zero exit."""
    return subprocess.run(
        ["bash", str(config.script), *args],
        env=config.script_env(),
        capture_output=True,
        text=True,
        timeout=_SCRIPT_TIMEOUT_S,
        check=False,
    )


@dataclass(frozen=True)
class WordPressLab:
    """A running test WordPress: site URL (no trailing slash), REST root (``…/wp-json/``), its two users,
    its release line (``wp_version``, "6.1" or "6.8": what the renderer targets) and exact version
    (``wp_release``, e.g. "6.8.12")."""

    url: str
    rest: str
    admin: WPUser
    author: WPUser
    lab_dir: Path
    script: Path
    conf_name: str = TEST_CONF_NAME
    wp_version: str = "6.1"
    wp_release: str = ""

    @property
    def config(self) -> LabConfig:
        port = int(self.url.rsplit(":", 1)[1])
        return LabConfig(
            lab_dir=self.lab_dir, port=port, conf_name=self.conf_name, script=self.script, wp_version=self.wp_version
        )

    def run_script(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_script(self.config, *args)

    def set_permalinks(self, mode: PermalinkMode) -> None:
        """Switch the permalink structure: plain (''), pretty (/%postname%/) or
        index (/index.php/%year%/%monthnum%/%day%/%postname%/). The caller restores "pretty"
        (the ``wp_permalinks`` fixture and :meth:`permalinks` do)."""
        done = self.run_script("permalinks", mode)
        if done.returncode != 0:
            raise LabError(
                f"{self.script} permalinks {mode} exited with {done.returncode}: {done.stderr.strip()}",
                f"see the logs in {self.lab_dir / 'logs'}",
            )

    @contextlib.contextmanager
    def permalinks(self, mode: PermalinkMode) -> Iterator[None]:
        """Use another permalink structure inside a ``with`` block, then restore "pretty"."""
        self.set_permalinks(mode)
        try:
            yield
        finally:
            self.set_permalinks("pretty")

    def session(self, user: WPUser) -> requests.Session:
        """A ``requests.Session`` authenticated as ``user`` with HTTP Basic and the Application Password."""
        session = requests.Session()
        session.auth = (user.username, user.app_password)
        return session


def read_lab(config: LabConfig) -> WordPressLab:
    """The lab described by the script's ``credentials.json``."""
    path = config.lab_dir / "credentials.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = {
            login: WPUser(
                username=login,
                password=str(entry["password"]),
                app_password=str(entry["app_password"]),
                id=int(entry["id"]),
            )
            for login, entry in data["users"].items()
        }
        return WordPressLab(
            url=str(data["url"]).rstrip("/"),
            rest=str(data["rest"]),
            admin=users["admin"],
            author=users["author1"],
            lab_dir=config.lab_dir,
            script=config.script,
            conf_name=config.conf_name,
            wp_version=config.wp_version,
            wp_release=str(data.get("wp_version", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabError(
            f"{path} is missing or malformed ({type(exc).__name__}: {exc})",
            f"run `{config.script} reset` with WP_LAB_DIR={config.lab_dir}, then start again",
        ) from exc


def start_lab(config: LabConfig) -> WordPressLab:
    """Start the lab (or find it running) and describe it; raises :class:`LabUnavailable` when the
    packages cannot be installed, :class:`LabError` for any other failure."""
    done = run_script(config, "start")
    if done.returncode == EXIT_NO_PACKAGES:
        raise LabUnavailable(
            f"WordPress test server unavailable: {_last_lines(done.stderr)}",
            "install the Debian packages named above as root, or run the script once to see why it failed",
        )
    if done.returncode != 0:
        raise LabError(
            f"`{config.script} start` (WP_VERSION={config.wp_version}, WP_LAB_DIR={config.lab_dir}, "
            f"WP_PORT={config.port}) exited with "
            f"{done.returncode}: {_last_lines(done.stderr)}",
            f"see the logs in {config.lab_dir / 'logs'}",
        )
    return read_lab(config)


def is_running(config: LabConfig) -> bool:
    return run_script(config, "status").returncode == 0


def ci_requires_wordpress(environ: Mapping[str, str]) -> bool:
    """Under CI (``CI=true``, as GitHub Actions, GitLab and most runners set it) WordPress is mandatory."""
    return environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable_outcome(error: LabUnavailable, environ: Mapping[str, str]) -> NoReturn:
    """Skip the test with the reason, or fail it under CI: there a missing WordPress is a broken machine."""
    if ci_requires_wordpress(environ):
        pytest.fail(f"{error} (CI=true: WordPress tests must run, so this is a failure, not a skip)")
    pytest.skip(str(error))


# ---------------------------------------------------------------- sharing one lab between sessions


@dataclass(frozen=True)
class Lease:
    """This session's hold on the lab, released by :func:`release_lab`."""

    config: LabConfig
    path: Path


def _leases_dir(config: LabConfig) -> Path:
    return config.lab_dir / "pytest-leases"


def _owner_marker(config: LabConfig) -> Path:
    # Present while the running server was started by a pytest session (not by a person).
    return config.lab_dir / "started-by-pytest"


@contextlib.contextmanager
def _lab_lock(config: LabConfig) -> Iterator[None]:
    config.lab_dir.mkdir(parents=True, exist_ok=True)
    with (config.lab_dir / ".pytest.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    """Alive and not a zombie (PID 1 of a container may reap late)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def acquire_lab(config: LabConfig) -> tuple[WordPressLab, Lease]:
    """Start the lab if needed and take a lease on it for this process."""
    with _lab_lock(config):
        already_running = is_running(config)
        lab = start_lab(config)
        if not already_running:
            _owner_marker(config).write_text(str(os.getpid()), encoding="ascii")
        leases = _leases_dir(config)
        leases.mkdir(exist_ok=True)
        lease = leases / str(os.getpid())
        lease.write_text(str(os.getpid()), encoding="ascii")
        return lab, Lease(config=config, path=lease)


def release_lab(lease: Lease) -> bool:
    """Drop the lease; stop the server when no live session holds one and a pytest session started it.
    Returns True when it stopped the server."""
    config = lease.config
    with _lab_lock(config):
        lease.path.unlink(missing_ok=True)
        others = [p for p in _leases_dir(config).glob("*") if p.name.isdigit() and _pid_alive(int(p.name))]
        if others or not _owner_marker(config).exists():
            return False
        done = run_script(config, "stop")
        if done.returncode != 0:
            raise LabError(
                f"`{config.script} stop` (WP_LAB_DIR={config.lab_dir}) exited with {done.returncode}: "
                f"{_last_lines(done.stderr)}",
                "stop the processes named in the status output by hand",
            )
        _owner_marker(config).unlink(missing_ok=True)
        for stale in _leases_dir(config).glob("*"):
            stale.unlink(missing_ok=True)
        return True


def _last_lines(text: str, count: int = 6) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:]) if lines else "(no output)"
