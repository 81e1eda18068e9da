// StoreFile: the node daemon's reservations on disk, written so that no crash
// can lose or corrupt them.
//
// Each save writes a new file beside the store, fsyncs it, renames it over the
// store (atomic on POSIX file systems) and fsyncs the folder, so a reader sees
// the old content or the new, never a mix, even after kill -9 or power loss
// in the middle of a write. The file carries a format version and a SHA-256
// checksum of its data; a file that fails either check is refused with a
// clear error instead of being read as empty.
#ifndef IPAM_NODE_STORE_FILE_H_
#define IPAM_NODE_STORE_FILE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace ipam {

class StoreFile {
 public:
  static constexpr int kVersion = 1;

  explicit StoreFile(std::string path) : path_(std::move(path)) {}

  // The saved data; an empty object when there is no store yet. Leftover temporary
  // files of an interrupted save are removed.
  kube::Result<nlohmann::json> Load() const;
  kube::Status Save(const nlohmann::json& data) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ipam

#endif  // IPAM_NODE_STORE_FILE_H_
