"""The series publisher in a child process, for the crash tests (SIGKILL at a ``DIGEST_TEST_KILL_AT`` step).

``python -m tests.series_site.run_series SPEC.json``: SPEC holds the members, the posts folder, the page slug and
the site's markup version; WORDPRESS_URL, WORDPRESS_USERNAME and WORDPRESS_APP_PASSWORD come from the
environment, as for the CLI. Prints the report as JSON; exits with the report's exit code.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from digest_publisher.config import wordpress_settings
from digest_publisher.publishing.series_site import SeriesMember
from tests.series_site.serieshelpers import run_series


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    members = [
        SeriesMember(m["topic_number"], m["topic_name"], Path(m["folder"]), date.fromisoformat(m["window_from"]),
                     date.fromisoformat(m["window_to"]), int(m["discussed"]))
        for m in spec["members"]
    ]  # fmt: skip
    report = run_series(members, wordpress_settings(), Path(spec["posts"]), wp_version=spec["wp_version"],
                        page_slug=spec["page_slug"])  # fmt: skip
    print(json.dumps(report.to_dict()))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
