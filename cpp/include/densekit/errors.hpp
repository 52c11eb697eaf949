// The exceptions densekit throws. Python sees ValueError, TypeError and OSError with the same text.
#pragma once

#include <stdexcept>
#include <string>

namespace densekit {

// Base of every densekit exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value is out of range, a shape does not fit, a name is unknown.
class ValueError : public Error {
 public:
  using Error::Error;
};

// An argument has the wrong kind (a non-integer label, a float where an int is needed).
class TypeError : public Error {
 public:
  using Error::Error;
};

// A file cannot be read or written, or is not a valid densekit file.
class IOError : public Error {
 public:
  using Error::Error;
};

}  // namespace densekit
