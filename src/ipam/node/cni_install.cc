#include "node/cni_install.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "kube/config.h"

namespace ipam {

namespace {

namespace fs = std::filesystem;

kube::Status Invalid(const std::string& message) { return kube::Status(kube::Code::kInvalidArgument, message); }

// Writes `target` through a temporary file beside it and a rename.
kube::Status ReplaceFile(const fs::path& target, const std::string& content, fs::perms mode) {
  const fs::path temporary = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Invalid("cannot write " + temporary.string() + ": " + std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) return Invalid("cannot write " + temporary.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::permissions(temporary, mode, ec);
  if (!ec) fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary);
    return Invalid("cannot replace " + target.string() + ": " + ec.message());
  }
  return kube::Status::Ok();
}

kube::Status NeedDirectory(const std::string& dir, const char* flag) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Invalid(flag + std::string(" ") + kube::Quoted(dir) + " is not a directory");
  return kube::Status::Ok();
}

}  // namespace

nlohmann::json CniDefaults(const CniInstallOptions& options) {
  return {{"daemonSocket", options.daemon_socket},
          {"daemonCallTimeoutSeconds", options.daemon_call_timeout_seconds},
          {"logFile", options.log_file},
          {"logLevel", options.log_level}};
}

kube::Status InstallCni(const CniInstallOptions& options) {
  if (!options.skip_binary) {
    if (kube::Status s = NeedDirectory(options.bin_dir, "--cni-bin-dir"); !s.ok()) return s;
    auto plugin = kube::ReadFile(options.plugin_source);
    if (!plugin.ok()) return Invalid("--cni-nv-ipam-bin-file: " + plugin.status().message());
    const fs::perms executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec;
    if (kube::Status s = ReplaceFile(fs::path(options.bin_dir) / "nv-ipam", *plugin, executable); !s.ok()) return s;
  }
  if (!options.skip_config) {
    if (kube::Status s = NeedDirectory(options.conf_dir, "--cni-conf-dir"); !s.ok()) return s;
    const fs::perms readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read;
    if (kube::Status s = ReplaceFile(fs::path(options.conf_dir) / "nv-ipam.conf", CniDefaults(options).dump(2) + "\n",
                                     readable);
        !s.ok()) {
      return s;
    }
  }
  return kube::Status::Ok();
}

}  // namespace ipam
