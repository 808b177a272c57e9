"""The test WordPress itself: its users and Application Passwords, post create/delete, the script's commands,
and the fixture's skip-or-fail rule when the packages cannot be installed."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from dotenv import dotenv_values

from tests.wp_lab import (
    EXIT_NO_PACKAGES,
    EXIT_NOT_RUNNING,
    LabConfig,
    LabError,
    LabUnavailable,
    PermalinkMode,
    WordPressLab,
    WPUser,
    read_lab,
    run_script,
    start_lab,
    unavailable_outcome,
    versions_under_test,
)

TIMEOUT = 20.0
SessionFactory = Callable[[WPUser], requests.Session]


def _users_me(session: requests.Session, rest: str) -> requests.Response:
    return session.get(f"{rest}wp/v2/users/me", params={"context": "edit"}, timeout=TIMEOUT)


def _comm(pid: int) -> str | None:
    """The program name of a live (non-zombie) process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return None
    return Path(f"/proc/{pid}/comm").read_text(encoding="ascii").strip()


def _status(lab_config: LabConfig) -> tuple[int, dict[str, object]]:
    done = run_script(lab_config, "status")
    return done.returncode, json.loads(done.stdout)


# ---------------------------------------------------------------- users and credentials


@pytest.mark.wordpress
@pytest.mark.parametrize(("who", "role"), [("admin", "administrator"), ("author", "author")])
def test_application_password_authenticates_with_the_right_role(
    wp_lab: WordPressLab, wp_session: SessionFactory, who: str, role: str
) -> None:
    user = wp_lab.admin if who == "admin" else wp_lab.author
    response = _users_me(wp_session(user), wp_lab.rest)
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["id"] == user.id
    assert me["username"] == user.username
    assert role in me["roles"]
    # The two users really differ: only the administrator may manage options.
    assert me["capabilities"].get("manage_options", False) is (who == "admin")


@pytest.mark.wordpress
@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda user: "abcd efgh ijkl mnop qrst uvwx", id="made-up-app-password"),
        pytest.param(lambda user: user.password, id="login-password-over-basic"),
        pytest.param(lambda user: user.app_password[:-1] + "0", id="one-character-off"),
    ],
)
def test_wrong_password_is_refused_with_rest_not_logged_in(
    wp_lab: WordPressLab, wrong: Callable[[WPUser], str]
) -> None:
    user = wp_lab.author
    with requests.Session() as session:
        session.auth = (user.username, wrong(user))
        response = _users_me(session, wp_lab.rest)
    assert response.status_code == 401
    assert response.json()["code"] == "rest_not_logged_in"


