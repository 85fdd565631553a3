"""The named chat templates the gateway compiles in (gateway/chat_templates/named, the
LEPTON_CHAT_TEMPLATE names): each renders conversations through our Jinja interpreter
exactly as Python's jinja2 renders them."""

import pytest

from conftest import ROOT
from test_render_chat_template import jinja2_environment, run_cli

NAMED = ROOT / "gateway" / "chat_templates" / "named"
CONVERSATIONS = {
    "single": [{"role": "user", "content": "Hello!"}],
    "system": [{"role": "system", "content": "Be brief."},
               {"role": "user", "content": "Name a color."}],
    "turns": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "Hello! "}, {"role": "user", "content": " Bye "}],
}


@pytest.mark.parametrize("template", sorted(p.stem for p in NAMED.glob("*.jinja")))
def test_named_template_renders_as_jinja2_does(template):
    source = (NAMED / f"{template}.jinja").read_text()
    env = jinja2_environment()
    cases, expected = [], []
    for name, messages in CONVERSATIONS.items():
        for generation in (False, True):
            cases.append({"id": f"{template}/{name}/{generation}", "template": template,
                          "messages": messages, "add_generation_prompt": generation,
                          "bos_token": "<s>", "eos_token": "</s>"})
            expected.append(env.from_string(source).render(
                messages=messages, add_generation_prompt=generation, bos_token="<s>",
                eos_token="</s>", tools=None, documents=None))
    results = run_cli(cases, NAMED)
    assert [r.get("output", r.get("error")) for r in results] == expected
