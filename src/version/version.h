// The project's version (the VERSION file, one for every program, image and
// chart) and the source revision it was built from. Thread-safe: constants.
#ifndef VERSION_VERSION_H_
#define VERSION_VERSION_H_

#include <string>
#include <string_view>

namespace version {

// "0.1.0".
[[nodiscard]] std::string_view Version();
// The commit the build came from ("unknown" outside a git checkout), "-dirty" when it had changes.
[[nodiscard]] std::string_view Revision();
// What `PROGRAM --version` prints: "PROGRAM 0.1.0 (revision 1a2b3c4)".
[[nodiscard]] std::string VersionLine(std::string_view program);

}  // namespace version

#endif  // VERSION_VERSION_H_
