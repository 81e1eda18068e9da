#include "node/store_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/json_fields.h"
#include "kube/json_limits.h"

namespace ipam {
namespace {

namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

kube::Status IoError(const std::string& what, const std::string& path) {
  return kube::Status(kube::Code::kInternal, what + " " + path + ": " + std::strerror(errno));
}

kube::Status FsyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path);
  const int r = ::fsync(fd);
  ::close(fd);
  return r == 0 ? kube::Status::Ok() : IoError("cannot fsync", path);
}

}  // namespace

kube::Result<nlohmann::json> StoreFile::Load() const {
  const fs::path store(path_);
  std::error_code ec;
  const std::string tmp_prefix = store.filename().string() + ".tmp-";
  for (const auto& entry : fs::directory_iterator(store.parent_path().empty() ? "." : store.parent_path(), ec)) {
    if (entry.path().filename().string().rfind(tmp_prefix, 0) == 0) fs::remove(entry.path(), ec);
  }
  if (fs::is_directory(store, ec)) {
    return kube::Status(kube::Code::kInternal, "store " + path_ + " is a directory, not a file");
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (!fs::exists(store)) return nlohmann::json::object();
    return IoError("cannot read", path_);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto parsed = kube::ParseJson(buffer.str());
  if (!parsed.ok() || !parsed->is_object()) {
    return kube::Status(kube::Code::kInternal, "store " + path_ + " " +
                                                   (parsed.ok() ? "is not a JSON object" : parsed.status().message()) +
                                                   "; refusing to start rather than forget its reservations (move it "
                                                   "away to start empty)");
  }
  kube::JsonFields file(*parsed, "store " + path_, kube::Code::kInternal);
  const int64_t version = file.Int("version", 0, 0, INT32_MAX);
  const std::string checksum = file.String("checksum");
  const nlohmann::json& data = file.Object("data");
  if (!file.ok()) return file.status();
  if (version != kVersion) {
    return kube::Status(kube::Code::kInternal, "store " + path_ + " has format version " + std::to_string(version) +
                                                   ", this daemon reads " + std::to_string(kVersion));
  }
  if (checksum != Sha256Hex(data.dump())) {
    return kube::Status(kube::Code::kInternal, "store " + path_ + " fails its checksum; refusing to start rather than "
                                               "trust it (move it away to start empty)");
  }
  return data;
}

kube::Status StoreFile::Save(const nlohmann::json& data) const {
  const fs::path store(path_);
  std::error_code ec;
  if (!store.parent_path().empty()) fs::create_directories(store.parent_path(), ec);
  const nlohmann::json file = {{"version", kVersion}, {"checksum", Sha256Hex(data.dump())}, {"data", data}};
  const std::string content = file.dump();
  const std::string tmp = path_ + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      kube::Status s = IoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    kube::Status s = IoError("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    kube::Status s = IoError("cannot rename over", path_);
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncPath(store.parent_path().empty() ? "." : store.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace ipam
