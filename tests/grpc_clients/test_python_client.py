"""An internal service's view: Python stubs generated from proto/ with grpcio-tools must
describe exactly the API the engine serves (checked through server reflection)."""

import importlib
import sys

import grpc
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_tools import protoc

from conftest import ROOT


def generate_stubs(out_dir):
    status = protoc.main(
        [
            "protoc",
            f"-I{ROOT / 'proto'}",
            f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            "llm/v1/engine.proto",
        ]
    )
    assert status == 0, "grpc_tools.protoc failed on proto/llm/v1/engine.proto"
    sys.path.insert(0, str(out_dir))
    try:
        return importlib.import_module("llm.v1.engine_pb2"), importlib.import_module(
            "llm.v1.engine_pb2_grpc"
        )
    finally:
        sys.path.remove(str(out_dir))


def served_file_descriptor(port):
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="llm.v1.Engine")
        (reply,) = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    served = descriptor_pb2.FileDescriptorProto()
    served.ParseFromString(reply.file_descriptor_response.file_descriptor_proto[0])
    return served


def test_generated_stubs_match_the_served_api(engine, tmp_path):
    _, port, _ = engine
    engine_pb2, engine_pb2_grpc = generate_stubs(tmp_path)
    assert hasattr(engine_pb2_grpc, "EngineStub")

    ours = descriptor_pb2.FileDescriptorProto()
    engine_pb2.DESCRIPTOR.CopyToProto(ours)
    served = served_file_descriptor(port)
    assert served.package == "llm.v1"
    assert [m.name for m in served.service[0].method] == [m.name for m in ours.service[0].method]
    assert {m.name: [f.name for f in m.field] for m in served.message_type} == {
        m.name: [f.name for f in m.field] for m in ours.message_type
    }

    # A request built with the generated classes survives the round trip intact.
    request = engine_pb2.GenerateRequest(
        request_id="r1",
        text="Hello",
        sampling=engine_pb2.SamplingParams(temperature=0.0, seed=7, logit_bias={42: -100.0}),
        stopping=engine_pb2.StoppingCriteria(max_tokens=16, stop=["\n\n"]),
        n=2,
    )
    decoded = engine_pb2.GenerateRequest.FromString(request.SerializeToString())
    assert decoded.sampling.HasField("temperature") and decoded.sampling.temperature == 0.0
    assert decoded.WhichOneof("input") == "text"
