#!/usr/bin/env python3
"""Loads a modelgate HTML report in headless Chromium and checks that every chart rendered.

Usage: check_html.py REPORT.html SCREENSHOT.png
Prints one JSON object: {"charts": [{"id", "width", "height", "series", "points"}],
"console": [messages], "requests": [urls other than the file]} and exits 0; the Rust test
(tests/html_report.rs) judges it. Chromium and chromedriver come from Debian's packages
(`chromium`, `chromium-driver`); the driver is given explicitly so Selenium never tries
to download one.
"""

import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def find(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def main():
    report, shot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    profile = tempfile.mkdtemp(prefix="modelgate-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = find("chromium", "chromium-browser", "google-chrome")
    for flag in [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,2400", f"--user-data-dir={profile}",
    ]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=find("chromedriver")))
    try:
        driver.set_page_load_timeout(60)
        driver.get("file://" + report)
        charts = driver.execute_script(
            """
            return Array.from(document.querySelectorAll('figure[data-chart]')).map(f => {
              const svg = f.querySelector('svg');
              const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
              const lines = Array.from(f.querySelectorAll('polyline'));
              const drawn = lines.filter(l => { const b = l.getBBox(); return b.width > 0 || b.height > 0; });
              return {
                id: f.id, kind: f.dataset.chart, width: box.width, height: box.height,
                series: lines.length, drawn_series: drawn.length,
                points: lines.reduce((n, l) => n + l.points.numberOfItems, 0),
                marks: f.querySelectorAll('circle').length,
              };
            });
            """
        )
        verdict = driver.execute_script("return document.getElementById('verdict').textContent")
        scripts = driver.execute_script("return document.scripts.length")
        full_height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(full_height, 800), 4000))
        driver.save_screenshot(shot)
        console = [e["message"] for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
        requests = []
        for e in driver.get_log("performance"):
            msg = json.loads(e["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                # Only what the report's page asked for (not the browser's own new-tab page).
                url = msg["params"]["request"]["url"]
                if msg["params"].get("documentURL") == "file://" + report and url != "file://" + report:
                    requests.append(url)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps({"charts": charts, "verdict": verdict, "scripts": scripts,
                      "console": console, "requests": requests}))


if __name__ == "__main__":
    main()
