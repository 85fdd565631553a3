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


def test_tokenize_detokenize_and_model_info(engine, tmp_path):
    """Tokenize, Detokenize and ModelInfo from the loaded default model, through stubs
    generated from proto/; tokenization checked against llama.cpp."""
    from llama_cpp import Llama

    from conftest import default_model_path

    _, port, _ = engine
    engine_pb2, engine_pb2_grpc = generate_stubs(tmp_path)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = engine_pb2_grpc.EngineStub(channel)

        info = stub.ModelInfo(engine_pb2.ModelInfoRequest(), timeout=10)
        assert info.architecture == "LlamaForCausalLM"
        assert info.context_length == 8192 and info.vocab_size == 49152
        assert info.weight_format == "Q4_1"
        assert 130_000_000 < info.parameter_count < 140_000_000
        assert [t.text for t in info.eos_tokens] == ["<|im_end|>"]
        assert "<|im_start|>" in info.chat_templates.model_template
        assert info.device.kind == "cpu" and info.device.memory_bytes > 0

        llama = Llama(str(default_model_path()), vocab_only=True, verbose=False)
        try:
            for text in ["Hello world", " naïve café 😀 123456", "<|im_start|>user\nHi<|im_end|>"]:
                reply = stub.Tokenize(engine_pb2.TokenizeRequest(text=text, return_tokens=True),
                                      timeout=10)
                assert list(reply.token_ids) == llama.tokenize(text.encode(), add_bos=False,
                                                               special=True)
                assert len(reply.tokens) == len(reply.token_ids)
                decoded = stub.Detokenize(engine_pb2.DetokenizeRequest(
                    token_ids=reply.token_ids, skip_special_tokens=False), timeout=10)
                assert decoded.text == text
        finally:
            llama.close()

        try:
            stub.Detokenize(engine_pb2.DetokenizeRequest(token_ids=[5, 49152]), timeout=10)
            raise AssertionError("an id outside the vocabulary was accepted")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "token_ids[1] = 49152 is outside the vocabulary" in error.details()
