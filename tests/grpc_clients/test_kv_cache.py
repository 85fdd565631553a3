"""The paged KV cache seen from a client: a shared prompt prefix is served from cached
blocks with unchanged output, a pool too small for every running sequence still
completes every request (preemption), a cancelled stream gives its blocks back, and
n > 1 choices share one prompt and draw the same tokens on several sampling threads as on
one. Outputs are checked against the CLI, which the model tests check against llama.cpp."""

import concurrent.futures
import re

import grpc
import pytest
import requests

import conftest
from conftest import cli_greedy, wait_until
from test_generate import collect, greedy_request
from test_python_client import generate_stubs

# About 120 tokens of system prompt, shared by the requests below.
SYSTEM = ("<|im_start|>system\nYou are a careful assistant for a library. You answer questions "
          "about opening hours, borrowing rules, late fees, the reading rooms, the archive of "
          "old newspapers, the children's section, printing and scanning, wireless access, "
          "membership cards, lost items, events, and accessibility. Keep answers short, "
          "friendly and exact; when you do not know, say so and suggest asking at the front "
          "desk. Never invent opening hours or fees. The library opens at nine and closes at "
          "six on weekdays, and opens at ten and closes at four on Saturdays.<|im_end|>\n")


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(tmp_path_factory.mktemp("stubs"))


def start_engine(processes, stubs, *flags):
    """An engine on the default model with `flags`: (channel, Engine stub, metrics port)."""
    _, pb2_grpc = stubs
    _, port, metrics_port = conftest.start_engine(processes, *flags)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return channel, pb2_grpc.EngineStub(channel), metrics_port


def chat(question):
    return f"{SYSTEM}<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"


def by_choice(stream):
    """Each choice's token ids, by choice index."""
    ids = {}
    for response in stream:
        for choice in response.choices:
            ids.setdefault(choice.index, []).extend(choice.token_ids)
    return ids


def scrape(metrics_port):
    text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", text, re.M)}


def test_a_shared_prefix_is_served_from_cached_blocks(processes, stubs):
    pb2, _ = stubs
    channel, stub, metrics_port = start_engine(processes, stubs)
    with channel:
        first = collect(stub.Generate(greedy_request(pb2, chat("When do you open?"), 12),
                                      timeout=60))
        assert first["usage"].cached_tokens == 0
        before = scrape(metrics_port)
        prompt = chat("Can I print here?")
        second = collect(stub.Generate(greedy_request(pb2, prompt, 12), timeout=60))
        after = scrape(metrics_port)
        tokens = [list(stub.Tokenize(pb2.TokenizeRequest(text=chat(q)), timeout=5).token_ids)
                  for q in ("When do you open?", "Can I print here?")]

    shared = next(i for i, (a, b) in enumerate(zip(*tokens)) if a != b)
    cached = second["usage"].cached_tokens
    # Every whole 16-token block of the shared prefix came from the cache.
    assert shared >= 100 and cached == shared // 16 * 16
    assert (after["llm_engine_prefix_cache_hit_tokens_total"]
            - before["llm_engine_prefix_cache_hit_tokens_total"]) == cached
    assert after["llm_engine_prefix_cache_hit_rate"] > 0
    # Reused blocks change nothing: the output is what the model gives from scratch.
    assert second["ids"] == cli_greedy(prompt, 12)[:len(second["ids"])]
    assert len(second["ids"]) > 0


def test_a_pool_too_small_for_all_sequences_completes_every_request(processes, stubs):
    """4 MiB holds 11 blocks of 16 tokens (176 tokens) of this model's keys and values;
    four requests of about 70 tokens each need 20: the newest are preempted, requeued
    and recomputed, and every output is still exact."""
    pb2, _ = stubs
    channel, stub, metrics_port = start_engine(processes, stubs, "--kv_cache_mb=4")
    prompts = ["The capital of France is", "def fibonacci(n):", "Once upon a time,",
               "List of planets: Mercury,"]
    with channel:
        info = stub.ModelInfo(pb2.ModelInfoRequest(), timeout=5)
        assert info.context_length == 176  # The cache, not the model, is the limit.
        with pytest.raises(grpc.RpcError) as error:
            list(stub.Generate(greedy_request(pb2, "Hi", 500), timeout=30))
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "maximum context length is 176 tokens" in error.value.details()

        with concurrent.futures.ThreadPoolExecutor(len(prompts)) as pool:
            results = list(pool.map(
                lambda p: collect(stub.Generate(greedy_request(pb2, p, 60, ignore_eos=True),
                                                timeout=120)), prompts))
        load = stub.Load(pb2.LoadRequest(), timeout=5)
    for prompt, result in zip(prompts, results):
        assert result["finish"] == pb2.FINISH_REASON_LENGTH
        assert result["ids"] == cli_greedy(prompt, 60, ignore_eos=True)
    assert scrape(metrics_port)["llm_engine_preemptions_total"] > 0
    assert (load.kv_blocks_total, load.kv_block_tokens) == (11, 16)


