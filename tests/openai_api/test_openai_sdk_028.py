"""Old client code: the pre-1.0 SDK (openai 0.28.1, in its own venv), as code written
for it calls the API: openai.Completion / openai.ChatCompletion with "gpt-3.5-turbo",
streamed and not."""

import json
import subprocess

from conftest import ROOT

SCRIPT = r'''
import json, sys
import openai
openai.api_base = sys.argv[1] + "/api/v1"
openai.api_key = "unused"
out = {}
c = openai.Completion.create(model="gpt-3.5-turbo", prompt="The capital of France is",
                             max_tokens=8, temperature=0)
out["completion"] = c["choices"][0]["text"]
out["completion_stream"] = "".join(
    e["choices"][0]["text"] for e in openai.Completion.create(
        model="gpt-3.5-turbo", prompt="The capital of France is", max_tokens=8, temperature=0,
        stream=True))
messages = [{"role": "user", "content": "Say hello."}]
r = openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=messages, max_tokens=8,
                                 temperature=0)
out["chat"] = r["choices"][0]["message"]["content"]
out["chat_role"] = r["choices"][0]["message"]["role"]
out["chat_stream"] = "".join(
    e["choices"][0]["delta"].get("content", "") for e in openai.ChatCompletion.create(
        model="gpt-3.5-turbo", messages=messages, max_tokens=8, temperature=0, stream=True))
try:
    openai.Completion.create(model="no-such-model", prompt="x", max_tokens=1)
except openai.error.InvalidRequestError as e:
    out["not_found"] = e.http_status
print(json.dumps(out))
'''


def test_old_sdk_code_just_works(stack):
    python = ROOT / ".venv-openai028" / "bin" / "python"
    done = subprocess.run([python, "-c", SCRIPT, stack], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["completion"] and out["completion"] == out["completion_stream"]
    assert out["chat"] and out["chat"] == out["chat_stream"]
    assert out["chat_role"] == "assistant"
    assert out["not_found"] == 404
