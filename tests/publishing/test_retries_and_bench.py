"""Retries against a real WordPress that rate-limits or fails (a must-use plugin, as a real site would
have), and the bench helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.publish_measure import measure_publishing
from digest_publisher.errors import WordPressError
from digest_publisher.wordpress.client import WordPressClient
from tests.publishing.pubhelpers import Lab, Rest, make_post, settings_for

pytestmark = pytest.mark.wordpress

FLAKY = """
add_action('plugins_loaded', function () {
    $file = '%(file)s';
    $uri = $_SERVER['REQUEST_URI'] ?? '';
    if (strpos(urldecode($uri), 'wp/v2/') === false || !is_file($file)) return;
    [$status, $left] = explode(' ', trim(file_get_contents($file)));
    if ((int) $left <= 0) return;
    file_put_contents($file, $status . ' ' . ((int) $left - 1));
    status_header((int) $status);
    header('Retry-After: 0');  // honoured: no backoff wait at all
    header('Content-Type: application/json; charset=UTF-8');
    $body = ['code' => 'test_flaky', 'message' => 'Try later.', 'data' => ['status' => (int) $status]];
    echo json_encode($body);
    exit;
});
"""


@pytest.fixture
def flaky(wp_lab: Lab, mu_plugin: Callable[[str, str], None]) -> Iterator[Callable[[int, int], None]]:
    # One fixed path: the plugin's text never changes, so PHP's opcache cannot serve a stale copy.
    counter = Path(wp_lab.lab_dir) / "digest-publisher-flaky.txt"
    mu_plugin("flaky", FLAKY % {"file": counter})

    def arm(status: int, times: int) -> None:
        counter.write_text(f"{status} {times}")

    yield arm
    counter.unlink(missing_ok=True)


def _discovered_client(lab: Lab) -> WordPressClient:
    """A client that already found the REST root, so its request count is the API calls alone."""
    client = WordPressClient(settings_for(lab, lab.admin))
    assert client.root
    client.request_count = 0
    return client


def test_429_is_retried_after_retry_after(wp_lab: Lab, flaky: Callable[[int, int], None]) -> None:
    client = _discovered_client(wp_lab)
    flaky(429, 2)

    me = client.get("wp/v2/users/me")

    assert me.status == 200 and me.data["slug"] == "admin"
    assert client.request_count == 3  # two refusals, then the answer


def test_a_create_is_not_repeated_after_a_500(
    wp_lab: Lab, admin_rest: Rest, flaky: Callable[[int, int], None], token: str
) -> None:
    client = _discovered_client(wp_lab)
    flaky(500, 1)

    with pytest.raises(WordPressError) as caught:
        client.post("wp/v2/posts", {"title": "x", "slug": f"five-{token}", "status": "draft"})

    assert caught.value.status == 500 and client.request_count == 1
    assert "not repeated" in str(caught.value)


def test_503_on_a_read_is_retried_until_attempts_run_out(wp_lab: Lab, flaky: Callable[[int, int], None]) -> None:
    client = _discovered_client(wp_lab)
    flaky(503, 10)

    with pytest.raises(WordPressError) as caught:
        client.get("wp/v2/posts")

    assert caught.value.status == 503 and caught.value.code == "test_flaky"
    assert client.request_count == 3  # settings_for allows 3 attempts


def test_measure_publishing_reports_the_three_cases(wp_lab: Lab, token: str, tmp_path: Path) -> None:
    rows = measure_publishing(
        make_post("bench", tags=(f"b-{token}",), image_seed=token),
        settings_for(wp_lab, wp_lab.admin),
        tmp_path,
        suffix=token,
    )

    assert [r["case"] for r in rows] == [
        "first publish (REST)",
        "unchanged re-publish (REST)",
        "first publish (XML-RPC)",
    ]
    assert [r["action"] for r in rows] == ["created", "unchanged", "created"]
    assert rows[1]["requests"] == 1 and rows[0]["requests"] > rows[1]["requests"]
    assert rows[2]["requests"] > 0 and all(r["seconds"] > 0 for r in rows)
