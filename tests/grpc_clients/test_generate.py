"""Generate over gRPC, as an internal service calls it (stubs generated from proto/):
greedy output equals the CLI's (which the model tests check against llama.cpp), batching
never changes a sequence's tokens, streaming chunks, stop strings, seeds, cancellation,
deadlines, and INVALID_ARGUMENT / NOT_FOUND for bad requests."""

import concurrent.futures
import time

import grpc
import pytest

from conftest import cli_greedy, default_model_path, wait_until
from test_python_client import generate_stubs

PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time,",
           "<|im_start|>user\nName three colors.<|im_end|>\n<|im_start|>assistant\n",
           "The three primary colors are", "import numpy as np\nx = np.",
           "In 1969, the first person to walk on the moon was", "List of planets: Mercury,"]


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(tmp_path_factory.mktemp("stubs"))


@pytest.fixture
def client(engine, stubs):
    _, port, _ = engine
    pb2, pb2_grpc = stubs
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pb2, pb2_grpc.EngineStub(channel)
    channel.close()


def start_engine(processes, stubs, *flags, env=None):
    """An engine on the default model with `flags` and environment `env`: (process,
    channel, Engine stub)."""
    import conftest

    _, pb2_grpc = stubs
    proc, port, _ = conftest.start_engine(processes, *flags, env=env)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return proc, channel, pb2_grpc.EngineStub(channel)


def greedy_request(pb2, prompt, max_tokens=20, **stopping):
    return pb2.GenerateRequest(text=prompt, sampling=pb2.SamplingParams(temperature=0),
                               stopping=pb2.StoppingCriteria(max_tokens=max_tokens, **stopping))


def collect(responses):
    ids, text, chunks, finish, usage, stop = [], "", [], None, None, None
    for response in responses:
        for choice in response.choices:
            ids += list(choice.token_ids)
            text += choice.text
            chunks.append(len(choice.token_ids))
            if choice.finish_reason:
                finish = choice.finish_reason
                stop = choice.stop_string or None
        if response.HasField("usage"):
            usage = response.usage
    return dict(ids=ids, text=text, chunks=chunks, finish=finish, usage=usage, stop=stop)


def test_greedy_equals_the_cli_and_streams_in_chunks(client):
    pb2, stub = client
    for prompt in PROMPTS[:3]:
        result = collect(stub.Generate(greedy_request(pb2, prompt), timeout=60))
        cli = cli_greedy(prompt, 20)
        assert result["ids"] == cli[:len(result["ids"])]
        assert result["usage"].prompt_tokens > 0
        assert result["usage"].completion_tokens >= len(result["ids"])
        # TUNA_STREAM_CB_STEP (default 3): every chunk but the last carries 3 or more.
        assert all(n >= 3 for n in result["chunks"][:-1]), result["chunks"]
        assert result["finish"] in (pb2.FINISH_REASON_LENGTH, pb2.FINISH_REASON_STOP)


def test_concurrent_streams_produce_what_each_produces_alone(client):
    """32 greedy streams with prompts of different lengths, all in one batch, produce
    exactly the tokens each produces alone."""
    pb2, stub = client
    prompts = PROMPTS + [f"Question {i}: what is {i} plus {3 * i + 1}? Answer:" for i in range(24)]

    def run(prompt):
        return collect(stub.Generate(greedy_request(pb2, prompt, 16), timeout=180))["ids"]

    alone = [run(p) for p in prompts]
    with concurrent.futures.ThreadPoolExecutor(len(prompts)) as pool:
        together = list(pool.map(run, prompts))
    assert together == alone


def test_chunked_prefill_leaves_greedy_output_unchanged(processes, stubs):
    """With a step budget of 7 tokens every prompt is prefilled over several steps, side by
    side with streams that decode; each still produces what the CLI produces."""
    pb2, _ = stubs
    _, channel, stub = start_engine(processes, stubs, "--step_tokens=7")
    long_prompt = "Here is a list of fruits: " + ", ".join(
        ["apple", "banana", "cherry", "grape", "mango", "pear", "plum"] * 6) + ", and"
    prompts = PROMPTS[:4] + [long_prompt]
    with channel, concurrent.futures.ThreadPoolExecutor(len(prompts)) as pool:
        served = list(pool.map(
            lambda p: collect(stub.Generate(greedy_request(pb2, p, 12), timeout=120))["ids"],
            prompts))
    for prompt, ids in zip(prompts, served):
        assert ids == cli_greedy(prompt, 12)[:len(ids)], prompt


