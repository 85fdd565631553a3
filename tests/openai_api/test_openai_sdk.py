"""The official OpenAI Python SDK (current release) against the real gateway and engine:
completions and chat completions, streamed and not, the gpt-3.5-turbo alias, n > 1,
stop, logprobs, seeds, usage in streams. Greedy outputs are checked against the CLI
(itself checked against llama.cpp) and chat prompts against transformers'
apply_chat_template."""

import openai
import pytest
from transformers import AutoTokenizer

from conftest import cli_greedy, default_model_path

PROMPT = "The capital of France is"
MESSAGES = [{"role": "system", "content": "You are a terse assistant."},
            {"role": "user", "content": "Name three colors."}]


@pytest.fixture(scope="module")
def client(stack):
    return openai.OpenAI(base_url=f"{stack}/api/v1/", api_key="unused", max_retries=0)


@pytest.fixture(scope="module")
def detokenize():
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path().parent),
                                              gguf_file=default_model_path().name)
    return lambda ids: tokenizer.decode(ids, skip_special_tokens=True)


@pytest.fixture(scope="module")
def chat_prompt():
    """The conversation as transformers renders it with the model's own template (from
    the GGUF's metadata, read with gguf-py)."""
    from gguf import GGUFReader

    field = GGUFReader(default_model_path()).fields["tokenizer.chat_template"]
    template = bytes(field.parts[field.data[0]]).decode()
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path().parent),
                                              gguf_file=default_model_path().name)
    return tokenizer.apply_chat_template(MESSAGES, chat_template=template, tokenize=False,
                                         add_generation_prompt=True)


def test_completion_is_the_models_greedy_continuation(client, detokenize):
    completion = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=12,
                                           temperature=0)
    assert completion.id.startswith("cmpl-")
    assert completion.object == "text_completion"
    assert completion.model == "gpt-3.5-turbo"
    choice = completion.choices[0]
    expected = cli_greedy(PROMPT, 12)
    assert choice.text == detokenize(expected)
    assert choice.finish_reason == ("length" if len(expected) == 12 else "stop")
    assert completion.usage.completion_tokens == len(expected)
    assert completion.usage.total_tokens == (completion.usage.prompt_tokens
                                             + completion.usage.completion_tokens)


def test_chat_equals_a_completion_of_the_locally_rendered_prompt(client, chat_prompt):
    chat = client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES,
                                          max_tokens=16, temperature=0)
    assert chat.id.startswith("chatcmpl-")
    assert chat.object == "chat.completion"
    message = chat.choices[0].message
    assert message.role == "assistant"
    completion = client.completions.create(model="gpt-3.5-turbo", prompt=chat_prompt,
                                           max_tokens=16, temperature=0)
    assert message.content == completion.choices[0].text
    assert message.content.strip()
    assert chat.usage.prompt_tokens == completion.usage.prompt_tokens


def test_streams_carry_the_same_text(client):
    whole = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=20,
                                      temperature=0)
    chunks = list(client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=20,
                                            temperature=0, stream=True))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == whole.choices[0].text
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason

    chat_whole = client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES,
                                                max_tokens=20, temperature=0)
    chat_chunks = list(client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES,
                                                      max_tokens=20, temperature=0, stream=True))
    assert chat_chunks[0].object == "chat.completion.chunk"
    assert chat_chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chat_chunks if c.choices)
    assert text == chat_whole.choices[0].message.content
    assert chat_chunks[-1].choices[0].finish_reason == chat_whole.choices[0].finish_reason


def test_usage_arrives_last_in_a_stream_when_asked(client):
    chunks = list(client.chat.completions.create(
        model="gpt-3.5-turbo", messages=MESSAGES, max_tokens=5, temperature=0, stream=True,
        stream_options={"include_usage": True}))
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 5
    assert all(c.usage is None for c in chunks[:-1])


def test_n_choices_are_indexed_and_each_complete(client):
    completion = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=6,
                                           temperature=1.0, n=3, seed=11)
    assert sorted(c.index for c in completion.choices) == [0, 1, 2]
    assert all(c.finish_reason in ("stop", "length") for c in completion.choices)
    assert 3 <= completion.usage.completion_tokens <= 18
    streamed = list(client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES,
                                                   max_tokens=6, n=2, stream=True))
    indices = {c.choices[0].index for c in streamed if c.choices}
    assert indices == {0, 1}
    finished = [c.choices[0] for c in streamed if c.choices and c.choices[0].finish_reason]
    assert sorted(c.index for c in finished) == [0, 1]


def test_a_stop_string_ends_the_text_before_it(client):
    whole = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=20,
                                      temperature=0).choices[0].text
    stop = whole[len(whole) // 2:len(whole) // 2 + 3]
    stopped = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=20,
                                        temperature=0, stop=[stop]).choices[0]
    assert stopped.text == whole[:whole.index(stop)]
    assert stopped.finish_reason == "stop"


def test_logprobs_in_both_shapes(client):
    completion = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=4,
                                           temperature=0, logprobs=2)
    logprobs = completion.choices[0].logprobs
    assert len(logprobs.tokens) == 4 == len(logprobs.token_logprobs)
    assert "".join(logprobs.tokens) == completion.choices[0].text
    assert all(len(top) == 2 and max(top.values()) == pytest.approx(lp, abs=1e-5)
               for top, lp in zip(logprobs.top_logprobs, logprobs.token_logprobs))
    assert logprobs.text_offset[0] == 0

    chat = client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES,
                                          max_tokens=4, temperature=0, logprobs=True,
                                          top_logprobs=3)
    content = chat.choices[0].logprobs.content
    assert len(content) == 4
    assert all(len(entry.top_logprobs) == 3 and entry.logprob <= 0 for entry in content)
    assert bytes(sum((entry.bytes for entry in content), [])).decode() == \
        chat.choices[0].message.content


def test_a_seed_reproduces_a_sample(client):
    def sample(seed):
        return client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=12,
                                         temperature=1.0, seed=seed).choices[0].text

    assert sample(5) == sample(5)
    assert len({sample(s) for s in range(4)}) > 1


def test_echo_returns_the_prompt_first(client):
    completion = client.completions.create(model="gpt-3.5-turbo", prompt=PROMPT, max_tokens=3,
                                           temperature=0, echo=True)
    assert completion.choices[0].text.startswith(PROMPT)


def test_models_lists_the_model_and_the_alias(client, stack):
    ids = [m.id for m in client.models.list()]
    assert "gpt-3.5-turbo" in ids and len(ids) >= 2
    served = ids[0]
    assert client.models.retrieve(served).id == served
    with pytest.raises(openai.NotFoundError) as error:
        client.completions.create(model="no-such-model", prompt=PROMPT, max_tokens=2)
    assert error.value.code == "model_not_found"
    assert "no-such-model" in error.value.message
