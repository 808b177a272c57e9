"""A WordPress for the benchmarks: the project's own server script on a lab of its own."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from digest_publisher.wordpress.connection_settings import WordPressSettings

ROOT = Path(__file__).resolve().parents[1]
# A lab of its own; DP_WP_BENCH_LAB_DIR / _PORT / _CONF_NAME choose another (several checkouts on one machine).
LAB = {
    "WP_LAB_DIR": os.environ.get("DP_WP_BENCH_LAB_DIR", "/tmp/dp-wp-bench"),
    "WP_PORT": os.environ.get("DP_WP_BENCH_PORT", "18185"),
    "WP_CONF_NAME": os.environ.get("DP_WP_BENCH_CONF_NAME", "dpwpbench"),
}


def start_wordpress() -> WordPressSettings:
    env = {**os.environ, **LAB}
    subprocess.run(["bash", str(ROOT / "scripts" / "wordpress-server.sh"), "start"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    creds = json.loads((Path(LAB["WP_LAB_DIR"]) / "credentials.json").read_text(encoding="utf-8"))
    admin = creds["users"]["admin"]
    return WordPressSettings(url=creds["url"], username="admin", app_password=admin["app_password"])


def stop_wordpress() -> None:
    env = {**os.environ, **LAB}
    subprocess.run(["bash", str(ROOT / "scripts" / "wordpress-server.sh"), "stop"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
