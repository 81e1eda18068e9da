// HostRoot: the node's files as discovery reads them, below a root directory
// ("/" on a node, "/host" in a container that mounts it, a fixture tree in
// tests). Paths are absolute host paths ("/sys/bus/pci/devices"); a file that
// cannot be read is absent, never an error: discovery reports what it finds.
#ifndef DISCOVERY_HOST_HOST_ROOT_H_
#define DISCOVERY_HOST_HOST_ROOT_H_

#include <optional>
#include <string>
#include <vector>

namespace discovery {

class HostRoot {
 public:
  explicit HostRoot(std::string root);

  // The file's contents, or nullopt when it cannot be read.
  std::optional<std::string> Read(const std::string& path) const;
  // The file's first line without surrounding whitespace, or nullopt.
  std::optional<std::string> ReadLine(const std::string& path) const;
  // The names in a directory, sorted; empty when it cannot be listed.
  std::vector<std::string> List(const std::string& path) const;
  bool Exists(const std::string& path) const;

  const std::string& root() const { return root_; }

 private:
  std::string Resolve(const std::string& path) const;

  std::string root_;
};

}  // namespace discovery

#endif  // DISCOVERY_HOST_HOST_ROOT_H_
