"""llm_cuda_library: CUDA sources compiled by nvcc into a library C++ targets link.

Bazel 4 has no CUDA rules, so a genrule runs nvcc over each .cu file and packs the
objects into a static archive; a cc_library wraps the archive with the CUDA runtime
(static, so no libcudart is needed at run time), cuBLASLt and NCCL. Nothing here needs
a GPU: device code is compiled ahead of time for every architecture in CUDA_ARCHS.
"""

CUDA_HOME = "/usr/local/cuda"

# A100 (sm_80) and H100/H200 (sm_90a: wgmma and TMA), plus PTX for newer GPUs to JIT.
CUDA_ARCHS = [
    "-gencode=arch=compute_80,code=sm_80",
    "-gencode=arch=compute_90a,code=sm_90a",
    "-gencode=arch=compute_90,code=compute_90",
]

NVCC_FLAGS = [
    "-std=c++20",
    "-O3",
    "--expt-relaxed-constexpr",
    "-Xcompiler=-fPIC,-Wall,-Wno-unused-parameter",
    "-Werror=all-warnings",
    "-I.",
    "-I$(GENDIR)",
]

CUDA_LINKOPTS = [
    "-L" + CUDA_HOME + "/lib64",
    "-Wl,-rpath," + CUDA_HOME + "/lib64",
    "-lcublasLt",
    "-lnccl",
    "-lcudart_static",
    "-ldl",
    "-lrt",
    "-lpthread",
]

def llm_cuda_library(name, srcs, hdrs = [], cuda_deps = [], deps = [], cc_hdrs = [], **kwargs):
    """Compiles `srcs` (.cu) with nvcc; exposes `hdrs` (host launchers) to C++.

    Args:
      name: target name; C++ targets depend on it like any cc_library.
      srcs: .cu files.
      hdrs: headers C++ code includes (keep CUDA types out of them).
      cuda_deps: other llm_cuda_library targets whose headers these .cu files include.
      deps: C++ dependencies of the headers.
      cc_hdrs: headers of C++ libraries in `deps` that the .cu files include.
      **kwargs: passed to the cc_library (visibility, tags).
    """
    archive = "lib%s_device.a" % name
    visible_hdrs = hdrs + [dep + "_cuda_hdrs" for dep in cuda_deps]
    native.filegroup(
        name = name + "_cuda_hdrs",
        srcs = visible_hdrs,
        visibility = kwargs.get("visibility"),
    )
    native.genrule(
        name = name + "_nvcc",
        srcs = srcs + visible_hdrs + cc_hdrs,
        outs = [archive],
        cmd = " ".join([
            "set -e;",
            # nvcc names its temporary files after its pid, which is the same in every
            # sandbox's pid namespace: two nvcc at once in the shared /tmp collided.
            "export TMPDIR=$$(mktemp -d); trap 'rm -rf $$TMPDIR' EXIT;",
            "objs=;",
            "for src in %s; do" % " ".join(["$(location %s)" % s for s in srcs]),
            "obj=$(@D)/_nvcc_%s_$$(basename $$src .cu).o;" % name,
            CUDA_HOME + "/bin/nvcc",
        ] + NVCC_FLAGS + CUDA_ARCHS + [
            "-c $$src -o $$obj;",
            "objs=\"$$objs $$obj\";",
            "done;",
            "ar rcs $@ $$objs",
        ]),
        message = "nvcc %s" % name,
    )
    native.cc_library(
        name = name,
        srcs = [archive],
        hdrs = hdrs,
        deps = deps + cuda_deps,
        linkopts = CUDA_LINKOPTS,
        **kwargs
    )
