"""Project C++ macros. Every BUILD.bazel calls these, never cc_* directly, so the
compile options for our own code (C++20, warnings as errors) live in one place."""

LLM_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    # C++20 designated initializers leave the other members at their defaults on purpose.
    "-Wno-missing-field-initializers",
]

def llm_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = LLM_COPTS + copts, **kwargs)

def llm_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = LLM_COPTS + copts, **kwargs)

def llm_cc_test(name, copts = [], deps = [], size = "small", **kwargs):
    """A GoogleTest test (with GoogleMock); main() comes from gtest_main."""
    native.cc_test(
        name = name,
        size = size,
        copts = LLM_COPTS + copts,
        deps = deps + ["@system//:gtest_main"],
        **kwargs
    )
