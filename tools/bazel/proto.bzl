"""llm_proto_library: C++ protobuf + gRPC code from .proto files, with Debian's protoc.

Bazel 4's native proto rules would download protobuf's sources; instead a genrule calls
the system `protoc` with `grpc_cpp_plugin`. Import paths are relative to the package
holding the .proto files, so `proto/llm/v1/engine.proto` is imported and included as
`llm/v1/engine.proto` / `llm/v1/engine.grpc.pb.h`, the same paths other languages use.
"""

def llm_proto_library(name, srcs, deps = [], grpc = True, **kwargs):
    """Generates and compiles C++ code for `srcs`.

    Args:
      name: the cc_library to depend on.
      srcs: .proto files in this package (subfolders allowed).
      deps: other llm_proto_library targets imported by `srcs`.
      grpc: also generate service stubs (*.grpc.pb.{h,cc}).
      **kwargs: passed to the cc_library.
    """
    stems = [s[:-len(".proto")] for s in srcs]
    pb = [s + ext for s in stems for ext in [".pb.h", ".pb.cc"]]
    grpc_outs = [s + ext for s in stems for ext in [".grpc.pb.h", ".grpc.pb.cc"]] if grpc else []
    package = native.package_name()
    plugin = " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin --grpc_out=$(GENDIR)/%s" % package
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
    )
    native.genrule(
        name = name + "_protoc",
        srcs = [name + "_srcs"],
        outs = pb + grpc_outs,
        cmd = "protoc --proto_path=%s --cpp_out=$(GENDIR)/%s%s %s" % (
            package,
            package,
            plugin if grpc else "",
            " ".join(["%s/%s" % (package, s) for s in srcs]),
        ),
        message = "protoc %s" % name,
    )
    native.cc_library(
        name = name,
        srcs = [f for f in pb + grpc_outs if f.endswith(".cc")],
        hdrs = [f for f in pb + grpc_outs if f.endswith(".h")],
        includes = ["."],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc"] if grpc else []),
        **kwargs
    )