@pytest.mark.wordpress
@pytest.mark.parametrize("who", ["admin", "author"])
def test_draft_post_is_created_and_deleted(wp_lab: WordPressLab, wp_session: SessionFactory, who: str) -> None:
    user = wp_lab.admin if who == "admin" else wp_lab.author
    session = wp_session(user)
    title = f"Lab draft {uuid.uuid4().hex[:8]} — Sarı, 中文, $\\alpha$"
    created = session.post(
        f"{wp_lab.rest}wp/v2/posts",
        json={"title": title, "content": "<p>Draft body.</p>", "status": "draft"},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    post = created.json()
    post_id = post["id"]
    try:
        assert post["status"] == "draft"
        assert post["author"] == user.id
        assert post["title"]["raw"] == title

        fetched = session.get(f"{wp_lab.rest}wp/v2/posts/{post_id}", params={"context": "edit"}, timeout=TIMEOUT)
        assert fetched.status_code == 200
        assert fetched.json()["title"]["raw"] == title
        # A draft is not public.
        anonymous = requests.get(f"{wp_lab.rest}wp/v2/posts/{post_id}", timeout=TIMEOUT)
        assert anonymous.status_code == 401
    finally:
        deleted = session.delete(f"{wp_lab.rest}wp/v2/posts/{post_id}", params={"force": "true"}, timeout=TIMEOUT)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"] is True
    assert deleted.json()["previous"]["id"] == post_id

    gone = session.get(f"{wp_lab.rest}wp/v2/posts/{post_id}", params={"context": "edit"}, timeout=TIMEOUT)
    assert gone.status_code == 404
    assert gone.json()["code"] == "rest_post_invalid_id"


# ---------------------------------------------------------------- the script's commands


@pytest.mark.wordpress
def test_env_prints_three_dotenv_lines_that_work(wp_lab: WordPressLab, wp_session: SessionFactory) -> None:
    done = wp_lab.run_script("env")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "WORDPRESS_URL",
        "WORDPRESS_USERNAME",
        "WORDPRESS_APP_PASSWORD",
    ]
    assert lines[0] == f"WORDPRESS_URL={wp_lab.url}" == f"WORDPRESS_URL=http://127.0.0.1:{wp_lab.config.port}"
    assert lines[1] == "WORDPRESS_USERNAME=admin"

    # The parser the CLI uses for .env reads the same values.
    values = dotenv_values(stream=io.StringIO(done.stdout))
    url, username, password = (
        values["WORDPRESS_URL"],
        values["WORDPRESS_USERNAME"],
        values["WORDPRESS_APP_PASSWORD"],
    )
    assert url is not None and username is not None and password is not None
    assert password == wp_lab.admin.app_password
    with requests.Session() as session:
        session.auth = (username, password)
        response = session.get(f"{url}/wp-json/wp/v2/users/me", params={"context": "edit"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert "administrator" in response.json()["roles"]
    # Secrets belong on stdout of `env` only, never in the log lines.
    assert password not in done.stderr


@pytest.mark.wordpress
def test_status_reports_the_running_processes(wp_lab: WordPressLab) -> None:
    code, status = _status(wp_lab.config)
    assert code == 0
    assert status["state"] == "running"
    assert status["url"] == wp_lab.url
    assert status["lab_dir"] == str(wp_lab.lab_dir)
    # The exact version of the tree the lab serves, the same one WordPress installed with.
    assert str(status["wp_version"]).startswith(wp_lab.wp_version + ".")
    assert status["wp_version"] == wp_lab.wp_release
    db_pid, php_pgid = status["mariadbd_pid"], status["php_pgid"]
    assert isinstance(db_pid, int) and isinstance(php_pgid, int)
    assert _comm(db_pid) == "mariadbd"
    assert _comm(php_pgid) == "php"


@pytest.mark.wordpress
def test_start_twice_changes_nothing(wp_lab: WordPressLab, wp_session: SessionFactory) -> None:
    _, before = _status(wp_lab.config)
    credentials_before = (wp_lab.lab_dir / "credentials.json").read_text(encoding="utf-8")

    done = wp_lab.run_script("start")

    assert done.returncode == 0, done.stderr
    assert "already running" in done.stderr
    assert done.stdout == ""
    _, after = _status(wp_lab.config)
    assert after == before
    assert (wp_lab.lab_dir / "credentials.json").read_text(encoding="utf-8") == credentials_before
    again = read_lab(wp_lab.config)
    assert again == wp_lab
    assert _users_me(wp_session(again.admin), again.rest).status_code == 200


@pytest.mark.wordpress
@pytest.mark.parametrize(
    ("mode", "rest_root"),
    [("plain", "{url}/index.php?rest_route=/"), ("index", "{url}/index.php/wp-json/")],
)
def test_permalink_modes_move_the_rest_root(
    wp_lab: WordPressLab,
    wp_permalinks: Callable[[PermalinkMode], None],
    wp_session: SessionFactory,
    mode: PermalinkMode,
    rest_root: str,
) -> None:
    wp_permalinks(mode)
    home = requests.get(f"{wp_lab.url}/", timeout=TIMEOUT)
    assert home.links["https://api.w.org/"]["url"] == rest_root.format(url=wp_lab.url)
    probe = wp_session(wp_lab.admin).get(f"{wp_lab.url}/", params={"rest_route": "/wp/v2/users/me"}, timeout=TIMEOUT)
    assert probe.status_code == 200
    assert probe.json()["id"] == wp_lab.admin.id
    if mode == "plain":
        # The gotcha the publisher must detect: /wp-json/ is the HTML home page now.
        assert requests.get(wp_lab.rest, timeout=TIMEOUT).headers["Content-Type"].startswith("text/html")


@pytest.mark.wordpress
def test_pretty_permalinks_are_the_default(wp_lab: WordPressLab) -> None:
    home = requests.get(f"{wp_lab.url}/", timeout=TIMEOUT)
    assert home.links["https://api.w.org/"]["url"] == wp_lab.rest == f"http://127.0.0.1:{wp_lab.config.port}/wp-json/"
    index = requests.get(wp_lab.rest, timeout=TIMEOUT).json()
    assert "wp-block-editor/v1" in index["namespaces"]
    assert "application-passwords" in index["authentication"]
    # Each version with the default theme it installs with (Debian's theme package of that release).
    themes = {"6.1": ("twentytwentythree", "Twenty Twenty-Three"), "6.8": ("twentytwentyfive", "Twenty Twenty-Five")}
    slug, name = themes[wp_lab.wp_version]
    theme = requests.get(f"{wp_lab.url}/wp-content/themes/{slug}/style.css", timeout=TIMEOUT)
    assert theme.status_code == 200
    assert name in theme.text


@pytest.mark.wordpress
def test_the_lab_serves_the_version_it_was_asked_for(wp_lab: WordPressLab) -> None:
    home = requests.get(f"{wp_lab.url}/", timeout=TIMEOUT)
    assert home.status_code == 200
    assert f'<meta name="generator" content="WordPress {wp_lab.wp_release}" />' in home.text
    assert wp_lab.wp_release.startswith(wp_lab.wp_version + ".")
    # A lab keeps its version: starting its folder as the other version is refused, and nothing changes.
    other_version = "6.1" if wp_lab.wp_version == "6.8" else "6.8"
    config = wp_lab.config
    refused = run_script(LabConfig(config.lab_dir, config.port, config.conf_name, wp_version=other_version), "start")
    assert refused.returncode == 1
    assert f"holds a WordPress {wp_lab.wp_version} site, not {other_version}" in refused.stderr
    assert requests.get(f"{wp_lab.url}/", timeout=TIMEOUT).text.count(wp_lab.wp_release) >= 1


@pytest.mark.wordpress
def test_stop_stops_exactly_what_start_started(wp_lab: WordPressLab) -> None:
    """A second lab of the same version on its own port: start, stop, and nothing of it is left running.

    Its data stays beside the session lab's (``<lab>-stop``) between runs, so after the first run this is a
    warm start of about a second instead of a fresh MariaDB datadir."""
    other = wp_lab.config.sibling("stop", port_offset=500)
    try:
        lab = start_lab(other)
        code, status = _status(other)
        assert code == 0 and lab.url == f"http://127.0.0.1:{other.port}"
        assert lab.wp_version == wp_lab.wp_version and lab.wp_release == wp_lab.wp_release
        db_pid, php_pgid = status["mariadbd_pid"], status["php_pgid"]
        assert isinstance(db_pid, int) and isinstance(php_pgid, int)
        php_processes = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _session_of(int(entry.name)) == php_pgid
        ]
        assert len(php_processes) == 5  # the php parent and PHP_CLI_SERVER_WORKERS=4
        assert {_comm(pid) for pid in php_processes} == {"php"}

        stopped = run_script(other, "stop")

        assert stopped.returncode == 0, stopped.stderr
        assert [pid for pid in [db_pid, *php_processes] if _comm(pid) is not None] == []
        code, status = _status(other)
        assert code == EXIT_NOT_RUNNING and status["state"] == "stopped"
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", other.port), timeout=2):
            pass
        # The session's own WordPress is untouched.
        assert requests.get(wp_lab.rest, timeout=TIMEOUT).status_code == 200
    finally:
        run_script(other, "stop")


def _session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[3]) if fields[0] != "Z" else None


