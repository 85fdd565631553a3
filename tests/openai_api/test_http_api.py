"""The gateway's HTTP surface with a plain HTTP client: SSE framing byte by byte, bad
requests answered with the right status and OpenAI's error JSON (and the gateway keeps
serving), API keys."""

import json
import re
import socket
import urllib.parse

import pytest
import requests

from conftest import API_KEY, free_port, start_stack, wait_until


def post(url, path, body, **kwargs):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(f"{url}{path}", data=data, timeout=60,
                         headers={"Content-Type": "application/json", **kwargs})


def raw_exchange(url, request_bytes):
    """Sends `request_bytes` on a fresh connection and returns every byte until close."""
    address = urllib.parse.urlparse(url)
    with socket.create_connection((address.hostname, address.port), timeout=60) as sock:
        sock.sendall(request_bytes)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def dechunk(body):
    """The payload of a chunked transfer-encoded body, checking its framing."""
    payload = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            return payload
        payload += body[:size]
        assert body[size:size + 2] == b"\r\n"
        body = body[size + 2:]


def test_sse_framing_byte_by_byte(stack):
    body = json.dumps({"model": "gpt-3.5-turbo", "prompt": "Hello", "max_tokens": 5,
                       "temperature": 0, "stream": True}).encode()
    request = (b"POST /v1/completions HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nContent-Length: " +
               str(len(body)).encode() + b"\r\n\r\n" + body)
    response = raw_exchange(stack, request)
    head, _, chunked = response.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    headers = {k.lower(): v.strip() for k, _, v in (l.partition(b":") for l in lines[1:])}
    assert headers[b"content-type"] == b"text/event-stream"
    assert headers[b"transfer-encoding"] == b"chunked"
    events = dechunk(chunked).split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"data: [DONE]"
    texts = []
    for event in events[:-2]:
        assert event.startswith(b"data: {") and b"\n" not in event
        chunk = json.loads(event[len(b"data: "):])
        assert chunk["object"] == "text_completion" and chunk["id"].startswith("cmpl-")
        texts.append(chunk["choices"][0]["text"])
    whole = post(stack, "/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "Hello",
                                             "max_tokens": 5, "temperature": 0}).json()
    assert "".join(texts) == whole["choices"][0]["text"]


@pytest.mark.parametrize("path, body, status, param", [
    ("/v1/completions", "{not json", 400, None),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": 5}, 400, "prompt"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "n": 0}, 400, "n"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "temperature": -1}, 400,
     "temperature"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "top_p": 2}, 400, "top_p"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "max_tokens": 0}, 400,
     "max_tokens"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "max_tokens": "many"}, 400,
     "max_tokens"),
    ("/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "x", "suffix": "y"}, 400, "suffix"),
    ("/v1/completions", {"prompt": "x"}, 400, "model"),
    ("/v1/completions", {"model": "nope", "prompt": "x"}, 404, "model"),
    ("/v1/chat/completions", {"model": "gpt-3.5-turbo", "messages": []}, 400, "messages"),
    ("/v1/chat/completions", {"model": "gpt-3.5-turbo",
                              "messages": [{"role": "wizard", "content": "hi"}]}, 400,
     "messages[0].role"),
    ("/v1/chat/completions", {"model": "gpt-3.5-turbo", "tools": [{"type": "function"}],
                              "messages": [{"role": "user", "content": "hi"}]}, 400, "tools"),
])
def test_bad_requests_get_openai_errors(stack, path, body, status, param):
    response = post(stack, path, body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["type"]
    assert error["param"] == param
    # The gateway keeps serving.
    assert requests.get(f"{stack}/health", timeout=5).status_code == 200


def test_max_tokens_beyond_the_window_is_a_400_with_the_numbers(stack):
    response = post(stack, "/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "Hi",
                                               "max_tokens": 100000})
    assert response.status_code == 400
    assert "maximum context length is 8192 tokens" in response.json()["error"]["message"]


