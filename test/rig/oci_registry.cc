#include "oci_registry.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "eventually.h"
#include "kube/base64.h"
#include "registry/tag_lister.h"

namespace rig {

OciRegistry::OciRegistry(SignIn sign_in) : port_(FreePort()) {
  dir_ = (std::filesystem::temp_directory_path() / ("oci-registry-" + std::to_string(port_))).string();
  std::filesystem::remove_all(dir_);
  const std::string script = std::string(ACCELOPS_SOURCE_DIR) + "/hack/oci-registry";
  if (sign_in == SignIn::kBasic) {
    process_ = std::make_unique<ChildProcess>(
        script, std::vector<std::string>{"serve", dir_, std::to_string(port_), kUser, kPassword});
  } else {
    const int token_port = FreePort();
    std::filesystem::create_directories(dir_ + "/tokens");
    std::ofstream(dir_ + "/tokens/token") << R"({"token": "a-pull-token", "expires_in": 300})";
    token_service_ = std::make_unique<ChildProcess>(
        "/usr/bin/busybox", std::vector<std::string>{"httpd", "-f", "-vv", "-p", "127.0.0.1:" + std::to_string(token_port),
                                                     "-h", dir_ + "/tokens"});
    process_ = std::make_unique<ChildProcess>(
        script, std::vector<std::string>{"serve-bearer", dir_, std::to_string(port_),
                                         "http://127.0.0.1:" + std::to_string(token_port) + "/token"});
  }
  // Up when it answers about a repository it does not have: asking for credentials (Basic), or,
  // with a token, that there is no such repository (Bearer).
  const kube::Code up = sign_in == SignIn::kBasic ? kube::Code::kUnauthorized : kube::Code::kNotFound;
  auto repo = registry::ParseImageRepository(host() + "/probe");
  ready_ = repo.ok() && Eventually([&] {
             if (!process_->Running() || (token_service_ && !token_service_->Running())) return true;
             auto tags = registry::ListTags(*repo, {});
             return !tags.ok() && tags.status().code() == up;
           }) && process_->Running() && (!token_service_ || token_service_->Running());
}

bool OciRegistry::Push(const std::string& repository, const std::vector<std::string>& tags) const {
  std::string command = std::string(ACCELOPS_SOURCE_DIR) + "/hack/oci-registry push " + std::to_string(port_) + " " +
                        repository + " " + kUser + " " + kPassword;
  for (const auto& t : tags) command += " " + t;
  return std::system(command.c_str()) == 0;
}

nlohmann::json OciRegistry::PullSecret(const std::string& ns, const std::string& name) const {
  const nlohmann::json config = {
      {"auths", {{host(), {{"auth", kube::Base64Encode(std::string(kUser) + ":" + kPassword)}}}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "kubernetes.io/dockerconfigjson"},
          {"data", {{".dockerconfigjson", kube::Base64Encode(config.dump())}}}};
}

}  // namespace rig