# ---------------------------------------------------------------- skip or fail when WordPress cannot exist


@pytest.fixture
def machine_without_apt(tmp_path: Path) -> LabConfig:
    """The real script on a PATH that has the shell tools but neither dpkg-query nor apt-get: it finds
    every package missing and fails at install, as on a machine that cannot install them."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ["bash", "date", "awk", "mkdir", "flock", "id", "cat", "sed", "grep", "rm", "tail", "chmod"]:
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    return LabConfig(lab_dir=tmp_path / "lab", port=18183, conf_name="dpwpnoapt", extra_env={"PATH": str(bin_dir)})


@pytest.mark.skipif(os.geteuid() != 0, reason="the script's root check comes first when not root")
def test_start_without_installable_packages_exits_10(machine_without_apt: LabConfig) -> None:
    done = run_script(machine_without_apt, "start")
    assert done.returncode == EXIT_NO_PACKAGES
    assert "wordpress" in done.stderr and "mariadb-server" in done.stderr
    assert not Path("/etc/wordpress/config-dpwpnoapt.php").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the script's root check comes first when not root")
def test_missing_wordpress_skips_outside_ci_and_fails_under_ci(machine_without_apt: LabConfig) -> None:
    with pytest.raises(LabUnavailable) as caught:
        start_lab(machine_without_apt)
    assert "WordPress test server unavailable" in str(caught.value)
    assert "no apt-get" in str(caught.value)

    with pytest.raises(pytest.skip.Exception) as skipped:
        unavailable_outcome(caught.value, {"CI": "false"})
    assert "no apt-get" in str(skipped.value)

    with pytest.raises(pytest.fail.Exception) as failed:
        unavailable_outcome(caught.value, {"CI": "true"})
    assert "CI=true" in str(failed.value) and "no apt-get" in str(failed.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="the script's root check comes first when not root")
@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt-get (the packages step runs first)")
def test_unreachable_debian_13_package_exits_10_and_caches_nothing(tmp_path: Path) -> None:
    # The machine has Debian 12's packages but not the 6.8 tree, and the mirror does not answer (a closed
    # port on 127.0.0.1): the script says what it could not download, exit code 10, nothing half-cached.
    config = LabConfig(
        lab_dir=tmp_path / "lab",
        port=18184,
        conf_name="dpwpnomirror",
        wp_version="6.8",
        extra_env={"WP_CACHE_DIR": str(tmp_path / "cache"), "WP_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"},
    )
    done = run_script(config, "install")
    assert done.returncode == EXIT_NO_PACKAGES, done.stderr
    assert "could not download Debian 13's wordpress package from http://127.0.0.1:9/debian" in done.stderr
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".fetch.lock")] == []
    with pytest.raises(LabUnavailable, match="WordPress test server unavailable"):
        start_lab(config)
    assert not Path("/etc/wordpress/config-dpwpnomirror.php").exists()


def test_other_start_failures_are_errors_not_skips(tmp_path: Path) -> None:
    # A lab whose credentials.json is garbage cannot be described: an error naming the file, not a skip.
    config = LabConfig(lab_dir=tmp_path)
    (tmp_path / "credentials.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LabError) as caught:
        read_lab(config)
    assert not isinstance(caught.value, LabUnavailable)
    assert str(tmp_path / "credentials.json") in str(caught.value)


def test_session_lab_defaults_and_private_override() -> None:
    default = LabConfig.for_tests({})
    assert (default.lab_dir, default.port, default.conf_name) == (Path("/tmp/dp-wp-test"), 18181, "dpwptest")
    assert default.script_env()["WP_VERSION"] == "6.1"
    current = LabConfig.for_tests({}, wp_version="6.8")
    assert (current.lab_dir, current.port, current.conf_name) == (Path("/tmp/dp-wp-test-6.8"), 19181, "dpwptest68")
    assert current.script_env()["WP_VERSION"] == "6.8"
    mine = {"DP_WP_TEST_LAB_DIR": "/tmp/dp-wp-mine", "DP_WP_TEST_PORT": "18199", "DP_WP_TEST_CONF_NAME": "dpwpmine"}
    private = LabConfig.for_tests(mine)
    assert private.script_env()["WP_LAB_DIR"] == "/tmp/dp-wp-mine"
    assert private.script_env()["WP_PORT"] == "18199"
    assert private.script_env()["WP_CONF_NAME"] == "dpwpmine"
    private_current = LabConfig.for_tests(mine, wp_version="6.8").script_env()
    assert (private_current["WP_LAB_DIR"], private_current["WP_PORT"], private_current["WP_CONF_NAME"]) == (
        "/tmp/dp-wp-mine-6.8",
        "19199",
        "dpwpmine68",
    )
    with pytest.raises(ValueError, match=r"6\.1, 6\.8"):
        LabConfig.for_tests({}, wp_version="5.9")


def test_the_session_covers_both_versions_unless_told_otherwise() -> None:
    assert versions_under_test({}) == ("6.1", "6.8")
    assert versions_under_test({"DP_WP_TEST_VERSIONS": "6.8"}) == ("6.8",)
    assert versions_under_test({"DP_WP_TEST_VERSIONS": " 6.8 , 6.1 "}) == ("6.1", "6.8")
    with pytest.raises(ValueError, match=r"names 7\.0"):
        versions_under_test({"DP_WP_TEST_VERSIONS": "6.8,7.0"})
