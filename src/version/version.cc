#include "version/version.h"

#include "version/revision.h"

namespace version {

std::string_view Version() { return ACCELOPS_VERSION; }

std::string_view Revision() { return kRevision; }

std::string VersionLine(std::string_view program) {
  std::string line(program);
  line.append(" ").append(Version()).append(" (revision ").append(Revision()).append(")");
  return line;
}

}  // namespace version
