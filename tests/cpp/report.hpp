// The misuse programs' one line per case: "name: ok" when the call returned, else the kind of
// exception and its message, for tests/cpp/test_cpp_api.py to read.
#pragma once

#include <densekit/errors.hpp>

#include <exception>
#include <iostream>

template <class Fn>
void report(const char* name, Fn fn) {
  try {
    fn();
    std::cout << name << ": ok\n";
  } catch (const densekit::ValueError& e) {
    std::cout << name << ": ValueError: " << e.what() << "\n";
  } catch (const densekit::Error& e) {
    std::cout << name << ": Error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cout << name << ": other exception: " << e.what() << "\n";
  }
}
