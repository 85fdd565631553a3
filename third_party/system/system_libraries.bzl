"""Wraps libraries installed by Debian's packages as Bazel cc_library targets.

Headers live in /usr/include, which the compiler searches already, so a target only
carries link flags. Flags come from pkg-config when the repository is fetched, so the
build follows whatever the installed packages need (Abseil's long internal chains).
"""

def _pkg_config_libs(ctx, modules):
    if not modules:
        return []
    result = ctx.execute(["pkg-config", "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config could not find %s (run tools/bootstrap.sh): %s" % (
            " ".join(modules),
            result.stderr,
        ))
    return [f for f in result.stdout.replace("\n", " ").split(" ") if f]

def _system_libraries_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in ctx.attr.libraries.items():
        decoded = json.decode(spec)
        linkopts = _pkg_config_libs(ctx, decoded.get("pkg_config", [])) + decoded.get("linkopts", [])
        build.append("cc_library(name = %r, linkopts = %r)" % (name, linkopts))
        build.append("")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(build))

_system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {"libraries": attr.string_dict()},
    local = True,
)

def system_libraries(name, libraries):
    """Declares one repository with a cc_library per entry of `libraries`.

    Args:
      name: repository name.
      libraries: target name -> {"pkg_config": [modules], "linkopts": [flags]}.
    """
    _system_libraries(
        name = name,
        libraries = {k: json.encode(v) for k, v in libraries.items()},
    )
