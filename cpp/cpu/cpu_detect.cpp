// densekit._cpu: which of the built instruction-set variants this CPU can run. Compiled for the
// baseline (no -march) and without pybind11, so it loads on any x86-64 CPU, quickly.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstring>

namespace {

// Whether the CPU runs code built for `tag` ("x86_64", "x86_64_v3", "x86_64_v4", "native",
// "default").
bool supported(const char* tag) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
  __builtin_cpu_init();
  if (std::strcmp(tag, "x86_64_v4") == 0) return __builtin_cpu_supports("x86-64-v4");
  if (std::strcmp(tag, "x86_64_v3") == 0) return __builtin_cpu_supports("x86-64-v3");
#elif defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (std::strcmp(tag, "x86_64_v4") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (std::strcmp(tag, "x86_64_v3") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
#endif
  // The baseline, "default" and "native" (built on this machine, for this machine).
  return std::strcmp(tag, "x86_64_v3") != 0 && std::strcmp(tag, "x86_64_v4") != 0;
}

PyObject* py_supports(PyObject*, PyObject* arg) {
  const char* tag = PyUnicode_AsUTF8(arg);
  if (!tag) return nullptr;
  return PyBool_FromLong(supported(tag));
}

PyMethodDef methods[] = {
    {"supports", py_supports, METH_O, "Whether this CPU runs the given instruction-set variant."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu", "CPU feature detection for densekit's variants.", -1, methods,
                      nullptr, nullptr, nullptr, nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__cpu() {
  PyObject* m = PyModule_Create(&module);
  if (m) PyModule_AddStringConstant(m, "variants", DENSEKIT_VARIANT_TAGS);  // built variants, best last
  return m;
}
