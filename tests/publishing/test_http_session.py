"""The publishing side's HTTP session (``wordpress/transport.py``, on ``http.client``): what ``requests`` gave
and the publish path still needs, against local servers that count connections and log what arrives.

* keep-alive: requests sent one after another share one connection; requests sent together each have their
  own; a connection the server closed while idle is not reused (the request still succeeds);
* answers: chunked and gzip bodies are read whole; the size cap counts the decompressed bytes (a small gzip
  of 40 MB of zeros is abandoned); headers are read case-insensitively, a repeated one joined; the ``Link``
  header is parsed as discovery reads it;
* failures: a refused connection says "cannot connect (connection refused)" and is resent even for a create
  (nothing reached the server); a connection dropped before the answer is resent only when idempotent;
* the environment: HTTP_PROXY routes a plain-http request through the proxy (absolute form, Proxy-Authorization
  from the proxy URL, no WordPress credentials lost), NO_PROXY bypasses it, ``trust_env = False`` ignores both;
* multipart uploads arrive as WordPress's media endpoint reads them (the file's name, type and bytes).
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.transport import MAX_REPLY_BYTES, Headers, Response, Session
from tests.local_http import QuietHandler, serving

PAIR_WAIT_S = 10.0  # how long one of a pair waits for the other (not a time limit of the test)


@dataclass
class Server:
    url: str = ""
    connections: int = 0
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    pair: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))
    close_after_answer: str = ""  # "said": with Connection: close; "silent": closed without saying so
    closed: threading.Event = field(default_factory=threading.Event)  # a connection was closed by the server


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Apache and nginx serve WordPress

        def setup(self) -> None:
            super().setup()
            state.connections += 1

        def finish(self) -> None:
            super().finish()
            state.closed.set()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.seen.append((self.command, self.path, dict(self.headers.items()), body))
            path = self.path.split("?")[0]
            status, headers, out = 200, {"Content-Type": "application/json"}, b'{"id": 1}'
            if path.endswith("/pair"):
                state.pair.wait(PAIR_WAIT_S)
            elif path.endswith("/gzip"):
                headers["Content-Encoding"] = "gzip"
                out = gzip.compress(b'{"id": 2, "pad": "' + b"x" * 100_000 + b'"}')
            elif path.endswith("/bomb"):
                headers["Content-Encoding"] = "gzip"
                out = gzip.compress(b"0" * (MAX_REPLY_BYTES + 8 * 1024 * 1024))
            elif path.endswith("/headers"):
                headers["Link"] = '<http://x.test/wp-json/>; rel="https://api.w.org/"'
            if path.endswith("/chunked"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in (b'{"id":', b" 3", b"}"):
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if path.endswith("/headers"):
                self.send_header("X-Twice", "one")
                self.send_header("x-twice", "two")
            self.send_header("Content-Length", str(len(out)))
            if state.close_after_answer == "said":
                self.send_header("Connection", "close")
            self.close_connection = bool(state.close_after_answer)
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_HEAD = _answer

    with serving(Handler) as url:
        state.url = url
        yield state


def _client(url: str, *, attempts: int = 1, session: Session | None = None) -> WordPressClient:
    settings = WordPressSettings(url=url, username="editor", app_password="abcd efgh ijkl mnop", attempts=attempts,
                                 max_wait=0.01)  # fmt: skip
    session = session or Session()
    session.trust_env = False
    return WordPressClient(settings, session=session, rest_root=f"{url}/wp-json/")


def test_requests_one_after_another_share_one_connection(server: Server) -> None:
    client = _client(server.url)
    for _ in range(3):
        assert client.get("wp/v2/one").data == {"id": 1}
    assert server.connections == 1 and len(server.seen) == 3
    assert all(headers.get("Authorization", "").startswith("Basic ") for _, _, headers, _ in server.seen)


def test_requests_sent_together_each_have_a_connection_then_both_are_kept(server: Server) -> None:
    client = _client(server.url)
    client.together(lambda: client.get("wp/v2/pair"), lambda: client.get("wp/v2/pair"))
    assert server.connections == 2
    client.together(lambda: client.get("wp/v2/pair"), lambda: client.get("wp/v2/pair"))
    assert server.connections == 2  # the two kept-alive connections served the second round


@pytest.mark.parametrize("close", ["said", "silent"])
def test_a_connection_the_server_closed_is_not_reused(server: Server, close: str) -> None:
    server.close_after_answer = close
    client = _client(server.url)
    assert client.post("wp/v2/first", {"a": 1}).data == {"id": 1}
    assert server.closed.wait(PAIR_WAIT_S)  # closed before the next request starts (no race with it)
    assert client.post("wp/v2/second", {"a": 2}).data == {"id": 1}  # a create: not resent, so not lost either
    assert server.connections == 2 and [s[0] for s in server.seen] == ["POST", "POST"]


def test_chunked_and_gzip_answers_are_read_whole(server: Server) -> None:
    client = _client(server.url)
    assert client.get("wp/v2/chunked").data == {"id": 3}
    zipped = client.get("wp/v2/gzip")
    assert zipped.data["id"] == 2 and len(zipped.data["pad"]) == 100_000
    assert server.seen[-1][2].get("Accept-Encoding") == "gzip"


def test_the_size_cap_counts_decompressed_bytes(server: Server) -> None:
    client = _client(server.url)
    with pytest.raises(WordPressError) as caught:
        client.get("wp/v2/bomb")
    assert "with more than 32 MB; the answer was abandoned" in caught.value.message
    assert client.request_count == 1  # not retried: it would be as large again


def test_headers_and_links_read_as_discovery_reads_them(server: Server) -> None:
    response = Session().request("GET", f"{server.url}/headers", timeout=5)
    assert response.headers["content-type"] == response.headers.get("Content-Type") == "application/json"
    assert response.headers["X-TWICE"] == "one, two" and "x-twice" in response.headers
    assert response.links["https://api.w.org/"]["url"] == "http://x.test/wp-json/"
    redirect = Response(302, "http://x.test/", Headers([("Location", "/en/")]))
    assert redirect.is_redirect and not Response(302, "http://x.test/").is_redirect


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_resent_even_for_a_create_and_says_so() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    client = _client(url, attempts=3)
    with pytest.raises(WordPressError) as caught:
        client.post("wp/v2/posts", {"title": "x"})
    assert client.request_count == 3  # nothing reached a server: safe to resend a create
    assert f"POST {url}/wp-json/wp/v2/posts: cannot connect (connection refused)" in caught.value.message


def test_a_connection_dropped_before_the_answer_is_resent_only_when_idempotent() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    accepted: list[int] = []

    def drop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            accepted.append(1)
            conn.close()  # read the request, answer nothing

    threading.Thread(target=drop, daemon=True).start()
    try:
        reader = _client(url, attempts=2)
        with pytest.raises(WordPressError):
            reader.get("wp/v2/posts")
        assert reader.request_count == 2
        writer = _client(url, attempts=2)
        with pytest.raises(WordPressError) as caught:
            writer.post("wp/v2/posts", {"title": "x"})
        assert writer.request_count == 1  # the server may have created it: not resent
        assert "the connection broke before WordPress answered (" in caught.value.message
    finally:
        listener.close()


def test_http_proxy_from_the_environment(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site is at an address only the "proxy" serves (the proxy is the local server itself)."""
    site = "http://wordpress.invalid"
    monkeypatch.setenv("HTTP_PROXY", server.url.replace("http://", "http://proxyuser:proxy%20pw@"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = WordPressSettings(url=site, username="editor", app_password="abcd efgh ijkl mnop", attempts=1)
    client = WordPressClient(settings, rest_root=f"{site}/wp-json/")
    assert client.get("wp/v2/through").data == {"id": 1}
    method, target, headers, _ = server.seen[-1]
    assert (method, target) == ("GET", f"{site}/wp-json/wp/v2/through")  # absolute form, to the proxy
    assert headers["Proxy-Authorization"] == "Basic cHJveHl1c2VyOnByb3h5IHB3"  # proxyuser:proxy pw
    assert headers["Authorization"].startswith("Basic ")  # WordPress's own credentials still go along

    monkeypatch.setenv("NO_PROXY", "wordpress.invalid")
    with pytest.raises(WordPressError) as caught:
        WordPressClient(settings, rest_root=f"{site}/wp-json/").get("wp/v2/direct")
    assert "cannot connect (unknown host)" in caught.value.message  # bypassed: went straight to the name

    monkeypatch.delenv("NO_PROXY")
    ignoring = Session()
    ignoring.trust_env = False
    with pytest.raises(WordPressError):
        WordPressClient(settings, session=ignoring, rest_root=f"{site}/wp-json/").get("wp/v2/ignored")
    assert len(server.seen) == 1


def test_a_multipart_upload_arrives_as_a_form_with_the_file(server: Server) -> None:
    client = _client(server.url)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    client.post("wp/v2/media", files={"file": ('card "1".png', png, "image/png")}, form={"alt_text": "A card"})
    _, _, headers, body = server.seen[-1]
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert parts["alt_text"].get_content() == "A card"
    assert parts["file"].get_content_type() == "image/png"
    assert parts["file"].get_filename() == "card %221%22.png"  # a quote escaped as browsers do
    assert parts["file"].get_payload(decode=True) == png
