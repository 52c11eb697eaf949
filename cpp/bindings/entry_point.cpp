// The entry points of densekit._core_<instruction set>: one PyInit function per variant the build
// makes (the generated variant_modules.inc lists them), all compiled once, here. Each variant's
// shared object carries them all and Python calls the one named after the file it loads, so the
// bindings need no per-variant compile (CMakeLists.txt). The contents are in module.cpp.
#include <pybind11/pybind11.h>

namespace densekit_py {
void init_core(pybind11::module_& m);
}

#define DENSEKIT_VARIANT_MODULE(name) \
  PYBIND11_MODULE(name, m) { densekit_py::init_core(m); }
#include "variant_modules.inc"
