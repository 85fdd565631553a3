"""The gateway binary as operators run it: configuration errors, health and readiness
that follow the engines, OpenAI-shaped errors, graceful shutdown."""

import pytest
import requests

from conftest import GATEWAY, free_port, run_to_exit, wait_until


@pytest.mark.parametrize(
    "args, message",
    [
        (["--no_such_flag"], "no_such_flag"),
        (["--listen=8080"], "--listen: invalid address '8080': no port"),
        (["--engines="], "--engines: empty address"),
        (["--engines=a:1,,b:2"], "--engines: empty address"),
        (["--engines=engine:port"], "port must be a number"),
        (["--threads=0"], "--threads: must be 1 to 256"),
        (["--health_interval=1ms"], "--health_interval: must be at least 10ms"),
        (["stray"], "unexpected 'stray'"),
    ],
)
def test_bad_flags_exit_with_one_line(args, message):
    status, stderr = run_to_exit([GATEWAY, *args])
    assert status != 0
    assert len(stderr) == 1, stderr
    assert message in stderr[0]


def start_gateway(processes, engine_port):
    port = free_port()
    proc = processes(
        [
            GATEWAY,
            f"--listen=127.0.0.1:{port}",
            f"--engines=127.0.0.1:{engine_port}",
            "--health_interval=100ms",
        ]
    )
    url = f"http://127.0.0.1:{port}"

    def up():
        assert proc.proc.poll() is None, f"gateway exited:\n{proc.log()}"
        try:
            return requests.get(f"{url}/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(up, what="gateway /health")
    return proc, url


def test_ready_follows_the_engine(engine, processes):
    engine_proc, engine_port, _ = engine
    _, url = start_gateway(processes, engine_port)
    wait_until(lambda: requests.get(f"{url}/ready", timeout=1).status_code == 200,
               what="gateway ready")
    ready = requests.get(f"{url}/ready", timeout=5).json()
    assert ready["status"] == "ready"
    assert ready["engines"][0]["address"] == f"127.0.0.1:{engine_port}"
    assert "llm_gateway_engines_serving 1" in requests.get(f"{url}/metrics", timeout=5).text

    assert engine_proc.terminate() == 0
    wait_until(lambda: requests.get(f"{url}/ready", timeout=1).status_code == 503,
               what="gateway unready after the engine stopped")
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


def test_unknown_route_is_an_openai_error(processes):
    _, url = start_gateway(processes, free_port())
    reply = requests.post(f"{url}/v1/no-such-endpoint", json={}, timeout=5)
    assert reply.status_code == 404
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "unknown_url"
    assert "/v1/no-such-endpoint" in error["message"]


def test_sigterm_exits_zero(processes):
    proc, url = start_gateway(processes, free_port())
    assert requests.get(f"{url}/ready", timeout=5).status_code == 503
    assert proc.terminate(timeout=10) == 0
