"""Shared fixtures for process-level tests: the built binaries, free ports, and
processes that are always stopped (and their logs shown) when a test ends."""

import os
import pathlib
import random
import signal
import socket
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN_DIR = pathlib.Path(os.environ.get("LLM_BIN_DIR", ROOT / "bazel-bin"))
ENGINE = BIN_DIR / "engine" / "engine_server"
GATEWAY = BIN_DIR / "gateway" / "gateway_server"


def default_model_path():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(cache) / "llm-serving" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


# Two computations of the same model that round differently (8-bit activations turn
# rounding into logit moves of up to a few tenths) may pick different greedy tokens only
# where the two tokens are within this many logits of each other.
NEAR_TIE = 0.5


_given_ports = set()


def free_port():
    """A port nothing listens on, below the kernel's ephemeral range: a port from that
    range (what binding port 0 gives) can be taken as the source port of some outgoing
    connection before the server under test binds it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    rng = random.Random()
    while True:
        port = rng.randrange(10000, max(10001, ephemeral_low))
        if port in _given_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given_ports.add(port)
        return port


def wait_until(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Process:
    """A server under test; its stderr goes to a file shown when the test fails."""

    def __init__(self, argv, env, log_path):
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def terminate(self, timeout=30.0):
        """Sends SIGTERM and returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def cli_greedy(prompt, max_tokens, ignore_eos=False):
    """Greedy token ids of the CLI (checked against llama.cpp by the model tests)."""
    done = subprocess.run([BIN_DIR / "engine" / "generate", f"--model={default_model_path()}",
                           f"--prompt={prompt}", f"--max_tokens={max_tokens}", "--token_ids",
                           f"--ignore_eos={str(ignore_eos).lower()}"],
                          check=True, capture_output=True, text=True, timeout=60)
    return [int(t) for t in done.stdout.split()]


def run_to_exit(argv, env_overrides=None, timeout=30.0):
    """Runs a binary that should exit on its own; returns (exit status, stderr lines)."""
    env = dict(os.environ, **(env_overrides or {}))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


@pytest.fixture
def processes(tmp_path, request):
    """Starts servers with start(argv, env) and stops them all after the test."""
    started = []

    def start(argv, env_overrides=None):
        env = dict(os.environ, **(env_overrides or {}))
        process = Process([str(a) for a in argv], env, tmp_path / f"proc{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            print(f"--- {process.argv[0]} log ---\n{process.log()}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


def start_engine(processes, *flags, env=None):
    """Starts an engine on the default model with `flags` (and environment `env`) and
    waits until its health is SERVING: (process, grpc port, metrics port)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    model = default_model_path()
    assert model.is_file(), f"{model} is missing: run tools/bootstrap.sh"
    port, metrics_port = free_port(), free_port()
    proc = processes(
        [ENGINE, f"--listen=127.0.0.1:{port}", f"--metrics_listen=127.0.0.1:{metrics_port}",
         *flags],
        {"MODEL_PATH": str(model), **(env or {})},
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        def serving():
            assert proc.proc.poll() is None, f"engine exited:\n{proc.log()}"
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.RpcError:
                return False
            return reply.status == health_pb2.HealthCheckResponse.SERVING

        wait_until(serving, what="engine health SERVING")
    return proc, port, metrics_port


@pytest.fixture
def engine(processes):
    """A running engine on the default model: (process, grpc port, metrics port)."""
    return start_engine(processes)


# An engine and a gateway in front of it (tests/openai_api).
API_KEY = "sk-test-key"


def start_stack(start, gateway_flags=(), gateway_env=None, metrics_port=None):
    """Starts an engine (its /metrics on `metrics_port` if given) and a gateway with
    `gateway_flags` through start(argv, env) (the `processes` fixture's signature);
    returns the gateway's URL once it is ready (its engine serving and described)."""
    engine_port, gateway_port = free_port(), free_port()
    metrics_port = metrics_port or free_port()
    engine = start([ENGINE, f"--listen=127.0.0.1:{engine_port}",
                    f"--metrics_listen=127.0.0.1:{metrics_port}"],
                   {"MODEL_PATH": str(default_model_path())})
    gateway = start([GATEWAY, f"--listen=127.0.0.1:{gateway_port}",
                     f"--engines=127.0.0.1:{engine_port}", "--health_interval=100ms",
                     *gateway_flags], gateway_env or {})
    url = f"http://127.0.0.1:{gateway_port}"

    def ready():
        for proc in (engine, gateway):
            assert proc.proc.poll() is None, f"{proc.argv[0]} exited:\n{proc.log()}"
        try:
            headers = {"Authorization": f"Bearer {API_KEY}"}
            return requests.get(f"{url}/v1/models", headers=headers, timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(ready, timeout=30, what="gateway serving /v1/models")
    return url


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The URL of a gateway without API keys in front of an engine, shared by a module."""
    started = []
    tmp_path = tmp_path_factory.mktemp("stack")

    def start(argv, env):
        process = Process([str(a) for a in argv], dict(os.environ, **env),
                          tmp_path / f"proc{len(started)}.log")
        started.append(process)
        return process

    try:
        yield start_stack(start)
    finally:
        for process in started:
            process.kill()
