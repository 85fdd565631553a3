"""The engine binary as operators run it: configuration errors, health, reflection,
metrics and graceful shutdown."""

import grpc
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from conftest import ENGINE, default_model_path, run_to_exit


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--no_such_flag"], {}, "no_such_flag"),
        (["--listen=localhost"], {}, "--listen: invalid address 'localhost': no port"),
        (["--listen=0.0.0.0:99999"], {}, "port must be a number from 1 to 65535"),
        (["--metrics_listen=:9090"], {}, "--metrics_listen: invalid address ':9090': empty host"),
        (["--shutdown_grace=soon"], {}, "shutdown_grace"),
        (["--kv_cache_mb=-1"], {}, "--kv_cache_mb: must be 0 (automatic) to 2^30"),
        (["--sampling_threads=-2"], {}, "--sampling_threads: must be 0 (automatic) to 1024"),
        (["positional"], {}, "unexpected 'positional'"),
        ([], {"USE_INT": "int8"}, "USE_INT='int8': expected true or false"),
        ([], {"TUNA_STREAM_CB_STEP": "0"}, "TUNA_STREAM_CB_STEP='0'"),
        ([], {"LORAS": "org/adapter-without-name"}, "expected SOURCE:NAME"),
        ([], {"LEPTON_CHAT_TEMPLATE": "llama-9"}, "LEPTON_CHAT_TEMPLATE='llama-9'"),
        ([], {"MODEL_PATH": "/nonexistent/model.gguf"}, "no such file or directory"),
        ([], {"MODEL_PATH": "someorg/not-downloaded"}, "does not download models"),
    ],
)
def test_bad_flags_and_env_exit_with_one_line(args, env, message):
    status, stderr = run_to_exit([ENGINE, *args], {"MODEL_PATH": str(default_model_path()), **env})
    assert status != 0
    assert len(stderr) == 1, stderr
    assert message in stderr[0]


def test_rejects_a_file_that_is_not_gguf(tmp_path):
    fake = tmp_path / "weights.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    status, stderr = run_to_exit([ENGINE], {"MODEL_PATH": str(fake)})
    assert status != 0 and len(stderr) == 1
    assert "not a GGUF file" in stderr[0]


def test_health_reflection_and_metrics(engine):
    _, port, metrics_port = engine
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ["", "llm.v1.Engine"]:
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        services = {s.name for r in replies for s in r.list_services_response.service}
        assert {"llm.v1.Engine", "grpc.health.v1.Health"} <= services

    page = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
    assert page.status_code == 200
    assert "llm_engine_ready 1" in page.text
    assert 'llm_engine_model_info{model="SmolLM2-135M-Instruct.Q4_1"} 1' in page.text


def test_sigterm_exits_zero(engine):
    proc, _, _ = engine
    assert proc.terminate(timeout=20) == 0
    assert "stopped" in proc.log()


def test_second_engine_on_a_busy_port_fails(engine, processes):
    _, port, _ = engine
    status, stderr = run_to_exit(
        [ENGINE, f"--listen=127.0.0.1:{port}", "--metrics_listen=127.0.0.1:1"],
        {"MODEL_PATH": str(default_model_path())},
    )
    assert status != 0
    assert any(f"cannot listen on 127.0.0.1:{port}" in line for line in stderr), stderr