def test_unknown_paths_and_methods(stack):
    assert requests.get(f"{stack}/v1/nothing", timeout=5).status_code == 404
    assert requests.get(f"{stack}/v1/completions", timeout=5).status_code == 405


def test_api_keys_are_required_when_configured(processes):
    url = start_stack(processes, gateway_env={"GATEWAY_API_KEYS": f"{API_KEY},sk-other"})
    body = {"model": "gpt-3.5-turbo", "prompt": "Hi", "max_tokens": 1}
    missing = post(url, "/v1/completions", body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"
    wrong = post(url, "/v1/completions", body, Authorization="Bearer sk-wrong")
    assert wrong.status_code == 401
    right = post(url, "/v1/completions", body, Authorization=f"Bearer {API_KEY}")
    assert right.status_code == 200, right.text
    assert requests.get(f"{url}/health", timeout=5).status_code == 200  # Health stays open.


def test_oversized_bodies_get_413(processes):
    url = start_stack(processes, gateway_flags=["--max_request_bytes=2048"])
    response = post(url, "/v1/completions",
                    {"model": "gpt-3.5-turbo", "prompt": "x" * 4096, "max_tokens": 1})
    assert response.status_code == 413
    assert "larger than 2048 bytes" in response.json()["error"]["message"]
    assert post(url, "/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "Hi",
                                         "max_tokens": 1}).status_code == 200


def engine_running(metrics_port):
    text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    return int(re.search(r"^llm_engine_running_sequences (\d+)$", text, re.M).group(1))


def test_concurrency_limit_and_client_disconnects(processes):
    """One request at a time: a second gets 429 while the first streams; a client that
    hangs up frees its engine sequence and its slot, so the next request is served."""
    metrics_port = free_port()
    url = start_stack(processes, gateway_flags=["--max_concurrent_requests=1"],
                      metrics_port=metrics_port)
    body = {"model": "gpt-3.5-turbo", "prompt": "Once upon a time", "max_tokens": 3000,
            "ignore_eos": True, "stream": True}
    first = requests.post(f"{url}/v1/completions", json=body, stream=True, timeout=60)
    assert first.status_code == 200
    # Streaming. The line iterator stays referenced: a discarded one closes the connection.
    lines = first.iter_lines()
    next(lines)
    second = post(url, "/v1/completions", {**body, "stream": False, "max_tokens": 1})
    assert second.status_code == 429
    assert second.json()["error"]["type"] == "rate_limit_exceeded"
    assert engine_running(metrics_port) == 1
    first.close()  # Hang up mid-stream.
    wait_until(lambda: engine_running(metrics_port) == 0, timeout=10,
               what="the engine to drop the abandoned sequence")
    wait_until(lambda: post(url, "/v1/completions", {"model": "gpt-3.5-turbo", "prompt": "Hi",
                                                      "max_tokens": 1}).status_code == 200,
               timeout=10, what="the slot to come back")


def test_an_engine_failure_mid_stream_arrives_as_an_sse_error_event(processes):
    started = []

    def start(argv, env):
        started.append(processes(argv, env))
        return started[-1]

    url = start_stack(start)
    engine = started[0]
    response = requests.post(f"{url}/v1/completions", stream=True, timeout=60,
                             json={"model": "gpt-3.5-turbo", "prompt": "Once upon a time",
                                   "max_tokens": 3000, "ignore_eos": True, "stream": True})
    assert response.status_code == 200
    events = (line for line in response.iter_lines() if line)
    assert next(events).startswith(b"data: {")
    engine.proc.kill()
    rest = list(events)
    assert rest[-1] == b"data: [DONE]"
    errors = [json.loads(line[len(b"data: "):]) for line in rest if b'"error"' in line[:20]]
    assert len(errors) == 1
    assert errors[0]["error"]["type"] == "server_error" and errors[0]["error"]["message"]