def test_cancelling_mid_stream_returns_kv_usage_to_its_baseline(processes, stubs):
    pb2, _ = stubs
    channel, stub, metrics_port = start_engine(processes, stubs)
    with channel:
        def used():
            return stub.Load(pb2.LoadRequest(), timeout=5).kv_blocks_used

        baseline = used()
        call = stub.Generate(greedy_request(pb2, "Once upon a time,", 4000, ignore_eos=True),
                             timeout=60)
        next(call)
        wait_until(lambda: used() > baseline + 1, timeout=10, what="the stream to hold blocks")
        call.cancel()
        wait_until(lambda: used() == baseline, timeout=5, what="KV usage back to its baseline")
        assert scrape(metrics_port)["llm_engine_kv_blocks_used"] == baseline


def test_n_choices_share_the_prompt_and_stream_each_choice(processes, stubs):
    pb2, _ = stubs
    channel, stub, _ = start_engine(processes, stubs)
    prompt = "Once upon a time,"
    with channel:
        prompt_tokens = len(stub.Tokenize(pb2.TokenizeRequest(text=prompt), timeout=5).token_ids)
        greedy = greedy_request(pb2, prompt, 16, ignore_eos=True)
        greedy.n = 2
        responses = list(stub.Generate(greedy, timeout=60))
        sampled = pb2.GenerateRequest(
            text=prompt, n=3, sampling=pb2.SamplingParams(temperature=1.0, seed=7),
            stopping=pb2.StoppingCriteria(max_tokens=16, ignore_eos=True))
        first, again = (list(stub.Generate(sampled, timeout=60)) for _ in range(2))

    # Greedy choices are the model's one greedy continuation.
    greedy_ids = cli_greedy(prompt, 16, ignore_eos=True)
    assert by_choice(responses) == {0: greedy_ids, 1: greedy_ids}
    assert responses[-1].usage.completion_tokens == 32
    assert responses[-1].usage.prompt_tokens == prompt_tokens  # Counted once.
    sampled_ids = by_choice(first)
    assert sorted(sampled_ids) == [0, 1, 2]
    assert all(len(ids) == 16 for ids in sampled_ids.values())
    assert len({tuple(ids) for ids in sampled_ids.values()}) > 1  # Seeded choices differ,
    assert by_choice(again) == sampled_ids  # and the seed reproduces all of them.


def test_sampling_threads_draw_what_one_thread_draws(processes, stubs):
    """Seeded sampling is the same whether a step's sequences (here four choices of each
    request, with top-p) draw their tokens on one thread or on four (--sampling_threads,
    which a GPU engine uses by default)."""
    pb2, _ = stubs
    prompts = ["Once upon a time,", "The capital of France is", "def fibonacci(n):"]

    def sample(threads):
        channel, stub, _ = start_engine(processes, stubs, f"--sampling_threads={threads}")
        with channel:
            return [by_choice(stub.Generate(pb2.GenerateRequest(
                text=prompt, n=4,
                sampling=pb2.SamplingParams(temperature=1.0, top_p=0.9, seed=11 + i),
                stopping=pb2.StoppingCriteria(max_tokens=12, ignore_eos=True)), timeout=60))
                for i, prompt in enumerate(prompts)]

    one = sample(1)
    assert all(sorted(choices) == [0, 1, 2, 3] for choices in one)
    assert all(len({tuple(ids) for ids in choices.values()}) > 1 for choices in one)
    assert sample(4) == one

