"""Build hooks for pyvsag (the metadata lives in pyproject.toml).

* The wheel carries libvsag.so, so it is tagged for the platform (py3-none-<platform>) rather
  than as pure Python; the package itself needs no compiler. ``make build`` also compiles
  pyvsag/_fastpath*.so (the single-query search path, optional), which is carried along when
  present, and then the wheel is tagged for the interpreter that built it (cpXY-cpXY-<platform>).
* If pyvsag/libvsag.so is absent (``make build`` copies it there), the library is taken from
  ``VSAG_LIBRARY_PATH`` or from the repository's ``build/lib/libvsag.so``.
"""

import glob
import os
import shutil

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = "libvsag.so"


def find_library() -> str:
    candidates = [os.path.join(HERE, "pyvsag", LIB)]
    env = os.environ.get("VSAG_LIBRARY_PATH", "")
    if env:
        candidates.append(os.path.join(env, LIB) if os.path.isdir(env) else env)
    candidates.append(os.path.join(HERE, "..", "build", "lib", LIB))
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise SystemExit(
        "pyvsag: libvsag.so not found (looked at " + ", ".join(candidates) + "); "
        "run `make build` at the repository root or set VSAG_LIBRARY_PATH")


class BuildPy(build_py):
    """build_py that always puts libvsag.so into the built package."""

    def run(self) -> None:
        super().run()
        target = os.path.join(self.build_lib, "pyvsag", LIB)
        if not os.path.isfile(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(find_library(), target)
            os.chmod(target, 0o755)


class BinaryDistribution(Distribution):
    """A distribution whose files go to the platform-specific site directory."""

    def has_ext_modules(self) -> bool:
        return True


cmdclass = {"build_py": BuildPy}

try:
    from wheel.bdist_wheel import bdist_wheel

    class BdistWheel(bdist_wheel):
        """bdist_wheel tagged py3-none-<platform> for the native library alone, or for the
        building interpreter (cpXY-cpXY-<platform>) when the compiled fast path is carried."""

        def get_tag(self):
            impl, abi, plat = super().get_tag()
            if glob.glob(os.path.join(HERE, "pyvsag", "_fastpath*.so")):
                return impl, abi, plat
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = BdistWheel
except ImportError:  # no wheel package: sdists and legacy installs still work
    pass

setup(cmdclass=cmdclass, distclass=BinaryDistribution)
