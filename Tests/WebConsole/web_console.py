#!/usr/bin/env python3
"""The web console of `isola serve --web` in a real browser (headless Chromium through
Selenium), as a person uses it. WebConsoleTests starts the hypervisor, creates two VMs
through the API and runs this with ISOLA_WEB_URL (the URL the server printed, token
included), ISOLA_API_SOCKET (the API's Unix socket) and ISOLA_ARTIFACTS (where the
screenshot goes). Every step prints what it saw; any failure ends it with status 1."""

import http.client
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

URL = os.environ["ISOLA_WEB_URL"]
SOCKET = os.environ["ISOLA_API_SOCKET"]
ARTIFACTS = os.environ["ISOLA_ARTIFACTS"]
base = URL.split("/?")[0]
token = urllib.parse.parse_qs(urllib.parse.urlparse(URL).query)["token"][0]


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def step(message):
    print("ok: " + message, flush=True)


def wait(what, condition, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # a page mid-update, a stale element: look again
            pass
        time.sleep(0.2)
    fail("timed out waiting for " + what)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("isola")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def api_state(name):
    connection = UnixConnection(SOCKET)
    connection.request("GET", "/vms/" + name)
    return json.loads(connection.getresponse().read())["state"]


def status(url, method="GET", headers=None, data=None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# Without the token (or with a wrong one) nothing is served, read or changed.
for url in [base + "/", base + "/vm?name=alpha", base + "/assets/app.js", base + "/api/vms",
            base + "/?token=" + "0" * len(token)]:
    if status(url) != 401:
        fail(url + " answered without the token")
if status(base + "/api/vms/alpha/start", "POST", {"Cookie": "isola_token=" + token}, b"{}") != 401:
    fail("a change with the cookie alone (as another site's form would send it) was not refused")
if api_state("alpha") != "created":
    fail("a refused request started alpha")
console = base.replace("http://", "ws://") + "/console/alpha"
try:
    websocket.create_connection(console, timeout=10).close()
    fail("the console's WebSocket opened without the token")
except websocket.WebSocketBadStatusException as error:
    if not 400 <= error.status_code < 500:
        fail("the WebSocket without the token answered %d" % error.status_code)
    refused = error.status_code
try:  # and with the token it opens: the refusal was the token's
    websocket.create_connection(console + "?token=" + token, timeout=10).close()
except Exception as error:
    fail("the WebSocket with the token did not open: %s" % error)
step("requests without the token are refused (401), the WebSocket too (%d; with the token it opens)" % refused)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
    options.add_argument(argument)
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    browser.get(URL)
    rows = wait("both VMs listed", lambda: [r.get_attribute("data-vm") for r in browser.find_elements(By.CSS_SELECTOR, "#vms tbody tr")] or None)
    wait("alpha and beta listed", lambda: {"alpha", "beta"} <= {r.get_attribute("data-vm") for r in browser.find_elements(By.CSS_SELECTOR, "#vms tbody tr")})
    if "token=" in browser.current_url:
        fail("the token stayed in the address bar")
    step("the list shows " + ", ".join(sorted(set(rows) | {"alpha", "beta"})))

    def cell(name, key):
        return browser.find_element(By.CSS_SELECTOR, '#vms tr[data-vm="%s"] td.%s' % (name, key)).text

    browser.find_element(By.CSS_SELECTOR, '#vms tr[data-vm="alpha"] button[data-action="start"]').click()
    wait("alpha running on the page", lambda: cell("alpha", "state") == "running")
    if api_state("alpha") != "running":
        fail("the page says running, the API says " + api_state("alpha"))
    wait("alpha's memory counters", lambda: "MiB" in cell("alpha", "memory"))
    step("Start: alpha is running (page and API); memory " + cell("alpha", "memory"))

    # A refused action: the API's reason is shown, and nothing changes.
    browser.find_element(By.CSS_SELECTOR, '#vms tr[data-vm="beta"] button[data-action="resume"]').click()
    message = wait("the refusal shown", lambda: (lambda t: t if "refused" in t else None)(browser.find_element(By.ID, "message").text))
    if "only a paused VM can be resumed" not in message or api_state("beta") != "created":
        fail("the refusal was not the API's, or beta changed: " + message)
    step("Resume of a created VM refused on the page: " + message)

    browser.find_element(By.LINK_TEXT, "alpha").click()
    wait("the console's prompt", lambda: "/ #" in browser.find_element(By.CSS_SELECTOR, ".xterm-rows").text)
    terminal = browser.find_element(By.CSS_SELECTOR, "#terminal")
    terminal.click()
    ActionChains(browser).send_keys("echo $((6*7))\n").perform()

    def lines():
        return [row.text.strip() for row in browser.find_elements(By.CSS_SELECTOR, ".xterm-rows > div")]
    wait("42 in the terminal", lambda: "42" in lines())
    step("typed echo $((6*7)) in the browser's terminal and read 42")

    # Guest output is text: markup the guest prints stays on screen as characters.
    ActionChains(browser).send_keys("echo '<img src=x id=pwned onerror=document.title=1>'\n").perform()
    wait("the markup printed as text", lambda: any(line.startswith("<img src=x id=pwned") for line in lines()))
    if browser.find_elements(By.ID, "pwned") or browser.title == "1":
        fail("what the guest printed became markup")
    step("markup the guest printed stays text (no element made, no handler run)")

    browser.find_element(By.CSS_SELECTOR, '#actions button[data-action="pause"]').click()
    wait("the API to report paused", lambda: api_state("alpha") == "paused")
    wait("the page to show paused", lambda: browser.find_element(By.ID, "state").text == "paused")
    step("Pause on alpha's page: the API reports paused")

    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "web-console.png")
    browser.save_screenshot(shot)
    step("screenshot kept at " + shot)

    # A refused request shows in the log as a failed load (the 409 above); anything
    # else severe (a script error, a blocked script or style) is a failure.
    severe = [entry["message"] for entry in browser.get_log("browser")
              if entry["level"] == "SEVERE" and entry.get("source") != "network"]
    if severe:
        fail("the browser reported errors: " + "; ".join(severe))
    step("no script errors and nothing blocked in the browser's console")
finally:
    browser.quit()
print("PASS", flush=True)