def test_stop_strings_are_never_sent(client):
    pb2, stub = client
    full = collect(stub.Generate(greedy_request(pb2, "The capital of France is"), timeout=60))
    text = full["text"]
    stop = text[len(text) // 2:len(text) // 2 + 5]  # Mid-output, likely across tokens.
    assert len(stop) == 5
    stopped = collect(stub.Generate(greedy_request(pb2, "The capital of France is",
                                                   stop=[stop]), timeout=60))
    assert stopped["text"] == text[:text.index(stop)]
    assert stopped["finish"] == pb2.FINISH_REASON_STOP and stopped["stop"] == stop


def test_a_seed_reproduces_its_sample(client):
    pb2, stub = client

    def sample(seed):
        request = pb2.GenerateRequest(
            text="Once upon a time,", sampling=pb2.SamplingParams(temperature=1.0, seed=seed),
            stopping=pb2.StoppingCriteria(max_tokens=24, ignore_eos=True))
        return collect(stub.Generate(request, timeout=60))["ids"]

    assert sample(42) == sample(42)
    assert sample(42) != sample(43)


def test_echo_returns_the_prompt_once_before_the_completion(client):
    pb2, stub = client
    text = "<|im_start|>user\nHi<|im_end|>"
    ids = list(stub.Tokenize(pb2.TokenizeRequest(text=text), timeout=10).token_ids)
    for request in (greedy_request(pb2, text, 6), pb2.GenerateRequest(
            token_ids=pb2.TokenIds(ids=ids), sampling=pb2.SamplingParams(temperature=0),
            stopping=pb2.StoppingCriteria(max_tokens=6))):
        request.echo = True
        responses = list(stub.Generate(request, timeout=60))
        assert list(responses[0].prompt.token_ids) == ids
        assert responses[0].prompt.text == text  # Special tokens included.
        assert not any(r.HasField("prompt") for r in responses[1:])
        request.echo = False
        assert collect(responses)["ids"] == collect(stub.Generate(request, timeout=60))["ids"]


def test_echo_with_logprobs_scores_every_prompt_token(client):
    """Prompt log-probabilities against a float64 NumPy forward pass over the same GGUF
    weights: within 0.3 nats (activations are rounded to 8 bits, as llama.cpp does)."""
    import numpy as np

    from reference.numpy_llama import NumpyLlama

    pb2, stub = client
    request = greedy_request(pb2, "The capital of France is Paris, and the capital of Italy is",
                             3)
    request.echo, request.logprobs, request.top_logprobs = True, True, 2
    # The second time the prompt's blocks are cached, yet every token is still scored.
    prompts = [list(stub.Generate(request, timeout=60))[0].prompt for _ in range(2)]
    ids = list(prompts[0].token_ids)
    logits = NumpyLlama(default_model_path()).logits(ids)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    expected = log_softmax[np.arange(len(ids) - 1), ids[1:]]
    for prompt in prompts:
        assert [e.token_id for e in prompt.logprobs] == ids
        assert not prompt.logprobs[0].HasField("logprob")  # The first token has no context.
        assert all(len(e.top_logprobs) == 2 for e in prompt.logprobs[1:])
        ours = np.array([e.logprob for e in prompt.logprobs[1:]])
        np.testing.assert_allclose(ours, expected, atol=0.3, rtol=0)


def test_cancelled_call_frees_its_sequence(client):
    pb2, stub = client
    call = stub.Generate(greedy_request(pb2, "Once upon a time,", 4000, ignore_eos=True),
                         timeout=60)
    next(call)
    call.cancel()
    wait_until(lambda: stub.Load(pb2.LoadRequest(), timeout=5).running_sequences == 0,
               timeout=10, what="the cancelled sequence to go")
    assert collect(stub.Generate(greedy_request(pb2, "Hi", 3), timeout=60))["ids"]


@pytest.mark.parametrize("change, code, message", [
    (dict(stopping=dict(max_tokens=9000)), grpc.StatusCode.INVALID_ARGUMENT,
     "maximum context length is 8192 tokens, however you requested 9005 tokens (5 in your "
     "prompt; 9000 for the completion)"),
    (dict(sampling=dict(temperature=-1)), grpc.StatusCode.INVALID_ARGUMENT, "temperature"),
    (dict(sampling=dict(top_p=0)), grpc.StatusCode.INVALID_ARGUMENT, "top_p"),
    (dict(sampling=dict(logit_bias={99999: 1.0})), grpc.StatusCode.INVALID_ARGUMENT,
     "logit_bias"),
    (dict(adapter="sql-lora"), grpc.StatusCode.NOT_FOUND, "adapter 'sql-lora'"),
    (dict(text=""), grpc.StatusCode.INVALID_ARGUMENT, "input is empty"),
    (dict(n=129), grpc.StatusCode.INVALID_ARGUMENT, "n = 129 is more than 128"),
    (dict(n=100), grpc.StatusCode.INVALID_ARGUMENT, "n = 100 is more choices than the engine"),
])
def test_bad_requests_get_clear_status(client, change, code, message):
    pb2, stub = client
    fields = dict(text="The capital of France is")
    for key, value in change.items():
        fields[key] = (pb2.SamplingParams(**value) if key == "sampling" else
                       pb2.StoppingCriteria(**value) if key == "stopping" else value)
    with pytest.raises(grpc.RpcError) as error:
        list(stub.Generate(pb2.GenerateRequest(**fields), timeout=30))
    assert error.value.code() == code
    assert message in error.value.details()


def test_full_queue_answers_resource_exhausted(processes, stubs):
    """With room for one running and one queued request, a third is refused at once."""
    pb2, _ = stubs
    _, channel, stub = start_engine(processes, stubs, "--max_running=1", "--max_queued=1")
    with channel:
        long = greedy_request(pb2, "Once upon a time,", 2000, ignore_eos=True)
        first = stub.Generate(long, timeout=60)
        next(first)  # Running.
        second = stub.Generate(long, timeout=60)
        wait_until(lambda: stub.Load(pb2.LoadRequest(), timeout=5).queued_requests == 1,
                   what="the second request to queue")
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as error:
            list(stub.Generate(long, timeout=60))
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "the engine is full" in error.value.details()
        assert time.monotonic() - started < 2
        load = stub.Load(pb2.LoadRequest(), timeout=5)
        assert (load.max_running_sequences, load.max_queued_requests) == (1, 1)
        first.cancel()
        second.cancel()


def test_deadlines_free_queued_and_running_requests(processes, stubs):
    """A call whose deadline passes ends with DEADLINE_EXCEEDED and gives up its place at
    once: a queued request leaves the queue without waiting its turn, a running one stops,
    and the engine serves on."""
    pb2, _ = stubs
    _, channel, stub = start_engine(processes, stubs, "--max_running=1")
    with channel:
        def load():
            return stub.Load(pb2.LoadRequest(), timeout=5)

        long = greedy_request(pb2, "Once upon a time,", 4000, ignore_eos=True)
        running = stub.Generate(long, timeout=8)
        next(running)
        with pytest.raises(grpc.RpcError) as error:
            list(stub.Generate(long, timeout=0.5))  # Queued behind `running` until it expires.
        assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        wait_until(lambda: load().queued_requests == 0, timeout=2,
                   what="the expired request to leave the queue")
        assert load().running_sequences == 1
        with pytest.raises(grpc.RpcError) as error:
            list(running)
        assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        wait_until(lambda: load().running_sequences == 0, timeout=2,
                   what="the expired sequence to stop")
        assert collect(stub.Generate(greedy_request(pb2, "Hi", 3), timeout=60))["ids"]


def test_sigterm_lets_streams_in_flight_finish(processes, stubs):
    """SIGTERM: health turns NOT_SERVING, new calls are refused, the streams already
    running complete, and the process exits 0."""
    import signal

    pb2, _ = stubs
    proc, channel, stub = start_engine(processes, stubs)
    with channel:
        calls = [stub.Generate(greedy_request(pb2, p, 150, ignore_eos=True), timeout=120)
                 for p in PROMPTS[:2]]
        firsts = [next(call) for call in calls]  # Both are running.
        proc.proc.send_signal(signal.SIGTERM)
        results = [collect([first, *call]) for first, call in zip(firsts, calls)]
        for result in results:
            assert result["finish"] == pb2.FINISH_REASON_LENGTH
            assert result["usage"].completion_tokens == 150
        assert proc.proc.wait(timeout=30) == 0


def test_metrics_count_tokens_outcomes_and_latency(engine, client):
    import re

    import requests

    pb2, stub = client
    _, _, metrics_port = engine

    def scrape():
        text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        return {m.group(1): float(m.group(2))
                for m in re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", text, re.M)}

    before = scrape()
    collect(stub.Generate(greedy_request(pb2, "The capital of France is", 10,
                                         ignore_eos=True), timeout=60))
    after = scrape()

    def grew(name):
        return after.get(name, 0) - before.get(name, 0)

    assert grew("llm_engine_generated_tokens_total") == 10
    assert grew("llm_engine_prompt_tokens_total") == 5
    assert grew('llm_engine_requests_total{outcome="length"}') == 1
    assert grew("llm_engine_time_to_first_token_seconds_count") == 1
    assert grew("llm_engine_inter_token_latency_seconds_count") == 9
    # The gauge follows the loop's step, just after the last response went out.
    wait_until(lambda: scrape()["llm_engine_running_sequences"] == 0, timeout=5,
               what="running_sequences back to 0")
