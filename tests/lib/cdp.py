"""cdp - headless Chromium (Debian's chromium) driven over its DevTools
protocol, with the standard library only (a small WebSocket client).

    with Browser(workdir) as b:
        b.open("http://127.0.0.1:8080/")
        b.eval("document.title")
        b.screenshot("board.png")
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class WebSocket:
    """A WebSocket client (RFC 6455): text frames, masked, no extensions."""

    def __init__(self, url, timeout=30):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("websocket: closed during the handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise OSError("websocket: %r" % head[:200])

    def send(self, text):
        data = text.encode()
        n = len(data)
        hdr = bytes([0x81])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("websocket: closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            else:
                data = self._read(n)
            if op == 8:
                raise OSError("websocket: closed by the browser")
            if op == 9:
                continue
            parts.append(data)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Page:
    """A further page (tab) of a Browser: the same calls, on its own
    connection. Close it before its browser."""

    def __init__(self, browser, url, width, height):
        # a background tab: the first page stays in front (a page in the
        # background has its timers and rendering throttled)
        tid = browser.call("Target.createTarget", url="about:blank",
                           background=True)["targetId"]
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % browser.port,
                                    timeout=10) as r:
            info = next(p for p in json.loads(r.read()) if p.get("id") == tid)
        self.ws = WebSocket(info["webSocketDebuggerUrl"])
        self.seq = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)
        self.open(url)

    def close(self):
        self.ws.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Browser:
    """One headless Chromium with one page (and Page for more)."""

    def __init__(self, d, width=1280, height=1500):
        self.dir = tempfile.mkdtemp(prefix="chromium.", dir=d)
        exe = chromium()
        if not exe:
            raise RuntimeError("chromium is not installed (make deps installs it)")
        self.log = open(os.path.join(d, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
             "--user-data-dir=" + self.dir, "--window-size=%d,%d" % (width, height),
             "about:blank"], stdout=self.log, stderr=subprocess.STDOUT)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("chromium did not start; see %s" % self.log.name)
            time.sleep(0.05)
        port = self.port = int(open(port_file).read().split()[0])
        pages = []
        while not pages and time.time() < deadline:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
                pages = [p for p in json.loads(r.read()) if p.get("type") == "page"]
            time.sleep(0.05)
        self.ws = WebSocket(pages[0]["webSocketDebuggerUrl"])
        self.seq = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.seq += 1
        my = self.seq
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def open(self, url, wait=10):
        self.call("Page.navigate", url=url)
        deadline = time.time() + wait
        while time.time() < deadline:
            if self.eval("document.readyState") == "complete":
                return True
            time.sleep(0.05)
        return False

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("page: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def screenshot(self, path, whole=False):
        """The viewport (whole: the whole page, which holds the page's
        thread longer: not while its timing is measured)."""
        r = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=whole)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def console_errors(self):
        return [e for e in self.events if e.get("method") == "Runtime.exceptionThrown"]

    def page(self, url, width=1280, height=1500):
        """Another page of this browser on url, at width x height."""
        return Page(self, url, width, height)

    def close(self):
        self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# a further page speaks the same protocol as the first
for _name in ("call", "open", "eval", "screenshot", "console_errors"):
    setattr(Page, _name, getattr(Browser, _name))
