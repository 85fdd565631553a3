"""The render_chat_template CLI (the C++ Jinja interpreter) against Python's jinja2:
every case of the chat-template test data, and inline templates that both render."""

import datetime
import json
import os
import pathlib
import subprocess

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import BIN_DIR, run_to_exit

RENDER = BIN_DIR / "gateway" / "render_chat_template"
TESTDATA = pathlib.Path(
    os.environ.get("CHAT_TEMPLATE_TESTDATA", "/work/shared/testdata/chat_templates")
)

MESSAGES = [
    {"role": "system", "content": "  Be brief.  "},
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_123456789",
                "type": "function",
                "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_123456789", "content": '{"temp": 21.5}'},
    {"role": "assistant", "content": "<think>\nwarm\n</think>\n\nIt is 21.5°C — ünïcödé 日本."},
    {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image"}]},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
]


def jinja2_environment():
    """jinja2 configured as transformers' apply_chat_template configures it."""

    def raise_exception(message):
        raise Exception(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.datetime.now().strftime(fmt)
    return env


def run_cli(cases, templates_dir):
    """Renders JSON-line cases with the CLI; returns one result dict per case."""
    done = subprocess.run(
        [RENDER, f"--templates_dir={templates_dir}"],
        input="".join(json.dumps(case) + "\n" for case in cases),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # Not splitlines(): rendered text may hold U+2028, which JSON leaves unescaped.
    return [json.loads(line) for line in done.stdout.split("\n") if line]


@pytest.mark.skipif(not TESTDATA.is_dir(), reason=f"no chat template test data at {TESTDATA}")
def test_every_dev_case_matches_jinja2():
    lines = (TESTDATA / "dev_cases.jsonl").read_text().splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    results = run_cli(cases, TESTDATA / "templates")
    assert len(results) == len(cases)
    failures = []
    for case, result in zip(cases, results):
        assert result["id"] == case["id"]
        if "expected" in case:
            ok = result.get("output") == case["expected"]
        elif case.get("expected_error_kind") == "raise_exception":
            ok = result.get("error") == case["expected_error"]
        else:
            ok = "error" in result
        if not ok:
            failures.append(f"{case['id']}: {result}")
    assert not failures, f"{len(failures)}/{len(cases)} cases differ:\n" + "\n".join(failures[:10])


# Inline templates rendered by both the CLI and jinja2, which must agree exactly.
INLINE_TEMPLATES = [
    # whitespace control, trim_blocks and lstrip_blocks
    "{% if true %}\n    A\n{% endif %}\n  B\n    {% if true %}  C  {% endif %}\nD {# c #}\nE\n",
    "{%- for m in messages -%}\n  {{- m.role }}\n{% endfor -%}\n  end  ",
    "  {{ 'x' }}\n  {%+ if true %}y{% endif %}\n{% raw %}{{ raw }}{% endraw %}",
    # loops and loop variables
    "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}"
    "{{ loop.last }}{{ loop.length }}{{ loop.previtem is defined }}{{ loop.nextitem is defined }}|"
    "{% endfor %}",
    "{% for m in messages if m.role != 'tool' %}{{ loop.index }}:{{ m.role }}/{{ loop.length }} "
    "{% else %}none{% endfor %}",
    "{% for i in range(10) %}{% if i == 6 %}{% break %}{% endif %}{% if i is odd %}{% continue %}"
    "{% endif %}{{ i }}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for k, v in tools[0].function.parameters.properties.items() %}{{ k }}={{ v.type }};"
    "{% endfor %}{% for k, v in {'x': 1}|items %}{{ k }}{{ v }}{% endfor %}",
    # set, namespace, macros, call, filter blocks
    "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}",
    "{% set ns = namespace(n=0, last=none) %}{% for m in messages %}{% if m.role == 'user' %}"
    "{% set ns.n = ns.n + 1 %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}"
    "{{ ns.n }} {{ ns.last }}",
    "{% macro row(k, v='-') %}<{{ k }}:{{ v }}>{% endmacro %}{{ row('a') }}{{ row('b', v=2) }}"
    "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}in{% endcall %}",
    "{% set block %}  B {{ messages|length }}  {% endset %}[{{ block|trim }}]"
    "{% filter upper %}up {{ 'x' }}{% endfilter %}",
    # expressions, slicing, printing
    "{{ messages[1:3]|map(attribute='role')|list }} {{ messages[-1].role }} {{ messages[::-2]|length }}"
    " {{ 'abcdef'[1:-1:2] }} {{ 'héllo'[1:3] }}",
    "{{ 1.0 }} {{ 3/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7 % 3 }} {{ 2**10 }} {{ 0.1 + 0.2 }} {{ 1e20 }}",
    "{{ [1, 'a', none, true, 1.5, {'k': (1,)}] }} {{ none }} {{ True }} {{ \"it's\" }}",
    "{{ 'y' if messages else 'n' }}|{{ 'y' if false }}|{{ x is defined }}{{ x|default('d') }}",
    "{{ 1 < 2 < 3 }} {{ 'a' in 'abc' }} {{ 'role' in messages[0] }} {{ 3 not in [1] }}",
    # filters
    "{{ messages[0].content|trim }}|{{ 'Hello World'|lower|upper }}|{{ 'ab cd'|title }}"
    "|{{ 'ab'|capitalize }}|{{ 'a-b'|replace('-', '+') }}|{{ 42|string }}",
    "{{ tools|tojson }}\n{{ tools[0].function.parameters|tojson(indent=2) }}\n"
    "{{ messages[4].content|tojson }}",
    "{{ messages|selectattr('role', 'equalto', 'user')|list|length }} "
    "{{ messages|rejectattr('content', 'none')|map(attribute='role')|join(',') }} "
    "{{ messages|selectattr('tool_calls', 'defined')|list|length }}",
    "{{ [3, 1, 2]|sort }} {{ ['b', 'A']|sort }} {{ [1, 2, 2]|unique|list }} {{ [1, 2]|reverse|list }}"
    " {{ [1, 2, 3]|sum }} {{ [4, 5]|min }} {{ [4, 5]|max }} {{ {'b': 1, 'a': 2}|dictsort }}",
    "{{ '42'|int + 1 }} {{ '2.5'|float }} {{ -3|abs }} {{ 2.5|round }} {{ 'a\\nb'|indent(2) }}"
    " {{ 'one two'|wordcount }} {{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }}",
    # tests and methods
    "{{ none is none }}{{ 'a' is string }}{{ 1 is number }}{{ {} is mapping }}{{ [] is iterable }}"
    "{{ [] is sequence }}{{ true is boolean }}{{ 4 is even }}{{ 9 is divisibleby 3 }}"
    "{{ 1 is not eq 2 }}{{ x is undefined }}",
    "{{ '  a  '.strip() }}|{{ 'x</think>y'.split('</think>')[-1].lstrip() }}|{{ 'a b'.split() }}"
    "|{{ 'abc'.startswith(('x', 'a')) }}|{{ 'abc'.endswith('c') }}|{{ 'hi there'.title() }}"
    "|{{ messages[0].get('role') }}|{{ messages[0].keys()|list }}",
    # errors: both must fail
    "{{ raise_exception('custom failure') }}",
    "{{ undefined_variable.attribute }}",
    "{{ messages.append(1) }}",
]


def test_inline_templates_match_jinja2(tmp_path):
    env = jinja2_environment()
    context = {
        "messages": MESSAGES,
        "tools": TOOLS,
        "documents": None,
        "add_generation_prompt": True,
        "bos_token": "<s>",
    }
    cases = []
    for i, source in enumerate(INLINE_TEMPLATES):
        (tmp_path / f"t{i}.jinja").write_text(source)
        cases.append(
            {
                "id": i,
                "template": f"t{i}",
                "messages": MESSAGES,
                "tools": TOOLS,
                "add_generation_prompt": True,
                "bos_token": "<s>",
                "eos_token": None,
            }
        )
    results = run_cli(cases, tmp_path)
    for source, result in zip(INLINE_TEMPLATES, results):
        try:
            expected = env.from_string(source).render(**context)
        except Exception as error:  # jinja2 raised: the CLI must report an error too
            assert "error" in result, f"{source!r}: jinja2 raised {error!r}, CLI gave {result}"
            if type(error) is Exception:  # raise_exception: the message must match exactly
                assert result["error"] == str(error)
            continue
        assert result.get("output") == expected, f"{source!r}: {result}"


def test_malformed_lines_are_reported_and_processing_continues(tmp_path):
    (tmp_path / "hello.jinja").write_text("Hello {{ messages[0].content }}!")
    good = {"id": "ok", "template": "hello", "messages": [{"role": "user", "content": "you"}]}
    lines = [
        "not json",
        json.dumps({"id": "missing", "template": "nope", "messages": []}),
        json.dumps({"id": "no-messages", "template": "hello"}),
        json.dumps({"id": "escape", "template": "../hello", "messages": []}),
        json.dumps(good),
    ]
    done = subprocess.run(
        [RENDER, f"--templates_dir={tmp_path}"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.split("\n") if line]
    assert [r["id"] for r in results] == [None, "missing", "no-messages", "escape", "ok"]
    assert all("error" in r for r in results[:4])
    assert results[4] == {"id": "ok", "output": "Hello you!"}


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--templates_dir: required"),
        (["--templates_dir=/no/such/dir"], "--templates_dir: not a readable directory"),
        (["--no_such_flag"], "no_such_flag"),
    ],
)
def test_bad_flags_exit_with_one_line(args, message):
    status, stderr = run_to_exit([RENDER, *args])
    assert status == 1
    assert len(stderr) == 1, stderr
    assert message in stderr[0]
